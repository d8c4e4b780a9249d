//! Conformance fixtures: Kustomize test-suite cases (input tree + Kustomize v5.5.0's
//! output or error) copied into `tests/fixtures/`. Every fixture must build to exactly the
//! expected bytes, or fail when Kustomize fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("target").is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn args(case: &Path) -> Vec<String> {
    let target = std::fs::read_to_string(case.join("target")).unwrap_or_default();
    let mut a: Vec<String> = std::fs::read_to_string(case.join("flags"))
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    a.push(format!("in/{}", target.trim()));
    a
}

#[test]
fn every_fixture_builds_as_kustomize_does() {
    let cases = fixtures();
    assert!(
        cases.len() >= 10,
        "expected the conformance fixtures to be present"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let out = cargo_bin_cmd!("kagentctl")
            .current_dir(case)
            .arg("build")
            .args(args(case))
            .output()
            .expect("run kagentctl");
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if case.join("expected.yaml").is_file() {
            let want = std::fs::read(case.join("expected.yaml")).unwrap_or_default();
            if !out.status.success() {
                failures.push(format!(
                    "{name}: failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            } else if out.stdout != want {
                failures.push(format!("{name}: output differs"));
            }
        } else if out.status.success() {
            failures.push(format!("{name}: expected an error, got success"));
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("panicked") {
                failures.push(format!("{name}: panicked"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Keeps the fixtures honest: each expected output must still be what the oracle prints.
/// Ignored by default (slow); skipped with a notice when kubectl is absent.
#[test]
#[ignore]
fn fixtures_agree_with_kubectl_kustomize() {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        eprintln!("notice: kubectl not found; skipping");
        return;
    }
    for case in fixtures() {
        let out = Command::new("kubectl")
            .current_dir(&case)
            .arg("kustomize")
            .args(args(&case))
            .output()
            .expect("kubectl");
        if case.join("expected.yaml").is_file() {
            let want = std::fs::read(case.join("expected.yaml")).unwrap_or_default();
            assert!(out.status.success(), "{}: kubectl failed", case.display());
            assert_eq!(
                out.stdout,
                want,
                "{}: fixture drifted from kubectl",
                case.display()
            );
        } else {
            assert!(
                !out.status.success(),
                "{}: kubectl succeeded",
                case.display()
            );
        }
    }
}
