//! `kagentctl diff` for pull-request review: ignore rules (flags and `.kagentctl-diff.yaml`,
//! counted in the summary), the markdown summary table and size limit (`--max-bytes`), and
//! rename detection (`--detect-renames`).

use std::path::Path;

use serde_json::Value;

use crate::common::kagentctl;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = kagentctl()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("kagentctl runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8"),
        stderr: String::from_utf8(out.stderr).expect("utf-8"),
    }
}

fn deployment(name: &str, image: &str, checksum: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: apps
  annotations:
    checksum/config: \"{checksum}\"
    checksum/secret: \"{checksum}\"
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: app
        image: {image}
        ports:
        - containerPort: 8080
        resources:
          limits:
            cpu: 500m
            memory: 256Mi
"
    )
}

fn config(name: &str, level: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: apps\ndata:\n  LEVEL: {level}\n"
    )
}

fn write(dir: &Path, file: &str, docs: &[String]) {
    std::fs::write(dir.join(file), docs.join("---\n")).expect("write");
}

/// old.yaml / new.yaml: `web` changes its image and checksums, `api` only its checksums,
/// the ConfigMap `cfg` its level.
fn pair() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "old.yaml",
        &[
            deployment("web", "web:1", "aaa"),
            deployment("api", "api:1", "aaa"),
            config("cfg", "info"),
        ],
    );
    write(
        d.path(),
        "new.yaml",
        &[
            deployment("web", "web:2", "bbb"),
            deployment("api", "api:1", "bbb"),
            config("cfg", "debug"),
        ],
    );
    d
}

#[test]
fn ignore_paths_and_kinds_are_counted_not_hidden() {
    let d = pair();
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "paths"],
    );
    assert!(
        r.stdout
            .starts_with("old.yaml -> new.yaml: 3 changed, 0 added, 0 removed\n"),
        "{}",
        r.stdout
    );
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--format",
            "paths",
            "--ignore",
            "metadata.annotations.checksum/*",
            "--ignore-kind",
            "ConfigMap",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "old.yaml -> new.yaml: 1 changed, 0 added, 0 removed; ignored: 4 field changes \
         (1 resource with no other change), 1 resource of ignored kinds\n\
         ~ Deployment apps/web\n\
         \x20 spec.template.spec.containers[name=app].image: web:1 -> web:2\n"
    );
    // Text diffs leave the ignored fields out too.
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--ignore",
            "metadata.annotations.checksum/*",
        ],
    );
    assert!(!r.stdout.contains("checksum"), "{}", r.stdout);
    // JSON counts them.
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--format",
            "json",
            "--ignore",
            "metadata.annotations.checksum/*",
            "--ignore-kind",
            "ConfigMap",
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        v["diffs"][0]["summary"]["ignored"],
        serde_json::json!({"fields": 4, "resources": 1, "byKind": 1})
    );
    // Everything ignored: no difference, exit 0, and the summary still says what was left out.
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--ignore",
            "metadata.annotations",
            "--ignore",
            "spec.template.spec.containers[*].image",
            "--ignore-kind",
            "ConfigMap",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "old.yaml -> new.yaml: 0 changed, 0 added, 0 removed; ignored: 5 field changes \
         (2 resources with no other change), 1 resource of ignored kinds\n"
    );
}

#[test]
fn ignore_file_next_to_the_inputs() {
    let d = pair();
    std::fs::write(
        d.path().join(".kagentctl-diff.yaml"),
        "ignore:\n  - metadata.annotations.checksum/*\nignoreKinds: [ConfigMap]\n",
    )
    .expect("write");
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "paths"],
    );
    assert!(
        r.stdout.starts_with(
            "old.yaml -> new.yaml: 1 changed, 0 added, 0 removed; ignored: 4 field changes"
        ),
        "{}",
        r.stdout
    );
    // Hostile ignore files and paths: clear errors, exit 2.
    for (file, says) in [
        ("ignore: [\"a..b\"]\n", "a..b"),
        ("ignores: [a]\n", "ignores"),
        ("ignore: a\n", "ignore"),
        ("ignore: [\"spec[\"]\n", "unclosed"),
    ] {
        std::fs::write(d.path().join(".kagentctl-diff.yaml"), file).expect("write");
        let r = run_in(d.path(), &["diff", "old.yaml", "new.yaml"]);
        assert_eq!(r.code, 2, "{file}: {}", r.stdout);
        assert!(
            r.stderr.contains(".kagentctl-diff.yaml") && r.stderr.contains(says),
            "{file}: {}",
            r.stderr
        );
    }
    std::fs::remove_file(d.path().join(".kagentctl-diff.yaml")).expect("rm");
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--ignore", "spec.[x]"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--ignore") && r.stderr.contains("spec.[x]"),
        "{}",
        r.stderr
    );
}

