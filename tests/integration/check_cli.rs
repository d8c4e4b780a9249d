//! `kagentctl check` end to end: the shipped tree passes, each mutation of the tree yields
//! exactly the expected finding, exit codes, and the three output formats.

use std::path::Path;
use std::process::Output;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{kagentctl, repo};

/// A copy of kubernetes/kagent in a temporary directory.
fn tree_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = repo().join("kubernetes/kagent");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(&src).expect("prefix");
        let dst = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dst).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dst).expect("copy");
        }
    }
    tmp
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text.matches(from).count(),
        1,
        "{file}: anchor {from:?} must be unique"
    );
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn check_json(root: &Path, env: &str) -> (i32, Value) {
    let out: Output = kagentctl()
        .args(["check", "--env", env, "--format", "json", "--root"])
        .arg(root)
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

/// (rule, resource, path) of every finding that is not suppressed by an exemption.
fn summary(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["resource"]["display"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn expect_one(report: &Value, rule: &str, path: &str) -> Value {
    assert_eq!(
        summary(report),
        vec![(rule.to_string(), STS.to_string(), path.to_string())],
        "{report:#}"
    );
    report["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["suppressed"].is_null()))
        .cloned()
        .expect("one finding")
}

const STS: &str = "StatefulSet kagent/kagent";

#[test]
fn shipped_tree_passes_all_envs() {
    kagentctl()
        .args(["check", "--all-envs", "--root"])
        .arg(repo().join("kubernetes/kagent"))
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "ok: 0 errors, 2 notes (env dev, env prod, env staging)",
        ));
}

#[test]
fn shipped_tree_found_from_the_working_directory() {
    kagentctl()
        .args(["check", "--all-envs"])
        .current_dir(repo().join("tests"))
        .assert()
        .code(0);
}

#[test]
fn mutation_anti_affinity_back_to_preferred() {
    let t = tree_copy();
    // Drop prod's override, so the base's preferred rule survives.
    edit(
        t.path(),
        "overlays/prod/statefulset-patch.yaml",
        "      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution: null
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: kagent
",
        "",
    );
    let (code, r) = check_json(t.path(), "prod");
    assert_eq!(code, 1);
    let f = expect_one(
        &r,
        "pod-anti-affinity",
        "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution",
    );
    assert_eq!(f["env"], "prod");
    assert_eq!(
        f["message"],
        "pod anti-affinity on kubernetes.io/hostname is only preferred, so several replicas may \
         land on the same node; the prod policy requires it"
    );
}

#[test]
fn mutation_one_replica() {
    let t = tree_copy();
    edit(
        t.path(),
        "overlays/prod/kustomization.yaml",
        "count: 5",
        "count: 1",
    );
    let (code, r) = check_json(t.path(), "prod");
    assert_eq!(code, 1);
    let f = expect_one(&r, "replicas-minimum", "spec.replicas");
    assert_eq!(
        f["message"],
        "runs 1 replica; the prod policy requires at least 3"
    );
}

#[test]
fn mutation_limit_removed() {
    let t = tree_copy();
    // `null` in a strategic-merge patch deletes the base's limit.
    edit(
        t.path(),
        "overlays/prod/statefulset-patch.yaml",
        "              cpu: \"2\"",
        "              cpu: null",
    );
    let (code, r) = check_json(t.path(), "prod");
    assert_eq!(code, 1);
    let f = expect_one(
        &r,
        "container-limits",
        "spec.template.spec.containers[0].resources.limits.cpu",
    );
    assert_eq!(
        f["message"],
        "container kagent has no cpu limit; the prod policy requires one"
    );
}

#[test]
fn mutation_image_latest() {
    let t = tree_copy();
    edit(
        t.path(),
        "overlays/prod/kustomization.yaml",
        "newTag: 0.4.2",
        "newTag: latest",
    );
    let (code, r) = check_json(t.path(), "prod");
    assert_eq!(code, 1);
    let f = expect_one(&r, "image-pinned", "spec.template.spec.containers[0].image");
    assert_eq!(
        f["message"],
        "image \"ghcr.io/vapora/kagent:latest\" uses the mutable tag latest"
    );
}

#[test]
fn mutation_pdb_removed() {
    let t = tree_copy();
    edit(
        t.path(),
        "overlays/prod/kustomization.yaml",
        "  - pdb.yaml\n",
        "",
    );
    let (code, r) = check_json(t.path(), "prod");
    assert_eq!(code, 1);
    let f = expect_one(&r, "pod-disruption-budget", "spec.template.metadata.labels");
    assert_eq!(
        f["message"],
        "no PodDisruptionBudget in namespace kagent selects the pods of StatefulSet kagent/kagent"
    );
}

#[test]
fn mutation_misspelt_replica_field() {
    let t = tree_copy();
    edit(
        t.path(),
        "overlays/prod/statefulset-patch.yaml",
        "spec:\n  template:",
        "spec:\n  replica: 3\n  template:",
    );
    let (code, r) = check_json(t.path(), "prod");
    assert_eq!(code, 1);
    let f = expect_one(&r, "schema-unknown-field", "spec.replica");
    assert_eq!(
        f["message"],
        "unknown field \"replica\" in StatefulSetSpec (did you mean \"replicas\"?)"
    );
    assert_eq!(f["fix"], "rename \"replica\" to \"replicas\"");
}

#[test]
fn mutation_quoted_replicas() {
    let t = tree_copy();
    // dev sets replicas by patch (prod's `replicas:` field would write an integer).
    edit(
        t.path(),
        "overlays/dev/statefulset-patch.yaml",
        "  replicas: 1",
        "  replicas: \"5\"",
    );
    let (code, r) = check_json(t.path(), "dev");
    assert_eq!(code, 1);
    let f = expect_one(&r, "schema-type", "spec.replicas");
    assert_eq!(f["message"], "expected integer, got string \"5\"");
    assert_eq!(f["fix"], "remove the quotes: replicas: 5");
}

#[test]
fn rendered_files_with_policy_env() {
    kagentctl()
        .args(["check", "--policy-env", "prod", "--root"])
        .arg(repo().join("kubernetes/kagent"))
        .arg(repo().join("tests/golden/prod.yaml"))
        .assert()
        .code(0);
    // The dev render breaks prod's policy.
    let out = kagentctl()
        .args([
            "check",
            "--policy-env",
            "prod",
            "--format",
            "json",
            "--root",
        ])
        .arg(repo().join("kubernetes/kagent"))
        .arg(repo().join("tests/golden/dev.yaml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules: Vec<String> = summary(&r).into_iter().map(|(rule, _, _)| rule).collect();
    assert_eq!(
        rules,
        [
            "replicas-minimum",
            "pod-anti-affinity",
            "pod-disruption-budget"
        ]
    );
    // Schema only, from standard input.
    kagentctl()
        .args(["check", "-"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  A: 1\n")
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "error[schema-type] ConfigMap x data.A: expected string, got integer 1",
        ));
}

#[test]
fn strict_fails_on_unchecked_kinds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("cr.yaml");
    std::fs::write(
        &f,
        "apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: kagent\n",
    )
    .expect("write");
    kagentctl()
        .arg("check")
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("note[schema-not-checked]"));
    kagentctl()
        .args(["check", "--strict"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("error[schema-not-checked]"));
}

#[test]
fn errors_exit_2() {
    kagentctl()
        .args(["check", "--env", "qa", "--root"])
        .arg(repo().join("kubernetes/kagent"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown environment \"qa\""));
    kagentctl()
        .args(["check", "/nonexistent/rendered.yaml"])
        .assert()
        .code(2);
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("policy.yaml");
    std::fs::write(&bad, "environments:\n  prod:\n    minReplica: 3\n").expect("write");
    kagentctl()
        .args(["check", "--env", "prod", "--policy"])
        .arg(&bad)
        .arg("--root")
        .arg(repo().join("kubernetes/kagent"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown field `minReplica`"));
    kagentctl().arg("check").assert().code(2);
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let t = tree_copy();
    edit(
        t.path(),
        "overlays/prod/kustomization.yaml",
        "count: 5",
        "count: 1",
    );
    let out = kagentctl()
        .args(["check", "--env", "prod", "--format", "sarif", "--root"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let s: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(s["version"], "2.1.0");
    assert!(s["$schema"]
        .as_str()
        .is_some_and(|u| u.contains("sarif-2.1.0")));
    let run = &s["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let all = run["results"].as_array().expect("results");
    // The prod policy's exemption is reported as a suppressed result.
    let results: Vec<&Value> = all.iter().filter(|r| r["suppressions"].is_null()).collect();
    assert_eq!(results.len(), 1);
    let r = results[0];
    assert_eq!(r["ruleId"], "replicas-minimum");
    assert_eq!(r["level"], "error");
    assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[idx]["id"], "replicas-minimum");
    let loc = &r["locations"][0]["physicalLocation"];
    let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
    assert!(uri.ends_with(".yaml"), "{uri}");
    assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1));
}

#[test]
fn rendered_files_form_one_set() {
    // The PDB in a second file covers the StatefulSet of the first.
    let src = std::fs::read_to_string(repo().join("tests/golden/prod.yaml")).expect("golden");
    let cut = src
        .find("---\napiVersion: policy/v1\nkind: PodDisruptionBudget")
        .expect("pdb");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a.yaml"), tmp.path().join("b.yaml"));
    std::fs::write(&a, &src[..cut]).expect("write");
    std::fs::write(&b, &src[cut + 4..]).expect("write");
    let root = repo().join("kubernetes/kagent");
    kagentctl()
        .args(["check", "--policy-env", "prod", "--root"])
        .arg(&root)
        .arg(&a)
        .arg(&b)
        .assert()
        .code(0);
    kagentctl()
        .args(["check", "--policy-env", "prod", "--root"])
        .arg(&root)
        .arg(&a)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "error[pod-disruption-budget] [prod]",
        ));
}

#[test]
fn file_findings_point_at_the_field_line() {
    let src = std::fs::read_to_string(repo().join("tests/golden/prod.yaml")).expect("golden");
    let line = src
        .lines()
        .position(|l| l == "  replicas: 5")
        .expect("replicas line")
        + 1;
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("prod.yaml");
    std::fs::write(&f, src.replace("  replicas: 5\n", "  replicas: \"5\"\n")).expect("write");
    let out = kagentctl()
        .args(["check", "--format", "json"])
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["findings"][0]["path"], "spec.replicas");
    assert_eq!(r["findings"][0]["line"], line as u64);
}

#[test]
fn tree_from_env_var_or_embedded_copy() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let golden = repo().join("tests/golden/prod.yaml");
    // KAGENTCTL_ROOT names the tree (and so the policy file).
    kagentctl()
        .env("KAGENTCTL_ROOT", repo().join("kubernetes/kagent"))
        .current_dir(tmp.path())
        .args(["check", "--policy-env", "prod"])
        .arg(&golden)
        .assert()
        .code(0);
    // Outside any tree, the copy built into the binary supplies the policy.
    kagentctl()
        .current_dir(tmp.path())
        .args(["check", "--policy-env", "prod"])
        .arg(&golden)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("built into kagentctl"));
}

