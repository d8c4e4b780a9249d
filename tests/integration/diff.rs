//! Black-box tests of `kagentctl diff`.
//!
//! The scenario: the prod overlay changes its replicas (5 -> 7), a resource limit
//! (cpu "2" -> "4"), the anti-affinity rule (hostname -> zone), a ConfigMap value
//! (LOG_LEVEL info -> warn) and a Secret value (A2A_TOKEN change-me -> prod-s3cr3t-t0ken).
//! `modified_prod()` is what `kubectl kustomize` (v5.5.0) prints for the changed overlay,
//! written as edits of `tests/golden/prod.yaml` (checked against kubectl by hand; the
//! hash suffixes are kubectl's).
//!
//! The git tests (`--base`, `--check`, `--against-env`) render with the build engine, so
//! they also depend on it reproducing `tests/golden/{dev,prod}.yaml`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kagentctl");
const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// Every form of a secret value that must never be printed.
const SECRETS: [&str; 4] = [
    "change-me",
    "Y2hhbmdlLW1l",
    "prod-s3cr3t-t0ken",
    "cHJvZC1zM2NyM3QtdDBrZW4=",
];

use crate::common::golden;

/// `kubectl kustomize` of the changed prod overlay.
fn modified_prod() -> String {
    let mut s = golden("prod");
    for (from, to) in [
        ("LOG_LEVEL: info", "LOG_LEVEL: warn"),
        ("kagent-config-742d79c4gt", "kagent-config-6b8f2628tm"),
        (
            "A2A_TOKEN: Y2hhbmdlLW1l",
            "A2A_TOKEN: cHJvZC1zM2NyM3QtdDBrZW4=",
        ),
        (
            "kagent-credentials-2c4m2hb74k",
            "kagent-credentials-bb5ffhk6t8",
        ),
        ("replicas: 5", "replicas: 7"),
        (
            "topologyKey: kubernetes.io/hostname",
            "topologyKey: topology.kubernetes.io/zone",
        ),
        ("cpu: \"2\"", "cpu: \"4\""),
    ] {
        assert!(s.contains(from), "{from}");
        s = s.replace(from, to);
    }
    s
}

/// Applies the scenario's change to the prod overlay of the tree at `tree`.
fn change_prod(tree: &Path) {
    let edit = |rel: &str, edits: &[(&str, &str)]| {
        let p = tree.join(rel);
        let mut s = std::fs::read_to_string(&p).unwrap();
        for (from, to) in edits {
            assert!(s.contains(from), "{rel}: {from}");
            s = s.replacen(from, to, 1);
        }
        std::fs::write(&p, s).unwrap();
    };
    edit(
        "overlays/prod/kustomization.yaml",
        &[
            ("    count: 5", "    count: 7"),
            (
                "      - LOG_LEVEL=info",
                "      - LOG_LEVEL=warn\n\nsecretGenerator:\n  - name: kagent-credentials\n    \
                 behavior: merge\n    literals:\n      - A2A_TOKEN=prod-s3cr3t-t0ken",
            ),
        ],
    );
    edit(
        "overlays/prod/statefulset-patch.yaml",
        &[
            ("cpu: \"2\"", "cpu: \"4\""),
            (
                "- topologyKey: kubernetes.io/hostname",
                "- topologyKey: topology.kubernetes.io/zone",
            ),
        ],
    );
}

const PATHS_BODY: &str = "\
~ ConfigMap kagent/kagent-config-742d79c4gt -> kagent-config-6b8f2628tm
  data.LOG_LEVEL: info -> warn
  metadata.name: kagent-config-742d79c4gt -> kagent-config-6b8f2628tm
~ Secret kagent/kagent-credentials-2c4m2hb74k -> kagent-credentials-bb5ffhk6t8
  data.A2A_TOKEN: *** (changed)
  metadata.name: kagent-credentials-2c4m2hb74k -> kagent-credentials-bb5ffhk6t8
