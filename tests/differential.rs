//! Differential fuzzing against `kubectl kustomize`: a fixed-seed sample of random trees
//! from `examples/difftree.rs`, built by both tools through `scripts/differential.sh`.
//! Ignored by default (it needs kubectl and takes about a minute); run it with
//! `cargo test --test differential -- --ignored`. Skipped with a notice without kubectl.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore]
fn fixed_seed_sample_agrees_with_kubectl_kustomize() {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        eprintln!("notice: kubectl not found; skipping the differential sample");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(repo.join("scripts/differential.sh"))
        .args([
            "--count",
            "100",
            "--seed",
            "42",
            "--bin",
            env!("CARGO_BIN_EXE_kagentctl"),
        ])
        .current_dir(repo)
        .output()
        .expect("run scripts/differential.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        out.status.success() && last == "100 passed, 0 failed",
        "differential sample diverged ({last}):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
