//! The architecture's checkable facts (docs/architecture.md, "The rule"), read from the
//! sources so they stay true: file sizes, which modules may import which, no mutual
//! imports, no I/O in transformers, no thread-local schema, no dead configuration fields.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::repo;

/// Most lines of code a file under `src/` may have (tests and generated tables excepted).
const MAX_CODE_LINES: usize = 1000;

/// One source file: its module path (`transform::smp::assoc`; `""` for the crate root)
/// and its lines of code outside test modules and comments.
struct Source {
    module: String,
    path: PathBuf,
    code: Vec<String>,
    generated: bool,
}

/// The module path of a file under `src/` (`src/transform/smp/mod.rs` is
/// `transform::smp`); `None` for binaries.
fn module_of(rel: &Path) -> Option<String> {
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.starts_with("bin/") || s == "main.rs" {
        return None;
    }
    let s = s.strip_suffix(".rs")?;
    let s = s.strip_suffix("/mod").unwrap_or(s);
    Some(if s == "lib" {
        String::new()
    } else {
        s.replace('/', "::")
    })
}

/// The lines of code of a rustfmt-formatted file: no blank lines, no comment lines, no
/// `#[cfg(test)] mod ... { ... }` block (it ends at the next `}` in column 0).
fn code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]" {
            if let Some(next) = lines.peek() {
                let n = next.trim_start();
                if n.starts_with("mod ") || n.starts_with("pub mod ") {
                    let inline = next.trim_end().ends_with('{');
                    lines.next();
                    if inline {
                        for l in lines.by_ref() {
                            if l == "}" {
                                break;
                            }
                        }
                    }
                    continue;
                }
            }
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        out.push(line.to_string());
    }
    out
}

fn sources() -> Vec<Source> {
    let src = repo().join("src");
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let e = e.expect("walk src");
        let path = e.path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).expect("under src");
        let Some(module) = module_of(rel) else {
            continue;
        };
        let text = std::fs::read_to_string(path).expect("read source");
        // A file a script writes says so in its header (Rust's `@generated` marker).
        let generated = text.lines().take(10).any(|l| l.contains("@generated"));
        out.push(Source {
            module,
            path: rel.to_path_buf(),
            code: code_lines(&text),
            generated,
        });
    }
    assert!(out.len() > 50, "sources missing under {}", src.display());
    out
}

/// The modules `s` refers to (`crate::a::b`, `super::x`, and a child declared with
/// `mod x;` used by name), resolved to the longest known module path.
fn imports(s: &Source, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = match s.module.rfind("::") {
        Some(i) => s.module[..i].to_string(),
        None => String::new(),
    };
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else {
            format!("{a}::{b}")
        }
    };
    let mut out = BTreeSet::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for line in &s.code {
        for (base, prefix) in [("", "crate::"), (parent.as_str(), "super::")] {
            let mut rest = line.as_str();
            while let Some(i) = rest.find(prefix) {
                let before = rest[..i].chars().last();
                rest = &rest[i + prefix.len()..];
                if before.is_some_and(ident) {
                    continue;
                }
                // The path after the prefix: identifiers joined by `::`.
                let mut path = base.to_string();
                let mut best = Some(path.clone()).filter(|p| modules.contains(p));
                let mut tail = rest;
                loop {
                    let end = tail.find(|c: char| !ident(c)).unwrap_or(tail.len());
                    if end == 0 {
                        break;
                    }
                    path = join(&path, &tail[..end]);
                    if modules.contains(&path) {
                        best = Some(path.clone());
                    }
                    match tail[end..].strip_prefix("::") {
                        Some(t) => tail = t,
                        None => break,
                    }
                }
                if let Some(m) = best.filter(|m| *m != s.module) {
                    out.insert(m);
                }
            }
        }
    }
    out
}

/// Whether `a` is `b` or inside it (`transform::smp` is inside `transform`).
fn within(a: &str, b: &str) -> bool {
    b.is_empty() || a == b || a.starts_with(&format!("{b}::"))
}

#[test]
fn no_file_under_src_has_more_than_1000_lines_of_code() {
    let big: Vec<String> = sources()
        .iter()
        .filter(|s| !s.generated && s.code.len() > MAX_CODE_LINES)
        .map(|s| format!("src/{} ({} lines of code)", s.path.display(), s.code.len()))
        .collect();
    assert!(
        big.is_empty(),
        "split these by concern (limit {MAX_CODE_LINES}): {big:?}"
    );
}