~ StatefulSet kagent/kagent
  spec.replicas: 5 -> 7
  spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: kubernetes.io/hostname -> topology.kubernetes.io/zone
  spec.template.spec.containers[name=kagent].env[name=A2A_TOKEN].valueFrom.secretKeyRef.name: kagent-credentials-2c4m2hb74k -> kagent-credentials-bb5ffhk6t8
  spec.template.spec.containers[name=kagent].envFrom[0].configMapRef.name: kagent-config-742d79c4gt -> kagent-config-6b8f2628tm
  spec.template.spec.containers[name=kagent].resources.limits.cpu: \"2\" -> \"4\"
";

/// Per-resource headers and hunks of the text format (3 lines of context).
const CM_HUNKS: &str = "\
@@ -2,7 +2,7 @@
 data:
   A2A_DISCOVERY_INTERVAL: 30s
   A2A_LISTEN_PORT: \"8080\"
-  LOG_LEVEL: info
+  LOG_LEVEL: warn
   VAPORA_ENDPOINT: https://vapora.vapora.svc.cluster.local:8443
 kind: ConfigMap
 metadata:
@@ -12,5 +12,5 @@
     app.kubernetes.io/environment: production
     app.kubernetes.io/name: kagent
     app.kubernetes.io/part-of: vapora
-  name: kagent-config-742d79c4gt
+  name: kagent-config-6b8f2628tm
   namespace: kagent
";

const SECRET_HUNKS: &str = "\
@@ -1,6 +1,6 @@
 apiVersion: v1
 data:
-  A2A_TOKEN: '*** (before)'
+  A2A_TOKEN: '*** (after)'
 kind: Secret
 metadata:
   annotations:
@@ -9,6 +9,6 @@
     app.kubernetes.io/environment: production
     app.kubernetes.io/name: kagent
     app.kubernetes.io/part-of: vapora
-  name: kagent-credentials-2c4m2hb74k
+  name: kagent-credentials-bb5ffhk6t8
   namespace: kagent
 type: Opaque
";

const STS_HUNKS: &str = "\
@@ -10,7 +10,7 @@
   name: kagent
   namespace: kagent
 spec:
-  replicas: 5
+  replicas: 7
   selector:
     matchLabels:
       app.kubernetes.io/name: kagent
@@ -30,17 +30,17 @@
           - labelSelector:
               matchLabels:
                 app.kubernetes.io/name: kagent
-            topologyKey: kubernetes.io/hostname
+            topologyKey: topology.kubernetes.io/zone
       containers:
       - env:
         - name: A2A_TOKEN
           valueFrom:
             secretKeyRef:
               key: A2A_TOKEN
-              name: kagent-credentials-2c4m2hb74k
+              name: kagent-credentials-bb5ffhk6t8
         envFrom:
         - configMapRef:
-            name: kagent-config-742d79c4gt
+            name: kagent-config-6b8f2628tm
         image: ghcr.io/vapora/kagent:0.4.2
         livenessProbe:
           httpGet:
@@ -60,7 +60,7 @@
           periodSeconds: 5
         resources:
           limits:
-            cpu: \"2\"
+            cpu: \"4\"
             memory: 1Gi
           requests:
             cpu: 500m
";

const CM_HEADER: &str = "~ ConfigMap kagent/kagent-config-742d79c4gt -> kagent-config-6b8f2628tm";
const SECRET_HEADER: &str =
    "~ Secret kagent/kagent-credentials-2c4m2hb74k -> kagent-credentials-bb5ffhk6t8";
const STS_HEADER: &str = "~ StatefulSet kagent/kagent";

fn expected_text(label: &str) -> String {
    format!(
        "{label}: 3 changed, 0 added, 0 removed\n{CM_HEADER}\n{CM_HUNKS}{SECRET_HEADER}\n\
         {SECRET_HUNKS}{STS_HEADER}\n{STS_HUNKS}"
    )
}

