//! The phases as Kustomize components: every environment and every `render --with`
//! combination renders byte for byte as `kubectl kustomize` printed it (golden files made
//! by `scripts/gen-golden.sh`), and as a live `kubectl kustomize` prints it when one is
//! installed; autoscaling leaves no `spec.replicas`; `envs` and `new-env`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    crate::common::tree()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn kagentctl(args: &[&str], tree: &Path) -> std::process::Output {
    crate::common::kagentctl()
        .args(args)
        .arg("--root")
        .arg(tree)
        .output()
        .expect("run kagentctl")
}

fn render(env: &str, with: &[&str], tree: &Path) -> String {
    let mut args = vec!["render", "--env", env];
    let joined = with.join(",");
    if !with.is_empty() {
        args.extend(["--with", &joined]);
    }
    let out = kagentctl(&args, tree);
    assert!(
        out.status.success(),
        "render {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `(env, components, golden file)` for every file in tests/golden/with.
fn with_goldens() -> Vec<(String, Vec<String>, PathBuf)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(golden_dir().join("with")).expect("tests/golden/with") {
        let p = e.expect("entry").path();
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_string();
        let mut parts = stem.split('+').map(str::to_string);
        let env = parts.next().expect("env");
        v.push((env, parts.collect(), p));
    }
    v.sort();
    v
}

fn envs() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("overlays"))
        .expect("overlays")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_environment_matches_its_golden_file() {
    let envs = envs();
    assert!(
        envs.len() >= 3,
        "dev, prod and at least one environment with components"
    );
    for env in envs {
        let golden = std::fs::read_to_string(golden_dir().join(format!("{env}.yaml")))
            .unwrap_or_else(|_| {
                panic!("tests/golden/{env}.yaml missing: run scripts/gen-golden.sh")
            });
        assert_eq!(render(&env, &[], &root()), golden, "{env}");
    }
}

#[test]
fn every_with_combination_matches_its_golden_file() {
    let goldens = with_goldens();
    assert!(goldens.len() >= 8, "{goldens:?}");
    for (env, comps, file) in goldens {
        let golden = std::fs::read_to_string(&file).expect("golden");
        let comps: Vec<&str> = comps.iter().map(String::as_str).collect();
        assert_eq!(render(&env, &comps, &root()), golden, "{}", file.display());
    }
}

fn has_spec_replicas(render: &str, kind: &str) -> bool {
    render.split("\n---\n").any(|doc| {
        doc.contains(&format!("\nkind: {kind}\n"))
            && doc
                .split_once("\nspec:\n")
                .is_some_and(|(_, spec)| spec.lines().any(|l| l.starts_with("  replicas:")))
    })
}

#[test]
fn autoscaling_leaves_no_spec_replicas() {
    // The environment that switches autoscaling on in its own kustomization...
    let staging = render("staging", &[], &root());
    assert!(staging.contains("kind: HorizontalPodAutoscaler"));
    assert!(
        !has_spec_replicas(&staging, "StatefulSet"),
        "staging keeps spec.replicas"
    );
    // ...and prod (replicas: 5 in its overlay) with the component added on top.
    let prod = render("prod", &[], &root());
    assert!(has_spec_replicas(&prod, "StatefulSet"));
    for with in [&["autoscaling"][..], &["autoscaling", "monitoring", "mesh"]] {
        let r = render("prod", with, &root());
        assert!(r.contains("kind: HorizontalPodAutoscaler"));
        assert!(
            !has_spec_replicas(&r, "StatefulSet"),
            "prod --with {with:?}"
        );
    }
}

/// The trap the component's comments warn about: an overlay's `replicas:` field runs after
/// its components and re-creates spec.replicas. This shows why staging must not use it.
#[test]
fn an_overlay_replicas_field_recreates_spec_replicas_after_the_component() {
    let tmp = crate::common::copy_tree();
    let k = tmp.path().join("overlays/staging/kustomization.yaml");
    let mut text = std::fs::read_to_string(&k).expect("read");
    text.push_str("\nreplicas:\n  - name: kagent\n    count: 5\n");
    std::fs::write(&k, text).expect("write");
    let r = render("staging", &[], tmp.path());
    assert!(has_spec_replicas(&r, "StatefulSet"));
}

#[test]
fn envs_lists_components() {
    let out = kagentctl(&["envs"], &root());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("dev\nprod\n"), "{text}");
    assert!(
        text.lines()
            .any(|l| l == "staging\tautoscaling,monitoring,mesh"),
        "{text}"
    );
}

