//! Build-time code generation:
//! - embeds the kagent Kustomize tree (kubernetes/kagent) into the binary, so `render`
//!   works on a machine that has only the binary;
//! - turns the default field-spec table (src/schema/fieldspecs.txt) into static Rust rows,
//!   so nothing is parsed at start-up;
//! - records the git commit being built (`KAGENTCTL_GIT_COMMIT`, for `kagentctl version`).

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

/// Runs git in the manifest directory; its trimmed stdout, if it succeeded.
fn git(manifest: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(manifest)
        .args(args)
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

/// Reruns the build script when `path` changes; only for paths that exist (cargo would
/// rerun it on every build for a missing one).
fn watch(path: &str) {
    if Path::new(path).exists() {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// Sets `KAGENTCTL_GIT_COMMIT`: `$KAGENTCTL_GIT_COMMIT` if set (builds from a source
/// archive), else `git rev-parse HEAD`, else `unknown`. Reruns when HEAD moves.
fn git_commit(manifest: &Path) {
    println!("cargo:rerun-if-env-changed=KAGENTCTL_GIT_COMMIT");
    let commit = match std::env::var("KAGENTCTL_GIT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        // Only this repository's own commit: not that of a repository that happens to
        // hold the sources further up (a vendored copy).
        _ if git(manifest, &["rev-parse", "--show-toplevel"])
            .and_then(|t| Path::new(&t).canonicalize().ok())
            != manifest.canonicalize().ok() =>
        {
            "unknown".to_string()
        }
        _ => {
            // HEAD itself, the branch it points at, and packed refs (a worktree's HEAD
            // lives in its own git dir, branches in the common one).
            if let Some(dir) = git(manifest, &["rev-parse", "--absolute-git-dir"]) {
                watch(&format!("{dir}/HEAD"));
            }
            if let Some(common) = git(
                manifest,
                &["rev-parse", "--path-format=absolute", "--git-common-dir"],
            ) {
                watch(&format!("{common}/packed-refs"));
                if let Some(r) = git(manifest, &["symbolic-ref", "-q", "HEAD"]) {
                    watch(&format!("{common}/{r}"));
                }
            }
            git(manifest, &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_string())
        }
    };
    println!("cargo:rustc-env=KAGENTCTL_GIT_COMMIT={commit}");
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
    git_commit(Path::new(&manifest));
}
