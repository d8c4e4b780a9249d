//! Round-trips YAML files through the parser and the emitter and reports files whose
//! re-emitted text differs: `cargo run --example emit_roundtrip -- FILE...`.

use kagentctl::yaml::{emit_documents, parse_documents, Limits};

fn main() {
    let mut ok = 0;
    let mut total = 0;
    let verbose = std::env::var_os("VERBOSE").is_some();
    for path in std::env::args().skip(1) {
        let Ok(src) = std::fs::read_to_string(&path) else {
            eprintln!("SKIP {path} (unreadable)");
            continue;
        };
        total += 1;
        let docs = match parse_documents(&src, Limits::default()) {
            Ok(d) => d,
            Err(e) => {
                println!("FAIL {path}: parse error {e}");
                continue;
            }
        };
        let out = emit_documents(docs.iter().map(|d| &d.value));
        if out == src {
            ok += 1;
            continue;
        }
        println!("FAIL {path}");
        if verbose {
            let diff = similar::TextDiff::from_lines(&src, &out);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header("expected", "emitted")
            );
        }
    }
    println!("{ok}/{total} files round-trip");
}
