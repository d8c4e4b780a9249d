//! Hostile and broken input (issue 7): every case must fail with exit code 1, name the
//! file (and line where there is one), never panic, and leave `-o` output untouched.
//!
//! Each case also records Kustomize's decision. With `KAGENTCTL_ORACLE=/usr/bin/kubectl`
//! in the environment the suite checks that decision against `kubectl kustomize` on the
//! same tree (fail where it fails, pass where it passes, same bytes when both pass).
//! Cases where kagentctl deliberately decides otherwise use [`Tree::fails_unlike_kubectl`]
//! and are listed in docs/security.md.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";
/// [`CM`] as Kustomize prints it (keys sorted).
const CM_OUT: &str = "apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  name: cm\n";

/// Enough `..` steps to reach `/` from any temporary directory, then `etc/passwd`.
fn escape() -> String {
    format!("{}etc/passwd", "../".repeat(30))
}

/// A throw-away tree: the kustomization under test lives in `k/`, anything "outside the
/// root" next to it.
struct Tree {
    tmp: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn bytes(&self, rel: &str, bytes: &[u8]) -> &Tree {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
        self
    }

    fn file(&self, rel: &str, text: &str) -> &Tree {
        self.bytes(rel, text.as_bytes())
    }

    /// Writes `k/kustomization.yaml`.
    fn kust(&self, text: &str) -> &Tree {
        self.file("k/kustomization.yaml", text)
    }

    fn dir(&self, rel: &str) -> &Tree {
        std::fs::create_dir_all(self.path(rel)).expect("mkdir");
        self
    }

    fn symlink(&self, rel: &str, target: &str) -> &Tree {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, p).expect("symlink");
        self
    }

    /// `kagentctl build k` must fail (exit 1) with every needle in its message, both
    /// when `-o` names a new file (which must not appear) and when it names an existing
    /// one (which must keep its bytes); no temporary file may be left behind.
    fn fails(&self, needles: &[&str]) -> String {
        self.fails_in("k", &[], needles, Some(false))
    }

    /// As [`Tree::fails`], for a case where `kubectl kustomize` succeeds: a deliberate
    /// bound or refusal of kagentctl's (see docs/security.md).
    fn fails_unlike_kubectl(&self, needles: &[&str]) -> String {
        self.fails_in("k", &[], needles, Some(true))
    }

    /// As [`Tree::fails`], without asking the oracle (kubectl hangs or the case is
    /// kagentctl-only).
    fn fails_no_oracle(&self, needles: &[&str]) -> String {
        self.fails_in("k", &[], needles, None)
    }

    fn fails_in(
        &self,
        dir: &str,
        args: &[&str],
        needles: &[&str],
        kubectl_passes: Option<bool>,
    ) -> String {
        let out_dir = tempfile::tempdir().expect("out tempdir");
        let fresh = out_dir.path().join("fresh.yaml");
        let existing = out_dir.path().join("existing.yaml");
        std::fs::write(&existing, "sentinel\n").expect("sentinel");
        let mut stderr = String::new();
        for out in [&fresh, &existing] {
            let a = cargo_bin_cmd!("kagentctl")
                .current_dir(self.tmp.path())
                .arg("build")
                .arg(dir)
                .args(args)
                .arg("-o")
                .arg(out)
                .timeout(Duration::from_secs(60))
                .assert();
            let o = a.get_output();
            let err = String::from_utf8_lossy(&o.stderr).to_string();
            assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
            assert!(!err.contains("panicked"), "panic: {err}");
            assert!(err.starts_with("kagentctl: error: "), "message form: {err}");
            for n in needles {
                assert!(err.contains(n), "{n:?} missing from: {err}");
            }
            assert!(o.stdout.is_empty(), "stdout on failure");
            stderr = err;
        }
        assert!(!fresh.exists(), "a failed build created the output file");
        assert_eq!(
            std::fs::read_to_string(&existing).expect("read sentinel"),
            "sentinel\n",
            "a failed build changed the output file"
        );
        let left: Vec<_> = std::fs::read_dir(out_dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 1, "temporary files left behind: {left:?}");
        if let Some(passes) = kubectl_passes {
            if let Some(k) = self.kubectl(dir, args) {
                assert_eq!(
                    k.status.success(),
                    passes,
                    "kubectl kustomize decided otherwise: {}",
                    String::from_utf8_lossy(&k.stderr)
                );
            }
        }
        stderr
    }

    /// `kagentctl build k` must succeed; returns stdout (compared with kubectl's under
    /// the oracle).
    fn passes(&self, args: &[&str]) -> String {
        let a = cargo_bin_cmd!("kagentctl")
            .current_dir(self.tmp.path())
            .args(["build", "k"])
            .args(args)
            .timeout(Duration::from_secs(60))
            .assert();
        let o = a.get_output();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "stderr: {err}");
        assert!(!err.contains("panicked"));
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        if let Some(k) = self.kubectl("k", args) {
            assert!(
                k.status.success(),
                "kubectl failed: {}",
                String::from_utf8_lossy(&k.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&k.stdout), out, "output differs");
        }
        out
    }

    /// Runs the oracle when `KAGENTCTL_ORACLE` names a kubectl binary.
    fn kubectl(&self, dir: &str, args: &[&str]) -> Option<std::process::Output> {
        let kubectl = std::env::var_os("KAGENTCTL_ORACLE")?;
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "none" {
                    "LoadRestrictionsNone"
                } else {
                    a
                }
            })
            .collect();
        Some(
            Command::new("timeout")
                .arg("60")
                .arg(kubectl)
                .arg("kustomize")
                .arg(dir)
                .args(&args)
                .current_dir(self.tmp.path())
                .output()
                .expect("run kubectl"),
        )
    }
}

