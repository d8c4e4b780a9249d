//! Embeds the kagent Kustomize tree (kubernetes/kagent) into the binary, so `render` works
//! on a machine that has only the binary.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, base, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let tree = Path::new(&manifest).join("kubernetes/kagent");
    println!("cargo:rerun-if-changed=kubernetes/kagent");
    let mut files = Vec::new();
    collect(&tree, &tree, &mut files);
    let mut code = String::from("/// Files of the kagent tree: (path relative to the tree, contents).\npub static EMBEDDED_TREE: &[(&str, &str)] = &[\n");
    for f in &files {
        let abs = tree.join(f);
        println!("cargo:rerun-if-changed={}", abs.display());
        let _ = writeln!(
            code,
            "    ({f:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_tree.rs");
    std::fs::write(out, code).expect("write embedded tree");
}
