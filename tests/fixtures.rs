//! Data-driven tests, one test per fixture, so a maintainer can run one at a time
//! (`cargo test --test fixtures -- conformance::TestRepeatBase`, or any substring):
//!
//! * `conformance::<case>`: the Kustomize test-suite cases in `tests/fixtures/<case>/`
//!   (input tree `in/`, `target`, optional `flags`) build to exactly `expected.yaml`
//!   (Kustomize v5.5.0's output), or fail as kubectl failed (`expected.err`, kubectl's
//!   message) with a message holding each line of `expected.words` (our message's key
//!   words: the object, field or file the failure is about).
//! * `golden::<env>`: the kagent overlays render to `tests/golden/<env>.yaml`, as
//!   `kubectl kustomize` printed them.
//! * `emit::<file>`: each `tests/fixtures/emit/*.yaml` (exact kubectl output) parses and
//!   re-emits to the same bytes.
//! * `smp::<case>`: strategic merge on its own: `tests/smp/<case>/patch.yaml` merged into
//!   `target.yaml` with the built-in schema gives the object in `expected.yaml`, which
//!   `kubectl kustomize` produced from the same resource and patch (the patch file's
//!   leading comment says what the case is about).
//! * `memory::<case>`: each conformance case that builds, read from a copy of its tree
//!   held in memory ([`kagentctl::fs::Memory`]) instead of the disk, gives the same
//!   output: the build reads every file through the one file-system interface.
//! * `kubectl::<case>` (ignored: slow, needs kubectl): each conformance fixture still
//!   agrees with a live `kubectl kustomize`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kagentctl::build::{build_in, BuildOptions};
use kagentctl::cli::{write_resources, Format};
use kagentctl::fs::Memory;
use kagentctl::load::LoadRestrictor;
use kagentctl::resource::Gvk;
use kagentctl::schema::openapi::OpenApi;
use kagentctl::transform::smp::{merge, Outcome};
use kagentctl::yaml::{emit_documents, parse_documents, Limits};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Map, Value};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Subdirectories of `dir` that pass `keep`, sorted by name.
fn entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| keep(p));
    v.sort();
    v
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// A unified diff of kubectl's output `want` against `got` (from `side`).
fn text_diff(want: &[u8], got: &[u8], side: &str) -> String {
    let (want, got) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    similar::TextDiff::from_lines(&*want, &*got)
        .unified_diff()
        .context_radius(2)
        .header("kubectl", side)
        .to_string()
}

/// The arguments of `build` for a conformance case: its flags, then `in/<target>`.
fn build_args(case: &Path) -> Vec<String> {
    let target = std::fs::read_to_string(case.join("target")).unwrap_or_default();
    let mut a: Vec<String> = std::fs::read_to_string(case.join("flags"))
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    a.push(format!("in/{}", target.trim()));
    a
}

fn conformance(case: &Path) -> Result<(), Failed> {
    let out = Command::new(env!("CARGO_BIN_EXE_kagentctl"))
        .current_dir(case)
        .arg("build")
        .args(build_args(case))
        .output()
        .map_err(|e| format!("cannot run kagentctl: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if case.join("expected.yaml").is_file() {
        let want = std::fs::read(case.join("expected.yaml")).map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("failed where kubectl succeeded:\n{stderr}").into());
        }
        if out.stdout != want {
            let diff = text_diff(&want, &out.stdout, "kagentctl");
            return Err(format!("output differs from kubectl's:\n{diff}").into());
        }
        return Ok(());
    }
    if !case.join("expected.err").is_file() {
        return Err("fixture has neither expected.yaml nor expected.err".into());
    }
    if out.status.success() {
        return Err("succeeded where kubectl failed (see expected.err)".into());
    }
    if stderr.contains("panicked") {
        return Err(format!("panicked:\n{stderr}").into());
    }
    let words = std::fs::read_to_string(case.join("expected.words"))
        .map_err(|_| "an error fixture needs expected.words (our message's key words)")?;
    let missing: Vec<&str> = words
        .lines()
        .filter(|w| !w.trim().is_empty() && !stderr.contains(*w))
        .collect();
    if !missing.is_empty() || words.trim().is_empty() {
        return Err(format!("the message lacks {missing:?}:\n{stderr}").into());
    }
    Ok(())
}

fn kubectl_agrees(case: &Path) -> Result<(), Failed> {
    let Ok(out) = Command::new("kubectl")
        .current_dir(case)
        .arg("kustomize")
        .args(build_args(case))
        .output()
    else {
        eprintln!("notice: kubectl not found; skipping");
        return Ok(());
    };
    if case.join("expected.yaml").is_file() {
        let want = std::fs::read(case.join("expected.yaml")).map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err("kubectl failed".into());
        }
        if out.stdout != want {
            return Err("fixture drifted from kubectl".into());
        }
    } else if out.status.success() {
        return Err("kubectl succeeded".into());
    }
    Ok(())
}