/// The markdown summary table: its header and one row per (label, counts and kinds).
fn md_table(rows: &[(&str, &str)]) -> String {
    let mut t = String::from(
        "| environment | changed | added | removed | ignored | kinds touched |\n\
         |---|---:|---:|---:|---:|---|\n",
    );
    for (label, cells) in rows {
        t.push_str(&format!("| {} | {cells} |\n", label.replace('>', "&gt;")));
    }
    t
}

const MD_ROW: &str = "3 | 0 | 0 | 0 | ConfigMap, Secret, StatefulSet";

/// The markdown section of the scenario: workloads first, then configuration.
fn expected_markdown(label: &str) -> String {
    let section = |header: &str, hunks: &str| {
        format!(
            "\n<details>\n<summary><code>{}</code></summary>\n\n```diff\n{hunks}```\n\n</details>\n",
            header.replace('>', "&gt;")
        )
    };
    format!(
        "\n### {}: 3 changed, 0 added, 0 removed\n{}{}{}",
        label.replace('>', "&gt;"),
        section(STS_HEADER, STS_HUNKS),
        section(CM_HEADER, CM_HUNKS),
        section(SECRET_HEADER, SECRET_HUNKS)
    )
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(BIN)
        .current_dir(dir)
        .env_remove("KAGENTCTL_ROOT")
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("kagentctl runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    };
    for s in SECRETS {
        assert!(
            !run.stdout.contains(s) && !run.stderr.contains(s),
            "secret {s:?} printed by {args:?}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// A directory with `old.yaml` (golden prod) and `new.yaml` (the changed prod).
fn file_pair() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("old.yaml"), golden("prod")).unwrap();
    std::fs::write(d.path().join("new.yaml"), modified_prod()).unwrap();
    d
}

const FILE_LABEL: &str = "old.yaml -> new.yaml";

#[test]
fn files_paths_format_exact() {
    let d = file_pair();
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "paths"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("{FILE_LABEL}: 3 changed, 0 added, 0 removed\n{PATHS_BODY}")
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn files_text_format_exact() {
    let d = file_pair();
    let r = run_in(d.path(), &["diff", "old.yaml", "new.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, expected_text(FILE_LABEL));
}

#[test]
fn files_markdown_format_exact() {
    let d = file_pair();
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "markdown"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{}{}",
            md_table(&[(FILE_LABEL, MD_ROW)]),
            expected_markdown(FILE_LABEL)
        )
    );
}

#[test]
fn files_json_format() {
    let d = file_pair();
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    // The unified diff text is checked in the text test; here only its presence.
    let mut diffs = Vec::new();
    for res in v["diffs"][0]["resources"].as_array_mut().unwrap() {
        diffs.push(res["diff"].take());
    }
    assert!(diffs
        .iter()
        .all(|d| d.as_str().is_some_and(|s| s.starts_with("@@ "))));
    assert_eq!(diffs[0], CM_HUNKS);
    assert_eq!(diffs[1], SECRET_HUNKS);
    assert_eq!(diffs[2], STS_HUNKS);
    let expected = serde_json::json!({
        "different": true,
        "diffs": [{
            "label": FILE_LABEL,
            "different": true,
            "summary": {"changed": 3, "added": 0, "removed": 0, "unchanged": 7,
                        "ignored": {"fields": 0, "resources": 0, "byKind": 0}},
            "notes": [],
            "resources": [
                {"status": "changed", "apiVersion": "v1", "kind": "ConfigMap",
                 "namespace": "kagent", "name": "kagent-config-6b8f2628tm",
                 "oldName": "kagent-config-742d79c4gt",
                 "fields": [
                    {"path": "data.LOG_LEVEL", "op": "changed", "old": "info", "new": "warn"},
                    {"path": "metadata.name", "op": "changed",
                     "old": "kagent-config-742d79c4gt", "new": "kagent-config-6b8f2628tm"}],
                 "diff": null},
                {"status": "changed", "apiVersion": "v1", "kind": "Secret",
                 "namespace": "kagent", "name": "kagent-credentials-bb5ffhk6t8",
                 "oldName": "kagent-credentials-2c4m2hb74k",
                 "fields": [
                    {"path": "metadata.name", "op": "changed",
                     "old": "kagent-credentials-2c4m2hb74k", "new": "kagent-credentials-bb5ffhk6t8"}],
                 "secretKeys": [{"field": "data", "key": "A2A_TOKEN", "status": "changed"}],
                 "diff": null},
                {"status": "changed", "apiVersion": "apps/v1", "kind": "StatefulSet",
                 "namespace": "kagent", "name": "kagent",
                 "fields": [
                    {"path": "spec.replicas", "op": "changed", "old": 5, "new": 7},
                    {"path": "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
                     "op": "changed", "old": "kubernetes.io/hostname", "new": "topology.kubernetes.io/zone"},
                    {"path": "spec.template.spec.containers[name=kagent].env[name=A2A_TOKEN].valueFrom.secretKeyRef.name",
                     "op": "changed", "old": "kagent-credentials-2c4m2hb74k", "new": "kagent-credentials-bb5ffhk6t8"},
                    {"path": "spec.template.spec.containers[name=kagent].envFrom[0].configMapRef.name",
                     "op": "changed", "old": "kagent-config-742d79c4gt", "new": "kagent-config-6b8f2628tm"},
                    {"path": "spec.template.spec.containers[name=kagent].resources.limits.cpu",
                     "op": "changed", "old": "2", "new": "4"}],
                 "diff": null}
            ]
        }]
    });
    assert_eq!(v, expected);
}

#[test]
fn no_format_prints_a_secret_value() {
    // run_in asserts on every output; this runs every format and colour, on a change and
    // on added and removed Secrets.
    let d = file_pair();
    std::fs::write(d.path().join("empty.yaml"), "").unwrap();
    for f in ["text", "paths", "markdown", "json"] {
        for pair in [
            ["old.yaml", "new.yaml"],
            ["empty.yaml", "new.yaml"],
            ["old.yaml", "empty.yaml"],
        ] {
            let r = run_in(
                d.path(),
                &["diff", pair[0], pair[1], "--format", f, "--color", "always"],
            );
            assert_eq!(r.code, 1);
            assert!(r.stdout.contains("kagent-credentials-"), "{}", r.stdout);
            if f == "paths" && pair[0] == "empty.yaml" {
                assert!(r.stdout.contains(
                    "+ Secret kagent/kagent-credentials-bb5ffhk6t8\x1b[0m\n  data.A2A_TOKEN: *** (added)\n"
                ), "{}", r.stdout);
            }
            if f == "paths" && pair[1] == "empty.yaml" {
                assert!(r.stdout.contains(
                    "- Secret kagent/kagent-credentials-2c4m2hb74k\x1b[0m\n  data.A2A_TOKEN: *** (removed)\n"
                ), "{}", r.stdout);
            }
        }
    }
}

#[test]
fn exit_codes() {
    let d = file_pair();
    let same = run_in(d.path(), &["diff", "old.yaml", "old.yaml"]);
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, "old.yaml -> old.yaml: 0 changed, 0 added, 0 removed\n")
    );
    let zero = run_in(d.path(), &["diff", "old.yaml", "new.yaml", "--exit-zero"]);
    assert_eq!(zero.code, 0);
    assert!(zero.stdout.starts_with(&format!("{FILE_LABEL}: 3 changed")));
    let missing = run_in(d.path(), &["diff", "old.yaml", "nope.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.yaml"), "{}", missing.stderr);
    let one_path = run_in(d.path(), &["diff", "old.yaml"]);
    assert_eq!(one_path.code, 2);
    let mixed = run_in(d.path(), &["diff", "old.yaml", "new.yaml", "--env", "prod"]);
    assert_eq!(mixed.code, 2);
    std::fs::write(d.path().join("bad.yaml"), "a: [\n").unwrap();
    let bad = run_in(d.path(), &["diff", "old.yaml", "bad.yaml"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("bad.yaml:"), "{}", bad.stderr);
}

#[test]
fn colour_is_opt_in_off_a_terminal() {
    let d = file_pair();
    let auto = run_in(d.path(), &["diff", "old.yaml", "new.yaml"]);
    assert!(!auto.stdout.contains('\x1b'));
    let always = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--color", "always"],
    );
    assert!(always
        .stdout
        .starts_with("\x1b[1mold.yaml -> new.yaml: 3 changed, 0 added, 0 removed\x1b[0m\n"));
    assert!(always
        .stdout
        .contains(&format!("\x1b[1;33m{STS_HEADER}\x1b[0m\n")));
    // --color always wins over NO_COLOR; auto honours it (and is off on a pipe anyway).
    let out = Command::new(BIN)
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .args(["diff", "old.yaml", "new.yaml", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains('\x1b'));
    let md = run_in(
        d.path(),
        &[
            "diff", "old.yaml", "new.yaml", "--color", "always", "--format", "markdown",
        ],
    );
    assert!(!md.stdout.contains('\x1b'));
}

#[test]
fn directories_match_across_files_or_pair_snapshots() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(b.join("sub")).unwrap();
    // The same objects split differently across files: no change.
    let prod = golden("prod");
    let docs: Vec<&str> = prod.split("---\n").collect();
    std::fs::write(a.join("all.yaml"), &prod).unwrap();
    std::fs::write(b.join("first.yaml"), docs[..4].join("---\n")).unwrap();
    std::fs::write(b.join("sub/rest.yml"), docs[4..].join("---\n")).unwrap();
    let r = run_in(d.path(), &["diff", "a", "b"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "a -> b: 0 changed, 0 added, 0 removed\n")
    );

    // Snapshot directories (one file per environment): paired by file name.
    let (s1, s2) = (d.path().join("s1"), d.path().join("s2"));
    for s in [&s1, &s2] {
        std::fs::create_dir(s).unwrap();
        std::fs::write(s.join("dev.yaml"), golden("dev")).unwrap();
    }
    std::fs::write(s1.join("prod.yaml"), golden("prod")).unwrap();
    std::fs::write(s2.join("prod.yaml"), modified_prod()).unwrap();
    let r = run_in(d.path(), &["diff", "s1", "s2", "--format", "paths"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "dev: 0 changed, 0 added, 0 removed\n\nprod: 3 changed, 0 added, 0 removed\n{PATHS_BODY}"
        )
    );
}

#[test]
fn stdin_is_a_side() {
    let d = file_pair();
    let r = Command::new(BIN)
        .current_dir(d.path())
        .args(["diff", "old.yaml", "-", "--format", "paths"])
        .write_stdin(modified_prod())
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stdout).ends_with(PATHS_BODY));
}

