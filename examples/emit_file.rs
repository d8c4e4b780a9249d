//! Parses a YAML file and prints it re-emitted: `cargo run --example emit_file -- FILE`.

use kagentctl::yaml::{emit_documents, parse_documents, Limits};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: emit_file FILE");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    match parse_documents(&src, Limits::default()) {
        Ok(docs) => print!("{}", emit_documents(docs.iter().map(|d| &d.value))),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