// ---------------------------------------------------------------------------------------
// Load restrictions: files outside the kustomization's root.

#[test]
fn generator_file_escaping_the_root_is_refused() {
    let t = Tree::new();
    t.kust(&format!(
        "configMapGenerator:\n- name: x\n  files:\n  - {}\n",
        escape()
    ));
    t.fails(&[
        "k/kustomization.yaml",
        "security",
        "/etc/passwd",
        "not in or below",
        "LoadRestrictionsRootOnly",
    ]);
}

#[test]
fn generator_file_with_a_key_escaping_the_root_is_refused() {
    let t = Tree::new();
    t.kust(&format!(
        "configMapGenerator:\n- name: x\n  files:\n  - pw={}\n",
        escape()
    ));
    t.fails(&["k/kustomization.yaml", "security", "/etc/passwd"]);
}

#[test]
fn generator_file_with_an_absolute_path_is_refused() {
    let t = Tree::new();
    t.kust("secretGenerator:\n- name: x\n  files:\n  - /etc/passwd\n");
    t.fails(&["k/kustomization.yaml", "security", "/etc/passwd"]);
}

#[test]
fn generator_env_file_escaping_the_root_is_refused() {
    let t = Tree::new();
    t.kust(&format!(
        "configMapGenerator:\n- name: x\n  envs:\n  - {}\n",
        escape()
    ));
    t.fails(&["k/kustomization.yaml", "security", "/etc/passwd"]);
}

#[test]
fn generator_env_with_an_absolute_path_is_refused() {
    let t = Tree::new();
    t.kust("secretGenerator:\n- name: x\n  env: /etc/passwd\n");
    t.fails(&["k/kustomization.yaml", "security", "/etc/passwd"]);
}

#[test]
fn patch_path_escaping_the_root_is_refused() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(&format!(
        "resources:\n- cm.yaml\npatches:\n- path: {}\n",
        escape()
    ));
    t.fails(&["k/kustomization.yaml", "security", "/etc/passwd"]);
}

#[test]
fn patch_path_absolute_is_refused() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\npatches:\n- path: /etc/passwd\n");
    t.fails(&["k/kustomization.yaml", "security", "/etc/passwd"]);
}

#[test]
fn strategic_merge_patch_file_outside_the_root_is_refused() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .file("p.yaml", CM)
        .kust("resources:\n- cm.yaml\npatchesStrategicMerge:\n- ../p.yaml\n");
    t.fails(&["k/kustomization.yaml", "security", "p.yaml"]);
}

#[test]
fn resource_file_outside_the_root_is_refused() {
    let t = Tree::new();
    t.file("outside.yaml", CM)
        .kust("resources:\n- ../outside.yaml\n");
    t.fails(&["k/kustomization.yaml", "security", "outside.yaml"]);
}

#[test]
fn symlink_pointing_out_of_the_root_is_refused() {
    let t = Tree::new();
    t.file("secret.txt", "s3cr3t\n")
        .symlink("k/link", "../secret.txt")
        .kust("configMapGenerator:\n- name: x\n  files:\n  - link\n");
    let err = t.fails(&["k/kustomization.yaml", "security", "secret.txt"]);
    assert!(!err.contains("s3cr3t"));
}

#[test]
fn symlinked_resource_pointing_out_of_the_root_is_refused() {
    let t = Tree::new();
    t.file("outside.yaml", CM)
        .symlink("k/link.yaml", "../outside.yaml")
        .kust("resources:\n- link.yaml\n");
    t.fails(&["k/kustomization.yaml", "security", "outside.yaml"]);
}

