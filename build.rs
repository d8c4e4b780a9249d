//! Build-time code generation:
//! - embeds the kagent Kustomize tree (kubernetes/kagent) into the binary, so `render`
//!   works on a machine that has only the binary;
//! - turns the default field-spec table (src/schema/fieldspecs.txt) into static Rust rows,
//!   so nothing is parsed at start-up.

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

/// `-` in the table stands for an empty group, version or kind.
fn part(s: &str) -> &str {
    if s == "-" {
        ""
    } else {
        s
    }
}

/// Writes `DEFAULT_FIELD_SPECS` from the compact table
/// `category group version kind path [create]` (see src/schema/mod.rs for the row type).
fn field_specs(manifest: &Path, out_dir: &Path) {
    let table = manifest.join("src/schema/fieldspecs.txt");
    println!("cargo:rerun-if-changed={}", table.display());
    let src = std::fs::read_to_string(&table).expect("read src/schema/fieldspecs.txt");
    let mut code = String::from("/// Kustomize v5.5.0's default field specs, one row per line of fieldspecs.txt.\nstatic DEFAULT_FIELD_SPECS: &[Row] = &[\n");
    for (n, line) in src.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let (cat, g, v, k, path) = match cols[..] {
            [cat, g, v, k, path] | [cat, g, v, k, path, "create"] => (cat, g, v, k, path),
            _ => panic!(
                "fieldspecs.txt:{}: expected `category group version kind path [create]`",
                n + 1
            ),
        };
        let create = cols.len() == 6;
        let category = if let Some(target) = cat.strip_prefix("ref:") {
            // `group/version/kind`, split from the right: a group may itself hold a slash.
            let mut t = target.rsplitn(3, '/');
            let kind = t.next().unwrap_or_default();
            let version = part(t.next().unwrap_or("-"));
            let group = part(t.next().unwrap_or("-"));
            format!("Category::NameReference({group:?}, {version:?}, {kind:?})")
        } else {
            let variant = match cat {
                "commonLabels" => "CommonLabels",
                "templateLabels" => "TemplateLabels",
                "commonAnnotations" => "CommonAnnotations",
                "namespace" => "Namespace",
                "namePrefix" => "NamePrefix",
                "nameSuffix" => "NameSuffix",
                "images" => "Images",
                "replicas" => "Replicas",
                "varReference" => "VarReference",
                other => panic!("fieldspecs.txt:{}: unknown category {other:?}", n + 1),
            };
            format!("Category::{variant}")
        };
        let _ = writeln!(
            code,
            "    ({category}, {:?}, {:?}, {:?}, {path:?}, {create}),",
            part(g),
            part(v),
            part(k)
        );
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("fieldspecs.rs"), code).expect("write fieldspecs.rs");
}

fn main() {
    // A position-dependent executable: with PIE, the loader applies ~15 000 relocations
    // to every start (≈10% of a small build); non-PIE resolves them at link time.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
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
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out_dir = Path::new(&out_dir);
    std::fs::write(out_dir.join("embedded_tree.rs"), code).expect("write embedded tree");
    field_specs(Path::new(&manifest), out_dir);
}