#[test]
fn line_counting_skips_tests_and_comments() {
    let text = "//! doc\nuse a;\n\n// note\nfn f() {\n    g();\n}\n\n#[cfg(test)]\nmod tests {\n    fn t() {\n    }\n}\nfn h() {}\n";
    assert_eq!(
        code_lines(text),
        ["use a;", "fn f() {", "    g();", "}", "fn h() {}"]
    );
}

#[test]
fn no_stage_module_imports_the_orchestrator() {
    let all = sources();
    let modules: BTreeSet<String> = all.iter().map(|s| s.module.clone()).collect();
    let stages = [
        "load",
        "generate",
        "plugins",
        "transform",
        "schema",
        "yaml",
        "order",
        "resource",
    ];
    let mut bad = Vec::new();
    for s in all
        .iter()
        .filter(|s| stages.iter().any(|m| within(&s.module, m)))
    {
        if imports(s, &modules).iter().any(|m| within(m, "build")) {
            bad.push(s.path.display().to_string());
        }
    }
    assert!(bad.is_empty(), "stage modules importing build: {bad:?}");
}

#[test]
fn load_imports_nothing_from_transform() {
    let all = sources();
    let modules: BTreeSet<String> = all.iter().map(|s| s.module.clone()).collect();
    let load = all
        .iter()
        .find(|s| s.module == "load")
        .expect("src/load.rs");
    let bad: Vec<String> = imports(load, &modules)
        .into_iter()
        .filter(|m| within(m, "transform"))
        .collect();
    assert!(bad.is_empty(), "load imports {bad:?}");
}

#[test]
fn no_two_modules_import_each_other() {
    let all = sources();
    let modules: BTreeSet<String> = all.iter().map(|s| s.module.clone()).collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = all
        .iter()
        .map(|s| (s.module.as_str(), imports(s, &modules)))
        .collect();
    // Sanity: the reader finds imports that exist.
    assert!(graph["build"].contains("load"), "{:?}", graph["build"]);
    let mut pairs = Vec::new();
    for (a, targets) in &graph {
        for b in targets {
            // A module's own submodules are parts of it (a parent and its private child
            // use each other's items); the rule is about separate modules.
            if within(a, b) || within(b, a) || a >= &b.as_str() {
                continue;
            }
            if graph.get(b.as_str()).is_some_and(|t| t.contains(*a)) {
                pairs.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(pairs.is_empty(), "modules importing each other: {pairs:?}");
}

#[test]
fn no_transformer_opens_a_file_or_holds_the_loader() {
    let bad: Vec<String> = sources()
        .iter()
        .filter(|s| within(&s.module, "transform"))
        .flat_map(|s| {
            s.code
                .iter()
                .filter(|l| {
                    ["std::fs", "File::", "fs::read", "Loader", "crate::load"]
                        .iter()
                        .any(|w| l.contains(w))
                })
                .map(move |l| format!("src/{}: {}", s.path.display(), l.trim()))
        })
        .collect();
    assert!(bad.is_empty(), "I/O under src/transform: {bad:?}");
}

#[test]
fn no_thread_local_schema_and_no_dead_configuration_fields() {
    let mut bad = Vec::new();
    for s in sources() {
        for l in &s.code {
            if within(&s.module, "schema") && l.contains("thread_local!") {
                bad.push(format!("src/{}: {}", s.path.display(), l.trim()));
            }
            if l.contains("allow(dead_code)") {
                bad.push(format!("src/{}: {}", s.path.display(), l.trim()));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn the_import_reader_resolves_paths() {
    let modules: BTreeSet<String> = ["build", "load", "transform", "transform::smp", "yaml"]
        .into_iter()
        .map(String::from)
        .collect();
    let s = Source {
        module: "transform::smp::assoc".into(),
        path: Path::new("transform/smp/assoc.rs").into(),
        code: vec![
            "use super::{walk, Result};".into(),
            "use crate::load::{self, Loader};".into(),
            "    let x = crate::yaml::parse_documents(s);".into(),
            "    my_crate::build::x();".into(),
        ],
        generated: false,
    };
    let want: BTreeSet<String> = ["load", "transform::smp", "yaml"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(imports(&s, &modules), want);
}