#[test]
fn kustomization_file_symlinked_out_of_the_root_is_refused() {
    // Its content would otherwise reach the error messages ("unknown field ...").
    let t = Tree::new();
    t.file("secret.yaml", "PASSWORD: hunter2\n")
        .symlink("k/kustomization.yaml", "../secret.yaml");
    let err = t.fails(&["k/kustomization.yaml", "security", "secret.yaml"]);
    assert!(
        !err.contains("PASSWORD") && !err.contains("hunter2"),
        "{err}"
    );
    let t = Tree::new();
    t.file("base/cm.yaml", CM)
        .file("outside.yaml", "resources:\n- cm.yaml\n")
        .symlink("base/kustomization.yaml", "../outside.yaml")
        .kust("resources:\n- ../base\n");
    t.fails(&["base/kustomization.yaml", "security", "outside.yaml"]);
}

#[test]
fn kustomization_file_symlinked_within_the_root_or_without_restriction_is_read() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .file("k/sub/k.yaml", "resources:\n- cm.yaml\n")
        .symlink("k/kustomization.yaml", "sub/k.yaml");
    assert_eq!(t.passes(&[]), CM_OUT);
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .file("outside.yaml", "resources:\n- cm.yaml\n")
        .symlink("k/kustomization.yaml", "../outside.yaml");
    assert_eq!(
        t.passes(&["--load-restrictor", "LoadRestrictionsNone"]),
        CM_OUT
    );
}

#[test]
fn configurations_and_crds_outside_the_root_are_refused() {
    for field in ["configurations", "crds", "transformers", "generators"] {
        let t = Tree::new();
        t.file("outside.yaml", "a: b\n")
            .kust(&format!("{field}:\n- ../outside.yaml\n"));
        t.fails(&["k/kustomization.yaml", "security", "outside.yaml"]);
    }
}

#[test]
fn openapi_schema_outside_the_root_is_refused() {
    let t = Tree::new();
    t.file("outside.yaml", "a: b\n")
        .kust("openapi:\n  path: ../outside.yaml\nresources: []\n");
    t.fails(&["k/kustomization.yaml", "security", "outside.yaml"]);
}

#[test]
fn load_restrictor_none_lifts_the_restriction() {
    let t = Tree::new();
    t.file("data.txt", "hello\n").kust(
        "configMapGenerator:\n- name: x\n  files:\n  - ../data.txt\n  options:\n    disableNameSuffixHash: true\n",
    );
    t.fails(&["security", "data.txt"]);
    for flag in ["none", "LoadRestrictionsNone"] {
        let out = t.passes(&["--load-restrictor", flag]);
        assert!(out.contains("data.txt: |\n    hello\n"), "{out}");
    }
}

#[test]
fn kustomization_directories_outside_the_root_are_allowed() {
    let t = Tree::new();
    t.file("base/cm.yaml", CM)
        .file("base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .kust("resources:\n- ../base\nnamePrefix: p-\n");
    assert!(t.passes(&[]).contains("name: p-cm"));
}

// ---------------------------------------------------------------------------------------
// Remote resources: refused, never fetched.

#[test]
fn remote_https_resource_is_refused() {
    let t = Tree::new();
    t.kust("resources:\n- https://example.com/x.yaml\n");
    t.fails(&[
        "k/kustomization.yaml",
        "remote resource",
        "https://example.com/x.yaml",
        "never fetches",
    ]);
}

#[test]
fn remote_github_resource_is_refused() {
    let t = Tree::new();
    t.kust("resources:\n- github.com/kubernetes-sigs/kustomize/examples/helloWorld?ref=v1.0.6\n");
    t.fails(&["remote resource", "github.com/kubernetes-sigs/kustomize"]);
}

#[test]
fn remote_git_ssh_resource_is_refused() {
    let t = Tree::new();
    t.kust("resources:\n- git@github.com:owner/repo.git//dir\n");
    t.fails(&["remote resource", "git@github.com:owner/repo.git"]);
}

#[test]
fn remote_component_and_plugin_configuration_are_refused() {
    let t = Tree::new();
    t.kust("components:\n- https://example.com/c\n");
    t.fails(&["k/kustomization.yaml", "https://example.com/c"]);
    let t = Tree::new();
    t.kust("transformers:\n- https://example.com/t.yaml\n");
    t.fails(&[
        "k/kustomization.yaml",
        "remote",
        "https://example.com/t.yaml",
    ]);
}

// ---------------------------------------------------------------------------------------
// Cycles.

#[test]
fn self_including_kustomization_is_a_cycle() {
    let t = Tree::new();
    t.kust("resources:\n- .\n");
    t.fails(&["cycle detected", "k -> "]);
}

#[test]
fn three_step_cycle_prints_the_chain() {
    let t = Tree::new();
    t.file("a/kustomization.yaml", "resources:\n- ../b\n")
        .file("b/kustomization.yaml", "resources:\n- ../c\n")
        .file("c/kustomization.yaml", "resources:\n- ../a\n");
    let err = t.fails_in("a", &[], &["cycle detected"], Some(false));
    let chain = err.split("itself: ").nth(1).expect("chain");
    let steps: Vec<&str> = chain.trim().split(" -> ").collect();
    assert_eq!(steps.len(), 4, "{err}");
    for (step, name) in steps.iter().zip(["/a", "/b", "/c", "/a"]) {
        assert!(step.ends_with(name), "{err}");
    }
}

#[test]
fn component_cycle_is_detected() {
    let t = Tree::new();
    t.file(
        "k/c/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents:\n- .\n",
    )
    .kust("components:\n- c\n");
    t.fails(&["cycle detected", "c -> "]);
}

// ---------------------------------------------------------------------------------------
// Ids and patches.

#[test]
fn duplicate_resource_ids_across_files() {
    let t = Tree::new();
    t.file("k/a.yaml", CM)
        .file("k/b.yaml", CM)
        .kust("resources:\n- a.yaml\n- b.yaml\n");
    t.fails(&[
        "k/kustomization.yaml",
        "already registered id",
        "ConfigMap.v1.[noGrp]/cm.[noNs]",
        "b.yaml",
    ]);
}

#[test]
fn duplicate_resource_ids_in_one_file() {
    let t = Tree::new();
    t.file("k/a.yaml", &format!("{CM}---\n{CM}"))
        .kust("resources:\n- a.yaml\n");
    t.fails(&["already registered id", "cm"]);
}

#[test]
fn duplicate_ids_from_two_bases() {
    let t = Tree::new();
    t.file("k/a/cm.yaml", CM)
        .file("k/a/kustomization.yaml", "resources:\n- cm.yaml\n")
        .file("k/b/cm.yaml", CM)
        .file("k/b/kustomization.yaml", "resources:\n- cm.yaml\n")
        .kust("resources:\n- a\n- b\n");
    t.fails(&["already registered id", "cm"]);
}

#[test]
fn strategic_merge_patch_matching_nothing() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: nope\n    data:\n      x: y\n",
    );
    t.fails(&[
        "k/kustomization.yaml",
        "no resource matches strategic merge patch",
        "ConfigMap.v1.[noGrp]/nope.[noNs]",
    ]);
}