#[test]
fn environment_without_policy_is_a_note_unless_strict() {
    let t = tree_copy();
    // dev (no policy section) and prod only.
    std::fs::remove_dir_all(t.path().join("overlays/staging")).expect("rm staging");
    std::fs::write(
        t.path().join("policy.yaml"),
        "kind: CheckPolicy\nenvironments:\n  prod:\n    minReplicas: 3\n",
    )
    .expect("write");
    kagentctl()
        .args(["check", "--all-envs", "--root"])
        .arg(t.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("note[policy-missing] [dev] <no kind> <no name>").not());
    let out = kagentctl()
        .args(["check", "--all-envs", "--format", "json", "--root"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(r["findings"][0]["rule"], "policy-missing");
    assert_eq!(r["findings"][0]["severity"], "note");
    assert_eq!(r["findings"][0]["env"], "dev");
    kagentctl()
        .args(["check", "--all-envs", "--strict", "--root"])
        .arg(t.path())
        .assert()
        .code(1)
        .stdout(predicates::str::contains("error[policy-missing] [dev]"));
}

#[test]
fn a_policy_section_for_no_environment_is_a_warning_at_its_line() {
    let t = tree_copy();
    edit(t.path(), "policy.yaml", "\n  prod:\n", "\n  prdo:\n");
    let (code, report) = check_json(t.path(), "prod");
    // prod loses its policy (a note) and the misspelt section is reported (a warning):
    // neither fails the run at the default --min-severity.
    assert_eq!(code, 0, "{report:#}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"policy-missing"), "{rules:?}");
    let typo = report["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["rule"] == "policy-unknown-env"))
        .expect("policy-unknown-env finding");
    assert_eq!(typo["severity"], "warning");
    let policy = std::fs::read_to_string(t.path().join("policy.yaml")).expect("policy");
    let line = policy
        .lines()
        .position(|l| l == "  prdo:")
        .map(|i| i + 1)
        .expect("the edited section");
    assert_eq!(typo["line"], line, "{typo:#}");
    assert!(
        typo["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("policy.yaml")),
        "{typo:#}"
    );
    assert!(
        typo["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"prdo\"")),
        "{typo:#}"
    );
    let fails = kagentctl()
        .args([
            "check",
            "--env",
            "prod",
            "--min-severity",
            "warning",
            "--root",
        ])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(fails.status.code(), Some(1));

    // The shipped policy names only environments the tree has.
    let (_, shipped) = check_json(&repo().join("kubernetes/kagent"), "dev");
    assert!(
        !shipped.to_string().contains("policy-unknown-env"),
        "{shipped:#}"
    );
}