#[test]
fn with_rejects_unknown_and_repeated_components() {
    for (with, expect) in [
        ("nope", "unknown component \"nope\""),
        ("mesh,mesh", "twice"),
        ("mesh,", "empty component name"),
    ] {
        let out = kagentctl(&["render", "--env", "prod", "--with", with], &root());
        assert_eq!(out.status.code(), Some(2), "{with}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{with}: {err}");
        assert!(out.stdout.is_empty());
    }
    // A component the environment already has.
    let out = kagentctl(
        &["render", "--env", "staging", "--with", "monitoring"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already switches on component \"monitoring\""),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn new_env_renders_like_with_and_never_overwrites() {
    let tmp = crate::common::copy_tree();
    let out = kagentctl(
        &[
            "new-env",
            "qa",
            "--from",
            "prod",
            "--with",
            "autoscaling,mesh",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = render("qa", &[], tmp.path());
    assert_eq!(made, render("prod", &["autoscaling", "mesh"], tmp.path()));
    assert!(!has_spec_replicas(&made, "StatefulSet"));
    let k = tmp.path().join("overlays/qa/kustomization.yaml");
    let before = std::fs::read_to_string(&k).expect("written");
    // A second run refuses and leaves the directory as it was.
    let again = kagentctl(&["new-env", "qa", "--from", "dev"], tmp.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&k).expect("still there"), before);
    // Bad names and unknown sources fail without writing anything.
    for args in [
        &["new-env", "../escape", "--from", "prod"][..],
        &["new-env", "Bad", "--from", "prod"],
        &["new-env", "ok", "--from", "nope"],
        &["new-env", "ok2", "--from", "prod", "--with", "nope"],
    ] {
        let out = kagentctl(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let mut left: Vec<String> = std::fs::read_dir(tmp.path().join("overlays"))
        .expect("overlays")
        .map(|e| e.expect("e").file_name().into_string().expect("utf-8"))
        .collect();
    left.sort();
    assert_eq!(left, ["dev", "prod", "qa", "staging"]);
}

#[test]
fn new_env_with_monitoring_sets_the_release_label() {
    let tmp = crate::common::copy_tree();
    let out = kagentctl(
        &["new-env", "obs", "--from", "dev", "--with", "monitoring"],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = render("obs", &[], tmp.path());
    let sm = r
        .split("\n---\n")
        .find(|d| d.contains("kind: ServiceMonitor"))
        .expect("ServiceMonitor");
    assert!(sm.contains("    release: kube-prometheus-stack\n"), "{sm}");
}

fn kubectl_usable() -> bool {
    match Command::new("kubectl")
        .args(["version", "--client"])
        .output()
    {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("notice: kubectl not found; skipping the live kubectl kustomize comparison");
            false
        }
    }
}

fn kubectl_kustomize(dir: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl");
    assert!(
        out.status.success(),
        "kubectl kustomize {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Differential check against the oracle; skipped (with a notice) without kubectl.
#[test]
fn environments_and_with_renders_match_live_kubectl() {
    if !kubectl_usable() {
        return;
    }
    for env in envs() {
        let dir = root().join("overlays").join(&env);
        assert_eq!(render(&env, &[], &root()), kubectl_kustomize(&dir), "{env}");
    }
    // The overlay `render --with` stands for, written out: relative paths, as kubectl
    // rejects absolute ones for kustomization directories.
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = std::fs::canonicalize(tmp.path()).expect("canonical");
    let root = std::fs::canonicalize(root()).expect("canonical");
    for (env, comps, _) in with_goldens() {
        let rel = |p: &Path| {
            kagentctl::components::relative_path(&dir, p)
                .display()
                .to_string()
        };
        let comp_paths: Vec<String> = comps
            .iter()
            .map(|c| rel(&root.join("components").join(c)))
            .collect();
        let text = kagentctl::components::overlay_text(
            "test",
            &rel(&root.join("overlays").join(&env)),
            &comp_paths,
        );
        std::fs::write(dir.join("kustomization.yaml"), text).expect("write");
        let comps: Vec<&str> = comps.iter().map(String::as_str).collect();
        assert_eq!(
            render(&env, &comps, &root),
            kubectl_kustomize(&dir),
            "{env} --with {comps:?}"
        );
    }
}