#[test]
fn patches_strategic_merge_file_matching_nothing() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .file(
            "k/p.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nope\n",
        )
        .kust("resources:\n- cm.yaml\npatchesStrategicMerge:\n- p.yaml\n");
    t.fails(&["no resource matches", "nope"]);
}

#[test]
fn patch_with_a_target_matching_nothing_is_not_an_error() {
    // Kustomize applies a targeted patch to every match, and zero matches is fine.
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: Deployment\n  patch: |\n    - op: add\n      path: /data/x\n      value: y\n",
    );
    assert_eq!(t.passes(&[]), CM_OUT);
}

#[test]
fn json_patch_with_an_unknown_op() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: |\n    - op: frobnicate\n      path: /data/a\n",
    );
    t.fails(&["k/kustomization.yaml", "frobnicate"]);
}

#[test]
fn json_patch_removing_a_missing_path() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: |\n    - op: remove\n      path: /data/zzz\n",
    );
    t.fails(&["k/kustomization.yaml", "/data/zzz"]);
}

#[test]
fn json_patch_failing_test_op() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: |\n    - op: test\n      path: /data/a\n      value: zzz\n",
    );
    t.fails(&["k/kustomization.yaml", "/data/a"]);
}

#[test]
fn json_patch_whose_rollback_would_fail() {
    // Found by fuzzing: json-patch's undo of `copy` after a half-done `move` panicked.
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: |\n    - op: copy\n      from: /data\n      path: /spec\n    - op: move\n      from: /spec\n      path: /other/k\n",
    );
    t.fails(&["k/kustomization.yaml", "JSON 6902", "/other/k"]);
}

#[test]
fn json_patch_without_a_target() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- patch: |\n    - op: add\n      path: /data/x\n      value: y\n",
    );
    t.fails(&["must specify a target for JSON patch"]);
}

#[test]
fn bad_regex_in_a_patch_target() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    name: \"([\"\n  patch: |\n    - op: add\n      path: /data/x\n      value: y\n",
    );
    t.fails(&["k/kustomization.yaml", "([", "regex"]);
}

#[test]
fn bad_label_selector_in_a_patch_target() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM).kust(
        "resources:\n- cm.yaml\npatches:\n- target:\n    labelSelector: \"a in (b\"\n  patch: |\n    - op: add\n      path: /data/x\n      value: y\n",
    );
    t.fails(&["k/kustomization.yaml", "label selector", "a in (b"]);
}

#[test]
fn patch_with_both_path_and_patch() {
    let t = Tree::new();
    t.file("k/p.yaml", "a: b\n")
        .kust("patches:\n- path: p.yaml\n  patch: \"a: b\"\n");
    t.fails(&["k/kustomization.yaml", "patch", "path"]);
}

