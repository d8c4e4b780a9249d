//! Black-box tests of the `kagentctl` binary: each command and its error paths.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{kagentctl, tree, write};

#[test]
fn envs_lists_the_overlays() {
    kagentctl()
        .args(["envs", "--root"])
        .arg(tree())
        .assert()
        .success()
        .stdout("dev\nprod\nstaging\tautoscaling,monitoring,mesh\n");
}

#[test]
fn unknown_env_is_a_usage_error_listing_known_ones() {
    kagentctl()
        .args(["render", "--env", "qa", "--root"])
        .arg(tree())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown environment \"qa\"")
                .and(predicate::str::contains("dev, prod, staging")),
        );
}

#[test]
fn render_finds_the_tree_from_a_subdirectory() {
    kagentctl()
        .current_dir(tree().join("base"))
        .args(["render", "--env", "dev"])
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("kind: StatefulSet"));
}

#[test]
fn render_honours_kagentctl_root() {
    let tmp = tempfile::tempdir().expect("tmp");
    kagentctl()
        .current_dir(tmp.path())
        .env("KAGENTCTL_ROOT", tree())
        .args(["render", "--env", "prod"])
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("replicas: 5"));
}

#[test]
fn render_without_a_tree_uses_the_built_in_copy_with_a_notice() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = kagentctl()
        .current_dir(tmp.path())
        .args(["render", "--env", "prod"])
        .assert()
        .success()
        .stderr(predicate::str::contains("built into kagentctl"))
        .get_output()
        .stdout
        .clone();
    let golden =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/prod.yaml"))
            .expect("golden");
    assert_eq!(out, golden);
}

#[test]
fn render_json_is_a_list_of_objects() {
    let out = kagentctl()
        .args(["render", "--env", "prod", "--format", "json", "--root"])
        .arg(tree())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let items = v.as_array().expect("a list");
    assert!(items
        .iter()
        .any(|o| o["kind"] == "StatefulSet" && o["spec"]["replicas"] == 5));
}

#[test]
fn output_file_is_written_and_a_failed_build_leaves_it_untouched() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dest = tmp.path().join("out.yaml");
    kagentctl()
        .args(["render", "--env", "dev", "--root"])
        .arg(tree())
        .arg("-o")
        .arg(&dest)
        .assert()
        .success()
        .stdout("");
    let first = std::fs::read_to_string(&dest).expect("written");
    assert!(first.contains("kind: StatefulSet"));
    write(
        tmp.path(),
        "bad/kustomization.yaml",
        "resources: [missing.yaml]\n",
    );
    kagentctl()
        .arg("build")
        .arg(tmp.path().join("bad"))
        .arg("--output")
        .arg(&dest)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.yaml"));
    assert_eq!(std::fs::read_to_string(&dest).expect("still there"), first);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn all_envs_writes_one_snapshot_per_environment() {
    let tmp = tempfile::tempdir().expect("tmp");
    kagentctl()
        .args(["render", "--all-envs", "--root"])
        .arg(tree())
        .arg("--out-dir")
        .arg(tmp.path().join("rendered"))
        .assert()
        .success();
    for env in ["dev", "prod"] {
        let got = std::fs::read(tmp.path().join("rendered").join(format!("{env}.yaml")))
            .expect("snapshot");
        let want = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{env}.yaml")),
        )
        .expect("golden");
        assert_eq!(got, want, "{env}");
    }
}

#[test]
fn build_of_a_missing_directory_fails_naming_it() {
    kagentctl()
        .args(["build", "/nonexistent/kagentctl-test"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/kagentctl-test"));
}

#[test]
fn output_to_a_directory_or_into_a_missing_one_is_refused_clearly() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), "kustomization.yaml", "resources: [cm.yaml]\n");
    write(
        tmp.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    kagentctl()
        .arg("build")
        .arg(tmp.path())
        .arg("-o")
        .arg(&out_dir)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is a directory; -o/--output takes the path of a file",
        ));
    let missing = tmp.path().join("missing").join("out.yaml");
    kagentctl()
        .arg("build")
        .arg(tmp.path())
        .arg("-o")
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no such directory"));
    assert_eq!(std::fs::read_dir(&out_dir).expect("ls").count(), 0);
    assert!(!missing.exists());
}

#[test]
fn invalid_yaml_reports_file_line_and_column() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), "kustomization.yaml", "resources: [cm.yaml]\n");
    write(
        tmp.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [a, b\n",
    );
    kagentctl()
        .arg("build")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cm.yaml:").and(predicate::str::contains("invalid YAML")));
}

#[test]
fn unknown_kustomization_field_suggests_the_right_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), "kustomization.yaml", "namePrefx: a-\n");
    kagentctl()
        .arg("build")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("unknown field \"namePrefx\"")
                .and(predicate::str::contains("namePrefix")),
        );
}

#[test]
fn usage_errors_exit_2() {
    kagentctl().arg("render").assert().code(2);
    kagentctl()
        .args(["build", "--format", "xml", "."])
        .assert()
        .code(2);
}

#[test]
fn load_restrictor_accepts_kustomize_spelling() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "outside.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: out\n",
    );
    write(
        tmp.path(),
        "k/kustomization.yaml",
        "resources: [../outside.yaml]\n",
    );
    kagentctl()
        .arg("build")
        .arg(tmp.path().join("k"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("LoadRestrictionsRootOnly"));
    kagentctl()
        .args(["build", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(tmp.path().join("k"))
        .assert()
        .success()
        .stdout(predicate::str::contains("name: out"));
}

#[test]
fn kustomization_files_read_yaml_1_1_booleans_like_kustomize() {
    // go-yaml v2 reads `y` as a boolean, so Kustomize rejects it as a label value.
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), "kustomization.yaml", "commonLabels:\n  x: y\n");
    kagentctl()
        .arg("build")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("kustomization.yaml").and(predicate::str::contains("boolean")),
        );
}

#[test]
fn values_kubectl_cannot_print_fail_the_build() {
    // kubectl kustomize v5.5.0 fails on a DEL character: "control characters are not allowed".
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), "kustomization.yaml", "resources: [r.yaml]\n");
    write(
        tmp.path(),
        "r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"\\x7f\"\n",
    );
    kagentctl()
        .arg("build")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("r.yaml").and(predicate::str::contains("control characters")),
        );
}

#[test]
fn io_errors_are_reported_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "kustomization.yaml",
        "configMapGenerator:\n- name: a\n  files: [nofile.txt]\n",
    );
    let out = kagentctl()
        .arg("build")
        .arg(tmp.path())
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("nofile.txt"), "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn the_first_unprintable_resource_is_reported_even_in_large_builds() {
    // Large builds check on several threads; the error must still name the first one.
    let dir = tempfile::tempdir().unwrap();
    let mut docs = String::new();
    for i in 0..600 {
        let value = if i == 300 || i == 500 {
            "\"\\x80\""
        } else {
            "ok"
        };
        docs.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: {value}\n"
        ));
    }
    write(dir.path(), "cms.yaml", &docs);
    write(dir.path(), "kustomization.yaml", "resources:\n- cms.yaml\n");
    let out = kagentctl().arg("build").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cm-300") && !err.contains("cm-500"), "{err}");
    assert!(err.contains("U+0080"), "{err}");
}
