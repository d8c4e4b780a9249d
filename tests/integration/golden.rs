//! The kagent overlays: what distinguishes prod from dev, and agreement with a live
//! `kubectl kustomize` when one is installed. (Byte-for-byte comparison with the golden
//! files is `golden::<env>` in `tests/fixtures.rs`.)

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;

fn render(env: &str) -> String {
    let out = cargo_bin_cmd!("kagentctl")
        .args(["render", "--env", env, "--root"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("kubernetes/kagent"))
        .output()
        .expect("run kagentctl");
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "unexpected stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn prod_has_five_replicas_and_only_required_anti_affinity() {
    let prod = render("prod");
    assert!(prod.contains("replicas: 5\n"));
    assert!(prod.contains("requiredDuringSchedulingIgnoredDuringExecution"));
    assert!(!prod.contains("preferredDuringSchedulingIgnoredDuringExecution"));
    let dev = render("dev");
    assert!(dev.contains("replicas: 1\n"));
    assert!(dev.contains("preferredDuringSchedulingIgnoredDuringExecution"));
    assert!(!dev.contains("requiredDuringSchedulingIgnoredDuringExecution"));
}

/// Differential check against the oracle; skipped (with a notice) without kubectl.
#[test]
fn overlays_match_live_kubectl_kustomize() {
    let Ok(v) = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
    else {
        eprintln!("notice: kubectl not found; skipping the live kubectl kustomize comparison");
        return;
    };
    if !v.status.success() {
        eprintln!("notice: kubectl not usable; skipping the live kubectl kustomize comparison");
        return;
    }
    for env in ["dev", "prod"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("kubernetes/kagent/overlays")
            .join(env);
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
            .expect("kubectl");
        assert!(out.status.success(), "kubectl kustomize {env} failed");
        assert_eq!(
            render(env),
            String::from_utf8_lossy(&out.stdout),
            "{env} differs from kubectl kustomize"
        );
    }
}