#[test]
fn patch_with_neither_path_nor_patch() {
    let t = Tree::new();
    t.kust("patches:\n- target:\n    kind: X\n");
    t.fails(&["k/kustomization.yaml", "one of `patch` and `path`"]);
}

#[test]
fn patch_that_is_a_scalar() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\npatches:\n- patch: hello\n");
    t.fails(&["unable to parse SM or JSON patch", "hello"]);
}

#[test]
fn patch_file_that_is_empty() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .file("k/p.yaml", "")
        .kust("resources:\n- cm.yaml\npatches:\n- path: p.yaml\n");
    t.fails(&["k/kustomization.yaml", "p.yaml"]);
}

// ---------------------------------------------------------------------------------------
// Malformed YAML and malformed resources.

#[test]
fn invalid_yaml_names_file_line_and_column() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml:4:", "invalid YAML"]);
}

#[test]
fn unterminated_flow_sequence_names_the_file_and_a_line() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, 2\n  b: c\n",
    )
    .kust("resources:\n- r.yaml\n");
    let err = t.fails(&["k/r.yaml:", "invalid YAML"]);
    let line: usize = err
        .split("k/r.yaml:")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .and_then(|n| n.parse().ok())
        .expect("line number");
    assert!((6..=8).contains(&line), "{err}");
}

#[test]
fn invalid_yaml_in_the_kustomization_names_its_line() {
    let t = Tree::new();
    t.kust("resources:\n  - a\n - b\n");
    t.fails(&["k/kustomization.yaml:3:", "invalid YAML"]);
}

#[test]
fn duplicate_key_in_a_resource_names_the_line() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml:5:", "\"name\" already defined"]);
}

#[test]
fn unknown_anchor() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *nope\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml:4:", "unknown anchor"]);
}

#[test]
fn resource_without_kind() {
    let t = Tree::new();
    t.file("k/r.yaml", "apiVersion: v1\nmetadata:\n  name: x\n")
        .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "missing kind"]);
}

#[test]
fn resource_without_metadata_name() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: b\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "missing metadata.name", "ConfigMap"]);
}

#[test]
fn resource_without_metadata() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "missing metadata.name"]);
}

#[test]
fn resource_in_a_later_document_names_its_line() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        &format!("{CM}---\napiVersion: v1\nmetadata:\n  name: y\n"),
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "line 8", "missing kind"]);
}

#[test]
fn resource_that_is_a_scalar_or_a_sequence() {
    for body in ["hello\n", "- a\n- b\n"] {
        let t = Tree::new();
        t.file("k/r.yaml", body).kust("resources:\n- r.yaml\n");
        t.fails(&["k/r.yaml", "must be a mapping"]);
    }
}

#[test]
fn list_with_non_object_items() {
    let t = Tree::new();
    t.file("k/r.yaml", "apiVersion: v1\nkind: List\nitems:\n- 1\n")
        .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "items"]);
}

#[test]
fn binary_garbage_as_yaml() {
    let t = Tree::new();
    let garbage: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    t.bytes("k/r.yaml", &garbage).kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml"]);
    let t = Tree::new();
    t.bytes("k/r.yaml", &[0, 1, 2, 3, 0x7f, 5, 6, 0x1b].repeat(10))
        .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "invalid YAML"]);
}

#[test]
fn raw_control_character_in_a_resource_names_its_position() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"x\u{7f}y\"\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml:6:8:", "control characters are not allowed"]);
}

#[test]
fn escaped_control_character_kubectl_cannot_print() {
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"x\\x7fy\"\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&[
        "k/r.yaml",
        "ConfigMap x",
        "control characters are not allowed",
    ]);
    let t = Tree::new();
    t.bytes("k/f", b"a\x7fb")
        .kust("configMapGenerator:\n- name: g\n  files:\n  - f\n");
    t.fails(&["k/kustomization.yaml", "ConfigMap g-", "control characters"]);
}

#[test]
fn non_utf8_resource_file() {
    let t = Tree::new();
    t.bytes(
        "k/r.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \xff\xfe\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml", "UTF-8"]);
}

#[test]
fn non_utf8_kustomization_file() {
    let t = Tree::new();
    t.bytes("k/kustomization.yaml", b"namePrefix: \xff\n");
    t.fails(&["k/kustomization.yaml", "UTF-8"]);
}

#[test]
fn empty_resource_file_renders_nothing() {
    let t = Tree::new();
    t.file("k/r.yaml", "").kust("resources:\n- r.yaml\n");
    assert_eq!(t.passes(&[]), "");
}

// ---------------------------------------------------------------------------------------
// The kustomization file itself.