/// Old and new sides of `n` changed Deployments and `n` changed ConfigMaps.
fn big_pair(n: usize) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tmp");
    let side = |v: &str| -> Vec<String> {
        let mut docs = Vec::new();
        for i in 0..n {
            docs.push(config(&format!("cfg-{i:04}"), v));
            docs.push(deployment(&format!("app-{i:04}"), &format!("app:{v}"), v));
        }
        docs
    };
    write(d.path(), "old.yaml", &side("1"));
    write(d.path(), "new.yaml", &side("2"));
    d
}

#[test]
fn a_large_change_fits_the_comment_limit() {
    let d = big_pair(300); // 600 changed resources
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "markdown"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.len() <= 60_000, "{} bytes", out.len());
    assert!(out.chars().count() < 65_536);
    // The summary table comes first and is complete.
    assert!(
        out.starts_with(
            "| environment | changed | added | removed | ignored | kinds touched |\n\
         |---|---:|---:|---:|---:|---|\n\
         | old.yaml -&gt; new.yaml | 600 | 0 | 0 | 0 | ConfigMap, Deployment |\n"
        ),
        "{}",
        &out[..300]
    );
    // Workloads come before configuration; what does not fit is counted, with the command.
    let first_cm = out.find("ConfigMap apps/cfg-").unwrap_or(usize::MAX);
    let last_deploy = out
        .rfind("Deployment apps/app-")
        .expect("deployments shown");
    assert!(last_deploy < first_cm, "workloads first");
    let shown = out.matches("<details>").count();
    assert!(shown > 10 && shown < 600, "{shown}");
    assert!(
        out.contains(&format!(
            "_{} of 600 resources left out to keep this comment under 60000 bytes; run `kagentctl diff old.yaml new.yaml` to see them._",
            600 - shown
        )),
        "{}",
        &out[out.len().saturating_sub(400)..]
    );
    // No code block is cut: fences pair up and every block is closed.
    assert_eq!(
        out.matches("<details>").count(),
        out.matches("</details>").count()
    );
    assert_eq!(out.matches("```").count() % 2, 0);
    assert_eq!(out.matches("```diff").count(), shown);

    // A smaller limit, honoured exactly; the table still complete.
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--format",
            "markdown",
            "--max-bytes",
            "5000",
        ],
    );
    assert!(r.stdout.len() <= 5000, "{}", r.stdout.len());
    assert!(r
        .stdout
        .contains("| 600 | 0 | 0 | 0 | ConfigMap, Deployment |"));
    assert!(r.stdout.contains("resources left out"));
    // Bad limits.
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--format",
            "markdown",
            "--max-bytes",
            "100",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("too small"), "{}", r.stderr);
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--max-bytes", "5000"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--format markdown"), "{}", r.stderr);
}

#[test]
fn a_small_change_is_shown_whole() {
    let d = pair();
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "markdown"],
    );
    assert!(!r.stdout.contains("left out"));
    assert_eq!(r.stdout.matches("<details>").count(), 3);
    assert!(r
        .stdout
        .contains("| old.yaml -&gt; new.yaml | 3 | 0 | 0 | 0 | ConfigMap, Deployment |\n"));
}

#[test]
fn renames_are_detected_on_request() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "old.yaml",
        &[deployment("web", "web:1", "a"), config("cfg", "info")],
    );
    write(
        d.path(),
        "new.yaml",
        &[
            deployment("frontend", "web:2", "a"),
            config("settings", "info"),
        ],
    );
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "paths"],
    );
    assert!(r
        .stdout
        .starts_with("old.yaml -> new.yaml: 0 changed, 2 added, 2 removed\n"));
    let r = run_in(
        d.path(),
        // The threshold is given with `=` only: a path after the flag stays a path.
        &[
            "diff",
            "--detect-renames",
            "old.yaml",
            "new.yaml",
            "--format",
            "paths",
        ],
    );
    assert!(
        r.stdout
            .starts_with("old.yaml -> new.yaml: 2 changed, 0 added, 0 removed\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("~ Deployment apps/web -> frontend (renamed, "),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("  spec.template.spec.containers[name=app].image: web:1 -> web:2\n"));
    assert!(r
        .stdout
        .contains("~ ConfigMap apps/cfg -> settings (renamed, 100% similar)\n"));
    // A threshold the edited Deployment does not reach.
    let r = run_in(
        d.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--format",
            "json",
            "--detect-renames=100",
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let s = &v["diffs"][0]["summary"];
    assert_eq!(
        (s["changed"].as_u64(), s["added"].as_u64()),
        (Some(1), Some(1))
    );
    let renamed = &v["diffs"][0]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|e| e["status"] == "changed")
        .cloned()
        .expect("renamed");
    assert_eq!(renamed["oldName"], "cfg");
    assert_eq!(renamed["similarity"], 100);
    let r = run_in(
        d.path(),
        &["diff", "old.yaml", "new.yaml", "--detect-renames=101"],
    );
    assert_eq!(r.code, 2);
}