fn golden(env: &'static str) -> Result<(), Failed> {
    let want = std::fs::read_to_string(repo().join("tests/golden").join(format!("{env}.yaml")))
        .map_err(|e| format!("golden file: {e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kagentctl"));
    cmd.env_remove("KAGENTCTL_ROOT");
    if env == "base" {
        cmd.arg("build").arg(repo().join("kubernetes/kagent/base"));
    } else {
        cmd.args(["render", "--env", env, "--root"])
            .arg(repo().join("kubernetes/kagent"));
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    if env != "base" && !out.stderr.is_empty() {
        return Err(format!(
            "unexpected stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    if String::from_utf8_lossy(&out.stdout) != want {
        return Err(format!("{env} differs from tests/golden/{env}.yaml").into());
    }
    Ok(())
}

fn emit_round_trip(path: &Path) -> Result<(), Failed> {
    let src = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let docs = parse_documents(&src, Limits::default()).map_err(|e| e.to_string())?;
    let out = emit_documents(docs.iter().map(|d| &d.value));
    if out != src {
        let diff = similar::TextDiff::from_lines(&src, &out);
        return Err(diff
            .unified_diff()
            .context_radius(2)
            .header("kubectl", "emitted")
            .to_string()
            .into());
    }
    Ok(())
}

/// A conformance case built from a copy of its `in/` tree in memory (under `/in`).
fn memory_build(case: &Path) -> Result<(), Failed> {
    let want = std::fs::read(case.join("expected.yaml")).map_err(|e| e.to_string())?;
    let mut tree = Memory::new();
    for e in walkdir::WalkDir::new(case.join("in")).follow_links(true) {
        let e = e.map_err(|e| e.to_string())?;
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(case).map_err(|e| e.to_string())?;
            let bytes = std::fs::read(e.path()).map_err(|e| e.to_string())?;
            tree.insert(Path::new("/").join(rel), bytes);
        }
    }
    let args = build_args(case);
    let restrictor = if args.iter().any(|a| a.contains("LoadRestrictionsNone")) {
        LoadRestrictor::None
    } else {
        LoadRestrictor::RootOnly
    };
    let opts = BuildOptions {
        load_restrictor: restrictor,
        ..Default::default()
    };
    let dir = Path::new("/").join(args.last().map(String::as_str).unwrap_or("in"));
    let out = build_in(std::sync::Arc::new(tree), &dir, &opts)
        .map_err(|e| format!("failed in memory where it builds on disk: {e}"))?;
    let mut got = Vec::new();
    write_resources(&out.resources, Format::Yaml, &mut got).map_err(|e| e.to_string())?;
    if got != want {
        let diff = text_diff(&want, &got, "memory");
        return Err(format!("output from memory differs:\n{diff}").into());
    }
    Ok(())
}

/// The one mapping document of a YAML file.
fn yaml_map(path: &Path) -> Result<Map<String, Value>, Failed> {
    let src = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let docs =
        parse_documents(&src, Limits::default()).map_err(|e| format!("{}: {e}", path.display()))?;
    match docs.into_iter().next().map(|d| d.value) {
        Some(Value::Object(m)) => Ok(m),
        other => Err(format!("{}: not a map: {other:?}", path.display()).into()),
    }
}

fn smp_case(case: &Path) -> Result<(), Failed> {
    let mut target = yaml_map(&case.join("target.yaml"))?;
    let patch = yaml_map(&case.join("patch.yaml"))?;
    let want = yaml_map(&case.join("expected.yaml"))?;
    let field = |k: &str| target.get(k).and_then(Value::as_str).unwrap_or("");
    let gvk = Gvk::from_api_version(field("apiVersion"), field("kind"));
    let outcome = merge(&mut target, &patch, &gvk, OpenApi::BUILTIN)
        .map_err(|e| format!("merge failed: {e}"))?;
    if outcome != Outcome::Merged {
        return Err(format!("expected a merge, got {outcome:?}").into());
    }
    if target != want {
        let pretty = |m: Map<String, Value>| {
            serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
        };
        let (want, got) = (pretty(want), pretty(target));
        let diff = similar::TextDiff::from_lines(&want, &got);
        return Err(diff
            .unified_diff()
            .context_radius(3)
            .header("expected.yaml", "merged")
            .to_string()
            .into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let cases = entries(&repo().join("tests/fixtures"), |p| {
        p.join("target").is_file()
    });
    assert!(cases.len() >= 10, "conformance fixtures missing");
    for case in cases {
        let name = name_of(&case);
        let c = case.clone();
        trials.push(Trial::test(format!("conformance::{name}"), move || {
            conformance(&c)
        }));
        if case.join("expected.yaml").is_file() {
            let c = case.clone();
            trials.push(Trial::test(format!("memory::{name}"), move || {
                memory_build(&c)
            }));
        }
        trials.push(
            Trial::test(format!("kubectl::{name}"), move || kubectl_agrees(&case))
                .with_ignored_flag(true),
        );
    }
    for env in ["base", "dev", "prod"] {
        trials.push(Trial::test(format!("golden::{env}"), move || golden(env)));
    }
    let emit = entries(&repo().join("tests/fixtures/emit"), |p| {
        p.extension().is_some_and(|e| e == "yaml")
    });
    assert!(emit.len() >= 10, "emit fixtures missing");
    for path in emit {
        let name = name_of(&path);
        trials.push(Trial::test(format!("emit::{name}"), move || {
            emit_round_trip(&path)
        }));
    }
    let smp = entries(&repo().join("tests/smp"), |p| {
        p.join("patch.yaml").is_file()
    });
    assert!(smp.len() >= 10, "strategic-merge cases missing");
    for case in smp {
        let name = name_of(&case);
        trials.push(Trial::test(format!("smp::{name}"), move || smp_case(&case)));
    }
    libtest_mimic::run(&args, trials).exit();
}