#[test]
fn empty_kustomization_file() {
    let t = Tree::new();
    t.kust("");
    t.fails(&["k/kustomization.yaml", "kustomization is empty"]);
    let t = Tree::new();
    t.kust("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    t.fails(&["kustomization is empty"]);
}

#[test]
fn unknown_kustomization_field_suggests_the_close_one() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\nnamePrefx: a-\n");
    t.fails(&[
        "k/kustomization.yaml",
        "unknown field \"namePrefx\"",
        "did you mean 'namePrefix'?",
    ]);
}

#[test]
fn unknown_kustomization_field_far_from_any() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\nzzzqqq: 1\n");
    let err = t.fails(&["unknown field \"zzzqqq\""]);
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn wrong_types_in_kustomization_fields() {
    for (text, needle) in [
        ("resources: cm.yaml\n", "expected a sequence"),
        ("namePrefix:\n  a: b\n", "expected a string"),
        ("commonLabels:\n- a\n", "expected a map"),
        ("replicas:\n- name: x\n  count: many\n", "many"),
        ("configMapGenerator: {name: x}\n", "expected a sequence"),
        ("resources: [[a]]\n", "expected a string"),
    ] {
        let t = Tree::new();
        t.file("k/cm.yaml", CM).kust(text);
        t.fails(&["k/kustomization.yaml", "invalid Kustomization", needle]);
    }
}

#[test]
fn kustomization_that_is_not_a_mapping() {
    for text in ["- a\n- b\n", "hello\n"] {
        let t = Tree::new();
        t.kust(text);
        t.fails(&["k/kustomization.yaml", "mapping"]);
    }
}

#[test]
fn kustomization_of_the_wrong_kind() {
    let t = Tree::new();
    t.kust("kind: Deployment\nresources: []\n");
    t.fails(&["k/kustomization.yaml", "Kustomization or Component"]);
}

#[test]
fn two_kustomization_files_in_one_directory() {
    let t = Tree::new();
    t.kust("resources: []\n")
        .file("k/kustomization.yml", "resources: []\n");
    t.fails(&["multiple kustomization files"]);
}

#[test]
fn only_the_first_document_of_a_kustomization_counts() {
    // go-yaml's Unmarshal reads one document; what follows is never parsed.
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\n---\nnamePrefix: x-\n---\n: : [\n");
    assert_eq!(t.passes(&[]), CM_OUT);
}

#[test]
fn helm_charts_are_refused_but_helm_globals_alone_are_not() {
    let t = Tree::new();
    t.kust("helmCharts:\n- name: x\n");
    t.fails(&["k/kustomization.yaml", "helm"]);
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\nhelmCharts: []\nhelmGlobals:\n  chartHome: x\n");
    assert_eq!(t.passes(&[]), CM_OUT);
}

#[test]
fn unknown_build_metadata_options_are_ignored() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\nbuildMetadata: [nope, managedByLabel]\n");
    assert!(t
        .passes(&[])
        .contains("app.kubernetes.io/managed-by: kustomize-(devel)"));
}

// ---------------------------------------------------------------------------------------
// Missing things.

#[test]
fn missing_resource_file() {
    let t = Tree::new();
    t.kust("resources:\n- nope.yaml\n");
    t.fails(&["k/kustomization.yaml", "nope.yaml", "no such file"]);
}

#[test]
fn empty_resource_entry() {
    let t = Tree::new();
    t.file("k/cm.yaml", CM)
        .kust("resources:\n- cm.yaml\n- \"\"\n");
    let err = t.fails(&["k/kustomization.yaml", "empty entry"]);
    assert!(!err.contains("cycle"), "{err}");
    let t = Tree::new();
    t.kust("components:\n- \"\"\n");
    t.fails(&["k/kustomization.yaml", "empty entry"]);
}

#[test]
fn missing_generator_file() {
    let t = Tree::new();
    t.kust("configMapGenerator:\n- name: x\n  files:\n  - nope.txt\n");
    t.fails(&["k/nope.txt", "No such file or directory"]);
}

#[test]
fn missing_patch_file() {
    let t = Tree::new();
    t.kust("patches:\n- path: nope.yaml\n");
    t.fails(&["k/nope.yaml", "No such file or directory"]);
}

#[test]
fn missing_top_directory_and_directory_without_kustomization() {
    let t = Tree::new();
    t.dir("k");
    t.fails(&["unable to find one of 'kustomization.yaml'"]);
    let t = Tree::new();
    t.dir("k/sub").kust("resources:\n- sub\n");
    t.fails(&["k/sub", "unable to find one of 'kustomization.yaml'"]);
    let t = Tree::new();
    t.fails_in("nope", &[], &["nope", "unable to find one of"], Some(false));
}

#[test]
fn component_listed_under_resources() {
    let t = Tree::new();
    t.file(
        "k/comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: c-\n",
    )
    .kust("resources:\n- comp\n");
    t.fails(&["k/comp/kustomization.yaml", "Component", "components:"]);
}