// ---------------------------------------------------------------------------------------
// The kagent tree in a git repository.

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A git repository holding a copy of the kagent tree, committed; the prod overlay then
/// changed in the working tree. Returns (repo, tree).
fn repo_with_change() -> (tempfile::TempDir, PathBuf) {
    let repo = tempfile::tempdir().unwrap();
    let tree = repo.path().join("kubernetes/kagent");
    copy_dir(&Path::new(MANIFEST).join("kubernetes/kagent"), &tree);
    // These tests are about dev and prod; staging (the environment with the phases'
    // components) is left out so that --all-envs outputs stay as written here.
    std::fs::remove_dir_all(tree.join("overlays/staging")).unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["config", "user.email", "t@example.com"]);
    git(repo.path(), &["config", "user.name", "t"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "kagent tree"]);
    change_prod(&tree);
    (repo, tree)
}

#[test]
fn base_ref_all_formats_exact() {
    let (repo, _tree) = repo_with_change();
    // The changed overlay renders as kubectl kustomize renders it.
    let render = Command::new(BIN)
        .current_dir(repo.path())
        .args(["render", "--env", "prod"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&render.stdout), modified_prod());
    let status = git(repo.path(), &["status", "--porcelain"]);
    let index = std::fs::read(repo.path().join(".git/index")).unwrap();

    let r = run_in(
        repo.path(),
        &[
            "diff", "--env", "prod", "--base", "HEAD", "--format", "paths",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("prod: 3 changed, 0 added, 0 removed\n{PATHS_BODY}")
    );

    // --base defaults to HEAD; run from a subdirectory of the repository.
    let sub = repo.path().join("kubernetes/kagent/overlays");
    let r = run_in(&sub, &["diff", "--env", "prod", "--format", "paths"]);
    assert_eq!(
        r.stdout,
        format!("prod: 3 changed, 0 added, 0 removed\n{PATHS_BODY}")
    );

    let r = run_in(repo.path(), &["diff", "--env", "prod", "--base", "main"]);
    assert_eq!((r.code, r.stdout.clone()), (1, expected_text("prod")));
    let r = run_in(
        repo.path(),
        &[
            "diff",
            "--all-envs",
            "--base",
            "main",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(
        r.stdout,
        format!(
            "{}\n### dev: 0 changed, 0 added, 0 removed\n{}",
            md_table(&[("dev", "0 | 0 | 0 | 0 | —"), ("prod", MD_ROW)]),
            expected_markdown("prod")
        )
    );
    let r = run_in(
        repo.path(),
        &["diff", "--all-envs", "--base", "main", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["diffs"][0]["label"], "dev");
    assert_eq!(v["diffs"][0]["different"], false);
    assert_eq!(v["diffs"][1]["summary"]["changed"], 3);

    // The working tree and the index are untouched.
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), status);
    assert_eq!(
        std::fs::read(repo.path().join(".git/index")).unwrap(),
        index
    );

    // No change: exit 0.
    git(repo.path(), &["commit", "-q", "-am", "prod change"]);
    let r = run_in(repo.path(), &["diff", "--all-envs", "--base", "HEAD"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "dev: 0 changed, 0 added, 0 removed\n\nprod: 0 changed, 0 added, 0 removed\n"
        )
    );
    let r = run_in(
        repo.path(),
        &[
            "diff", "--env", "prod", "--base", "HEAD~1", "--format", "paths",
        ],
    );
    assert_eq!(
        r.stdout,
        format!("prod: 3 changed, 0 added, 0 removed\n{PATHS_BODY}")
    );
}

#[test]
fn base_ref_errors() {
    // These fail before anything is rendered: no build engine needed.
    let (repo, _tree) = repo_with_change();
    let r = run_in(
        repo.path(),
        &["diff", "--env", "prod", "--base", "no-such-branch"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown git ref \"no-such-branch\""),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    let r = run_in(repo.path(), &["diff", "--env", "prod", "--base=-x"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid git ref \"-x\""), "{}", r.stderr);
    let r = run_in(repo.path(), &["diff", "--env", "nope", "--base", "HEAD"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown environment \"nope\""),
        "{}",
        r.stderr
    );
    let r = run_in(repo.path(), &["diff", "--base", "HEAD"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--all-envs"), "{}", r.stderr);
    let r = run_in(
        repo.path(),
        &[
            "diff",
            "--env",
            "prod",
            "--base",
            "HEAD",
            "--against-env",
            "dev",
        ],
    );
    assert_eq!(r.code, 2);

    // Outside a git repository.
    let plain = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(MANIFEST).join("kubernetes/kagent"),
        &plain.path().join("t"),
    );
    let r = run_in(plain.path(), &["diff", "--env", "prod", "--root", "t"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not in a git repository"), "{}", r.stderr);
}

#[test]
fn base_ref_new_environment_and_failing_render() {
    let (repo, tree) = repo_with_change();

    // A new environment (not committed): everything added, with a note.
    copy_dir(&tree.join("overlays/dev"), &tree.join("overlays/staging"));
    let r = run_in(
        repo.path(),
        &["diff", "--env", "staging", "--format", "paths"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    assert_eq!(lines.next(), Some("staging: 0 changed, 9 added, 0 removed"));
    assert_eq!(
        lines.next(),
        Some("note: environment staging does not exist at HEAD: it is new, everything is added")
    );
    assert_eq!(lines.next(), Some("+ Namespace kagent"));

    // An environment removed from the working tree: everything removed.
    std::fs::remove_dir_all(tree.join("overlays/dev")).unwrap();
    let r = run_in(repo.path(), &["diff", "--all-envs", "--format", "paths"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "dev: 0 changed, 0 added, 9 removed\n\
             note: environment dev no longer exists in the working tree: everything is removed\n\
             - Namespace kagent\n"
        ),
        "{}",
        r.stdout
    );

    // A render that fails, in the working tree or at the base: exit 2.
    std::fs::write(
        tree.join("overlays/staging/kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    let r = run_in(repo.path(), &["diff", "--env", "staging"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "broken staging"]);
    std::fs::remove_dir_all(tree.join("overlays/staging")).unwrap();
    let r = run_in(repo.path(), &["diff", "--env", "staging"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(r.stderr.contains("at HEAD ("), "{}", r.stderr);
    assert!(
        !r.stderr.contains("kagentctl-base-"),
        "temp path in {}",
        r.stderr
    );
}

#[test]
fn against_env() {
    let r = run_in(
        Path::new(MANIFEST),
        &[
            "diff",
            "--env",
            "prod",
            "--against-env",
            "dev",
            "--format",
            "paths",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("dev -> prod: 9 changed, 1 added, 0 removed\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\n  spec.replicas: 1 -> 5\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with("+ PodDisruptionBudget kagent/kagent\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_snapshots() {
    let (repo, tree) = repo_with_change();
    let root = tree.to_str().unwrap();
    let r = run_in(
        repo.path(),
        &[
            "render",
            "--all-envs",
            "--out-dir",
            "rendered",
            "--root",
            root,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        repo.path(),
        &["diff", "--check", "rendered", "--root", root],
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "dev: 0 changed, 0 added, 0 removed\n\nprod: 0 changed, 0 added, 0 removed\n",
            ""
        )
    );

    // Stale: the tree changed back (git checkout), the snapshots were not refreshed.
    git(repo.path(), &["checkout", "--", "kubernetes"]);
    let r = run_in(
        repo.path(),
        &["diff", "--check", "rendered", "--format", "paths"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("refresh them with `kagentctl render --all-envs --out-dir rendered`"),
        "{}",
        r.stderr
    );
    assert!(r
        .stdout
        .starts_with("dev: 0 changed, 0 added, 0 removed\n\nprod: 3 changed"));
    // Old side: the snapshot of the changed tree; new side: the committed tree.
    assert!(
        r.stdout.contains("\n  spec.replicas: 7 -> 5\n"),
        "{}",
        r.stdout
    );

    // Same objects, different text: stale too.
    let fresh = run_in(
        repo.path(),
        &["render", "--all-envs", "--out-dir", "rendered"],
    );
    assert_eq!(fresh.code, 0);
    let dev = repo.path().join("rendered/dev.yaml");
    let text = std::fs::read_to_string(&dev).unwrap();
    std::fs::write(&dev, format!("# edited by hand\n{text}")).unwrap();
    let r = run_in(repo.path(), &["diff", "--check", "rendered"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("the text `kagentctl render` writes"),
        "{}",
        r.stdout
    );

    // Missing and extra snapshots.
    std::fs::write(&dev, text).unwrap();
    std::fs::rename(
        repo.path().join("rendered/prod.yaml"),
        repo.path().join("rendered/old.yaml"),
    )
    .unwrap();
    let r = run_in(
        repo.path(),
        &["diff", "--check", "rendered", "--format", "paths"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("prod: 0 changed, 10 added, 0 removed\nnote: rendered/prod.yaml does not exist: everything is added\n"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("old: 0 changed, 0 added, 10 removed\nnote: there is no environment old in "),
        "{}",
        r.stdout
    );

    let r = run_in(repo.path(), &["diff", "--check", "nowhere"]);
    assert_eq!(r.code, 2);
}