#[test]
fn kustomization_listed_under_components() {
    let t = Tree::new();
    t.file("k/base/kustomization.yaml", "resources: []\n")
        .kust("components:\n- base\n");
    t.fails(&["k/base/kustomization.yaml", "expected kind 'Component'"]);
}

// ---------------------------------------------------------------------------------------
// Generators.

#[test]
fn generator_literal_without_a_value() {
    let t = Tree::new();
    t.kust("configMapGenerator:\n- name: x\n  literals:\n  - novalue\n");
    t.fails(&["k/kustomization.yaml", "invalid literal source", "novalue"]);
    let t = Tree::new();
    t.kust("configMapGenerator:\n- name: x\n  literals:\n  - =x\n");
    t.fails(&["invalid literal source"]);
}

#[test]
fn generator_without_a_name() {
    let t = Tree::new();
    t.kust("configMapGenerator:\n- literals:\n  - a=b\n");
    t.fails(&["k/kustomization.yaml", "must have a name"]);
}

#[test]
fn generator_repeating_a_key() {
    let t = Tree::new();
    t.kust("configMapGenerator:\n- name: x\n  literals:\n  - a=b\n  - a=c\n");
    t.fails(&["k/kustomization.yaml", "illegally repeats the key `a`"]);
}

#[test]
fn generator_file_source_with_two_equals_signs() {
    let t = Tree::new();
    t.kust("configMapGenerator:\n- name: x\n  files:\n  - a=b=c\n");
    t.fails(&["k/kustomization.yaml", "a=b=c"]);
}

#[test]
fn generator_file_that_is_a_directory() {
    let t = Tree::new();
    t.dir("k/sub")
        .kust("configMapGenerator:\n- name: x\n  files:\n  - sub\n");
    t.fails(&["k/sub", "directory"]);
}

#[test]
fn generator_merging_into_nothing() {
    let t = Tree::new();
    t.kust("configMapGenerator:\n- name: x\n  behavior: merge\n  literals:\n  - a=b\n");
    t.fails(&["k/kustomization.yaml", "does not exist", "x"]);
}

#[test]
fn generator_keys_kustomize_does_not_check_pass() {
    // Kustomize's key validator is a no-op: odd keys reach the API server, which judges.
    let t = Tree::new();
    t.file("k/e.env", "1BAD=3\n=4\nexport Y=5\n").kust(
        "configMapGenerator:\n- name: x\n  literals:\n  - a b=1\n  - a/b=2\n  envs:\n  - e.env\n",
    );
    let out = t.passes(&[]);
    assert!(
        out.contains("  a b: \"1\"\n  a/b: \"2\"\n  export Y: \"5\"\n"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------
// Limits.

/// A 1 KiB "billion laughs": ten anchors each holding ten copies of the previous one.
fn alias_bomb() -> String {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        s.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    assert!(s.len() <= 1024, "{}", s.len());
    s
}

#[test]
fn alias_bomb_fails_fast() {
    // kubectl kustomize spends minutes and gigabytes on this file: no oracle.
    let t = Tree::new();
    t.file("k/r.yaml", &alias_bomb())
        .kust("resources:\n- r.yaml\n");
    let start = Instant::now();
    t.fails_no_oracle(&["k/r.yaml:", "alias expansion exceeds"]);
    // Two runs (new and existing output file).
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn alias_bomb_fails_under_a_small_memory_limit() {
    let t = Tree::new();
    t.file("k/r.yaml", &alias_bomb())
        .kust("resources:\n- r.yaml\n");
    let bin = env!("CARGO_BIN_EXE_kagentctl");
    let start = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 200000 && exec \"$0\" build k")
        .arg(bin)
        .current_dir(t.path(""))
        .output()
        .expect("sh");
    let elapsed = start.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("alias expansion exceeds"), "{err}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
}

#[test]
fn deep_flow_nesting_is_bounded() {
    let t = Tree::new();
    let depth = 100_000;
    t.file(
        "k/r.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  a: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml:6:", "invalid YAML"]);
}

#[test]
fn deep_block_nesting_is_bounded() {
    // kubectl allows 10000 levels; kagentctl stops at 256 (docs/security.md).
    let t = Tree::new();
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx:\n");
    for i in 1..400 {
        s.push_str(&" ".repeat(i));
        s.push_str("a:\n");
    }
    t.file("k/r.yaml", &s).kust("resources:\n- r.yaml\n");
    t.fails_unlike_kubectl(&["k/r.yaml:", "nesting deeper than 256 levels"]);
}

#[test]
fn huge_number_of_documents_is_bounded() {
    // kubectl skips empty documents without a bound; kagentctl stops at a million.
    let t = Tree::new();
    t.file("k/r.yaml", &"---\n".repeat(1_000_001))
        .kust("resources:\n- r.yaml\n");
    t.fails_unlike_kubectl(&["k/r.yaml:", "more than 1000000 documents"]);
}

#[test]
fn very_long_keys_and_values_render() {
    let t = Tree::new();
    let long = "v".repeat(1 << 20);
    t.file(
        "k/r.yaml",
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: {long}\n"),
    )
    .kust("resources:\n- r.yaml\n");
    assert!(t.passes(&[]).contains(&long));
}

/// A 50 MB honest input (10,000 ConfigMaps of 5 KB) renders: no arbitrary small limits.
/// Run with `cargo test --release --test integration -- --ignored hostile::`.
#[test]
#[ignore = "slow: builds a 50 MB tree"]
fn fifty_megabytes_of_honest_input_render() {
    let t = Tree::new();
    let mut text = String::with_capacity(52 << 20);
    let value = "x".repeat(5000);
    let mut n = 0;
    while text.len() < 50 << 20 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{n}\n  labels:\n    app: big\ndata:\n  payload: {value}\n"
        ));
        n += 1;
    }
    t.file("k/r.yaml", &text)
        .kust("resources:\n- r.yaml\nnamePrefix: p-\ncommonLabels:\n  team: t\n");
    let start = Instant::now();
    let out = cargo_bin_cmd!("kagentctl")
        .current_dir(t.path(""))
        .args(["build", "k"])
        .timeout(Duration::from_secs(600))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("kind: ConfigMap").count(), n);
    assert!(stdout.contains("name: p-cm-0\n"));
    eprintln!(
        "{} MB in, {} MB out, {n} objects, {:?}",
        text.len() >> 20,
        stdout.len() >> 20,
        start.elapsed()
    );
}

#[test]
fn mappings_as_mapping_keys_are_refused_fast() {
    // kubectl: "invalid map key". Nested, they used to become JSON text escaped once per
    // level (found by fuzzing: a 6 KB kustomization ran for minutes).
    let nested = format!("{}a{}", "{".repeat(40), ": b}".repeat(40));
    let t = Tree::new();
    t.file(
        "k/r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  {a: 1}: b\n",
    )
    .kust("resources:\n- r.yaml\n");
    t.fails(&["k/r.yaml:6:", "invalid map key"]);
    let t = Tree::new();
    t.kust(&format!("resources: []\nx:\n  {nested}: y\n"));
    let start = Instant::now();
    t.fails_no_oracle(&["kustomization.yaml:", "invalid map key"]);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Kustomization directories named by absolute paths: Kustomize refuses a new root that is
// absolute, whatever the load restrictor (an absolute *file* is only a load restriction).

/// `base/` beside `k/`, a kustomization with one ConfigMap.
fn tree_with_base() -> Tree {
    let t = Tree::new();
    t.file("base/cm.yaml", CM)
        .file("base/kustomization.yaml", "resources:\n- cm.yaml\n");
    t
}

#[test]
fn resource_directory_by_absolute_path_is_refused() {
    let t = tree_with_base();
    let base = t.path("base").display().to_string();
    t.kust(&format!("resources:\n- {base}\n"));
    t.fails(&["k/kustomization.yaml", "cannot be absolute", &base]);
    t.fails_in(
        "k",
        &["--load-restrictor", "LoadRestrictionsNone"],
        &["cannot be absolute"],
        Some(false),
    );
}

#[test]
fn component_directory_by_absolute_path_is_refused() {
    let t = Tree::new();
    t.file(
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels:\n  a: b\n",
    );
    let comp = t.path("comp").display().to_string();
    t.file("k/cm.yaml", CM)
        .kust(&format!("resources:\n- cm.yaml\ncomponents:\n- {comp}\n"));
    t.fails(&["k/kustomization.yaml", "cannot be absolute", &comp]);
}

#[test]
fn transformer_directory_by_absolute_path_is_refused() {
    let t = Tree::new();
    t.file(
        "tr/ns.yaml",
        "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: x\n",
    )
    .file("tr/kustomization.yaml", "resources:\n- ns.yaml\n");
    let tr = t.path("tr").display().to_string();
    t.file("k/cm.yaml", CM)
        .kust(&format!("resources:\n- cm.yaml\ntransformers:\n- {tr}\n"));
    t.fails_in(
        "k",
        &["--load-restrictor", "LoadRestrictionsNone"],
        &["cannot be absolute"],
        Some(false),
    );
}

#[test]
fn resource_file_by_absolute_path_is_only_a_load_restriction() {
    let t = tree_with_base();
    let cm = t.path("base/cm.yaml").display().to_string();
    t.kust(&format!("resources:\n- {cm}\n"));
    t.fails(&["k/kustomization.yaml", "security"]);
    let a = t.passes(&["--load-restrictor", "LoadRestrictionsNone"]);
    assert!(a.contains("name: cm"), "{a}");
}
