//! Hostile input on the surfaces of the policy file (rule levels, exemptions, the
//! `kagentctl.io/exempt` annotation), `check --crd`, component and environment names,
//! `.kagentctl-diff.yaml` / `--ignore`, and the Argo CD plugin's parameters: each is a
//! usage or configuration error (exit 2) naming the file (and line where there is one),
//! never a panic, never a half-written result. The fuzz targets of the same surfaces are
//! in `fuzz/fuzz_targets/` (docs/security.md).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{copy_tree, kagentctl, tree, write};

/// Runs `args` and returns (exit code, stderr).
fn run(args: &[&str], cwd: &Path) -> (Option<i32>, String, Output) {
    let out = kagentctl()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    (out.status.code(), err, out)
}

/// `check --env prod` of the shipped tree with `policy` as its policy file.
fn check_policy(policy: &[u8]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("policy.yaml");
    std::fs::write(&p, policy).expect("write");
    let root = tree();
    let (code, err, _) = run(
        &[
            "check",
            "--env",
            "prod",
            "--root",
            root.to_str().expect("utf-8"),
            "--policy",
            p.to_str().expect("utf-8"),
        ],
        tmp.path(),
    );
    (code, err)
}

#[test]
fn a_policy_that_is_a_list_is_refused_not_read_by_position() {
    // Serde reads a struct from a list field by field: `[v1, CheckPolicy, {...}]` was
    // taken for a policy, and `- a\n- b` failed with `kind is "b"`.
    let (code, err) = check_policy(b"- kagentctl.vapora.io/v1alpha1\n- CheckPolicy\n- {}\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("policy.yaml: line 1: the policy file is a list"),
        "{err}"
    );
    let (code, err) =
        check_policy(b"environments:\n  prod:\n    - 3\n    - kubernetes.io/hostname\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 2: environments.prod"), "{err}");
    let (code, err) = check_policy(
        b"environments:\n  prod:\n    exemptions:\n      - rule: host-path\n        resource: '*'\n        reason: r\n      - [host-path, '*', null, because]\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("environments.prod.exemptions[1]"), "{err}");
}

#[test]
fn policy_errors_name_the_file_and_line() {
    let (code, err) = check_policy(
        b"environments:\n  prod:\n    minReplicas: 2\n    exemptions:\n      - rule: host-path\n        resource: a/b/c/d\n        reason: r\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("policy.yaml: line 5: environments.prod.exemptions[0]: resource"),
        "{err}"
    );
    let (code, err) =
        check_policy(b"environments:\n  prod:\n    rules:\n      no-such-rule: error\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("policy.yaml: line 3: environments.prod.rules"),
        "{err}"
    );
    let (code, err) = check_policy(b"environments:\n  prod:\n    exemptions:\n      - rule: host-path\n        resource: '*'\n        reason: '  '\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("line 4:") && err.contains("needs a reason"),
        "{err}"
    );
}

#[test]
fn wrong_types_and_unknown_keys_in_a_policy_name_their_line() {
    for (policy, want) in [
        (
            "environments:\n  prod:\n    minReplica: 3\n",
            "line 3: environments.prod.minReplica: invalid policy: unknown field",
        ),
        (
            "kind: CheckPolicy\nenvironments:\n  prod:\n    livenessProbe: true\n    minReplicas: three\n",
            "line 5: environments.prod.minReplicas: invalid policy: invalid type",
        ),
        ("\nbogus: 1\n", "line 2: bogus: invalid policy: unknown field"),
        (
            "environments:\n  a.b:\n    pinnedImages: 1\n",
            "line 3: environments[\"a.b\"].pinnedImages:",
        ),
        (
            "environments:\n  prod:\n    exemptions:\n      - {rule: r, resource: a/b, reason: r}\n      - rule: r\n        resource: a/b\n        reason: r\n        extra: 1\n",
            "line 5: environments.prod.exemptions[1]: invalid policy: unknown field `extra`",
        ),
        (
            "environments:\n  prod:\n    rules: {network-policy: fatal}\n",
            "line 3: environments.prod.rules: invalid policy: unknown variant `fatal`",
        ),
        (
            "environments:\n  prod:\n    minReplicas: -5\n",
            "line 3: environments.prod.minReplicas is -5",
        ),
        (
            "environments:\n  prod:\n    podAntiAffinity: ' '\n",
            "line 3: environments.prod.podAntiAffinity is empty",
        ),
        (
            "apiVersion: kagentctl.vapora.io/v2\n",
            "line 1: apiVersion is \"kagentctl.vapora.io/v2\"",
        ),
        ("\n\nkind: Other\n", "line 3: kind is \"Other\""),
    ] {
        let (code, err) = check_policy(policy.as_bytes());
        assert_eq!(code, Some(2), "{policy}: {err}");
        assert!(err.contains(&format!("policy.yaml: {want}")), "{policy}: {err}");
    }
}

#[test]
fn a_second_document_in_a_policy_is_refused_not_ignored() {
    // Only the first non-empty document was read: the requirements below were dropped.
    let (code, err) =
        check_policy(b"---\n---\nenvironments: {}\n---\nenvironments: {prod: {minReplicas: 9}}\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("policy.yaml: line 5: a second YAML document"),
        "{err}"
    );
    // Lines count from the document that is read, not from an empty first one.
    let (code, err) = check_policy(b"---\n---\nenvironments:\n  prod:\n    minReplicas: x\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("line 5: environments.prod.minReplicas"),
        "{err}"
    );
}

#[test]
fn deep_huge_binary_and_recursive_policies_are_errors() {
    let deep = format!(
        "environments: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (code, err) = check_policy(deep.as_bytes());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("policy.yaml:1:"), "{err}");
    // 200 000 environments: read, nothing to say about them, no blow-up.
    let mut huge = String::from("environments:\n");
    for i in 0..200_000 {
        huge.push_str(&format!("  e{i}: {{}}\n"));
    }
    let (code, err) = check_policy(huge.as_bytes());
    assert!(matches!(code, Some(0 | 1)), "{err}");
    let (code, err) = check_policy(b"environments:\n  prod:\n    minReplicas: \xff\xfe\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("policy.yaml") && err.contains("UTF-8"),
        "{err}"
    );
    let (code, err) = check_policy(b"environments: &a\n  prod: *a\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("policy.yaml:2:"), "{err}");
    // Billion laughs: aliases are expanded within the YAML reader's limits, or refused.
    let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        laughs.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    let (code, err) = check_policy(laughs.as_bytes());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("policy.yaml"), "{err}");
}

#[test]
fn an_exemption_matching_everything_suppresses_nothing() {
    // `rule: '*'` is not a glob (rule ids are exact): the exemption is stale, and the
    // network-policy error it would otherwise hide still fails the run.
    let tmp = copy_tree();
    let root = tmp.path();
    std::fs::write(
        root.join("policy.yaml"),
        "environments:\n  prod:\n    rules:\n      network-policy: error\n    exemptions:\n      - rule: '*'\n        resource: '*'\n        container: '*'\n        reason: everything\n",
    )
    .expect("write");
    let (code, err, out) = run(
        &[
            "check",
            "--env",
            "prod",
            "--root",
            root.to_str().expect("utf-8"),
        ],
        root,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code, Some(1), "{err}{text}");
    assert!(text.contains("exemption-stale"), "{text}");
    assert!(text.contains("error[network-policy]"), "{text}");
    assert!(!text.contains("suppressed"), "{text}");
}

/// `check FILE --crd CRD` with `crd` as the CRD file.
fn check_crd(crd: &[u8]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("crd.yaml");
    std::fs::write(&p, crd).expect("write");
    let obj = tmp.path().join("obj.yaml");
    std::fs::write(
        &obj,
        "apiVersion: g.example/v1\nkind: K\nmetadata:\n  name: x\nspec:\n  a: {a: {a: {}}}\n",
    )
    .expect("write");
    let (code, err, _) = run(
        &[
            "check",
            obj.to_str().expect("utf-8"),
            "--crd",
            p.to_str().expect("utf-8"),
        ],
        tmp.path(),
    );
    (code, err)
}

const CRD_HEAD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ks.g.example\nspec:\n  group: g.example\n  names: {kind: K, plural: ks}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n";

#[test]
fn hostile_crds_are_errors_naming_the_file() {
    // A schema that refers to itself through a YAML alias.
    let rec = format!(
        "{CRD_HEAD}        &s\n        type: object\n        properties:\n          spec: *s\n"
    );
    let (code, err) = check_crd(rec.as_bytes());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("crd.yaml:"), "{err}");
    // A schema nested far deeper than the YAML reader allows.
    let mut deep = String::from(CRD_HEAD);
    deep.push_str("        type: object\n        properties:\n          spec: ");
    deep.push_str(&"{type: object, properties: {a: ".repeat(20_000));
    deep.push_str("{type: string}");
    deep.push_str(&"}}".repeat(20_000));
    deep.push('\n');
    let (code, err) = check_crd(deep.as_bytes());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("crd.yaml:"), "{err}");
    let (code, err) = check_crd(b"\xff\xfe\x00k\x00i\x00n\x00d");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("crd.yaml"), "{err}");
    let (code, err) = check_crd(b"- a\n- b\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("crd.yaml: no CustomResourceDefinition"),
        "{err}"
    );
    let (code, err) = check_crd(b"kind: CustomResourceDefinition\nspec: [1, 2]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("crd.yaml: line 1:"), "{err}");
}

#[test]
fn a_crd_the_api_server_would_refuse_is_an_error_naming_the_field_and_line() {
    // Each of these was read as a schema that accepts or refuses everything.
    let schema = |tail: &str| format!("{CRD_HEAD}        type: object\n{tail}");
    for (crd, want) in [
        (
            format!("{CRD_HEAD}        type: objekt\n"),
            "line 15: CustomResourceDefinition K: spec.versions[0].schema.openAPIV3Schema.type is \"objekt\"",
        ),
        (
            schema("        propertes: {}\n"),
            "line 16: CustomResourceDefinition K: spec.versions[0].schema.openAPIV3Schema.propertes is not a schema field",
        ),
        (
            schema("        properties: [spec]\n"),
            "line 16: CustomResourceDefinition K: spec.versions[0].schema.openAPIV3Schema.properties is not a mapping",
        ),
        (
            schema("        properties:\n          spec:\n            type: object\n            properties:\n              a: {type: string, pattern: '('}\n"),
            "line 20: CustomResourceDefinition K: spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.a.pattern \"(\" is not a valid regular expression",
        ),
        (
            schema("        properties:\n          spec: {$ref: '#/definitions/s'}\n"),
            "line 17: CustomResourceDefinition K: spec.versions[0].schema.openAPIV3Schema.properties.spec.$ref is not supported",
        ),
        (
            format!("{}        type: object\n  validation: {{}}\n", CRD_HEAD),
            "line 16: CustomResourceDefinition K: spec.validation is not a field of spec",
        ),
        (
            format!("{}        type: object\n", CRD_HEAD.replace("served: true", "servd: true")),
            "line 11: CustomResourceDefinition K: spec.versions[0].servd is not a field",
        ),
        (
            format!("{}        type: object\n", CRD_HEAD.replace("k8s.io/v1\n", "k8s.io/v1beta1\n")),
            "line 1: CustomResourceDefinition has apiVersion \"apiextensions.k8s.io/v1beta1\"",
        ),
        (
            format!("{CRD_HEAD}        type: object\n---\n{CRD_HEAD}        type: string\n"),
            "line 17: CustomResourceDefinition g.example/v1 K is defined a second time (first at ",
        ),
    ] {
        let (code, err) = check_crd(crd.as_bytes());
        assert_eq!(code, Some(2), "{crd}: {err}");
        assert!(err.contains(&format!("crd.yaml: {want}")), "{crd}: {err}");
    }
}

#[test]
fn a_crd_with_a_huge_schema_or_pattern_is_checked_without_blowing_up() {
    // 50 000 properties, and a pattern too large for the regex engine (left unchecked).
    let mut big = format!("{CRD_HEAD}        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              a: {{type: object, x-kubernetes-preserve-unknown-fields: true}}\n");
    for i in 0..50_000 {
        big.push_str(&format!(
            "              p{i}: {{type: string, pattern: '(a{{1000}}){{1000}}'}}\n"
        ));
    }
    let (code, err) = check_crd(big.as_bytes());
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn hostile_environment_names_create_nothing() {
    let tmp = copy_tree();
    let root = tmp.path();
    let before = std::fs::read_dir(root.join("overlays"))
        .expect("overlays")
        .count();
    let long = "a".repeat(4096);
    let abs = root.join("elsewhere");
    for name in [
        "..",
        "../escape",
        "a/b",
        abs.to_str().expect("utf-8"),
        long.as_str(),
        "Prod",
        "-x",
        "",
        "dev\nprod",
        "a b",
        "qa;touch pwned",
        "$(touch pwned)",
        "qa.",
        "\u{e9}t\u{e9}",
        &"a".repeat(64),
    ] {
        let (code, err, _) = run(
            &[
                "new-env",
                name,
                "--from",
                "dev",
                "--root",
                root.to_str().expect("utf-8"),
            ],
            root,
        );
        assert_eq!(code, Some(2), "{name:?}: {err}");
    }
    for from in ["..", "../overlays/dev", "/etc", ".hidden"] {
        let (code, err, _) = run(
            &[
                "new-env",
                "qa",
                "--from",
                from,
                "--root",
                root.to_str().expect("utf-8"),
            ],
            root,
        );
        assert_eq!(code, Some(2), "{from:?}: {err}");
        assert!(err.contains("unknown environment"), "{from:?}: {err}");
    }
    let after = std::fs::read_dir(root.join("overlays"))
        .expect("overlays")
        .count();
    assert_eq!(before, after, "nothing created, no staging directory left");
    assert!(!abs.exists() && !root.join("escape").exists());
    assert!(!root.join("pwned").exists());
}

#[test]
fn hostile_component_names_are_unknown_components() {
    let root = tree();
    let long = "m".repeat(100_000);
    for with in [
        "..",
        "../../base",
        "/etc",
        "monitoring/../mesh",
        "monitoring,,mesh",
        "monitoring,monitoring",
        long.as_str(),
        "*",
    ] {
        for cmd in [
            &["render", "--env", "dev"][..],
            &["new-env", "qa", "--from", "dev"][..],
        ] {
            let mut args = cmd.to_vec();
            args.extend(["--with", with, "--root", root.to_str().expect("utf-8")]);
            let (code, err, out) = run(&args, &root);
            assert_eq!(code, Some(2), "{with:.40}: {err:.300}");
            assert!(out.stdout.is_empty());
        }
    }
    assert!(!root.join("overlays/qa").exists());
}

/// `diff OLD NEW` in `dir`, with `args` added.
fn diff(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    write(
        dir,
        "a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n",
    );
    write(
        dir,
        "b.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: w}\n",
    );
    let mut all = vec!["diff", "a.yaml", "b.yaml"];
    all.extend(args);
    let (code, err, _) = run(&all, dir);
    (code, err)
}

#[test]
fn unbalanced_or_empty_ignore_patterns_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    for p in [
        "a[0", "]", "data]", "a]b", "[", "a[", "[\"a", "a..b", ".", "", "a.", "[x]",
    ] {
        let (code, err) = diff(tmp.path(), &["--ignore", p]);
        assert_eq!(code, Some(2), "{p:?}: {err}");
        assert!(err.contains("ignore path"), "{p:?}: {err}");
    }
    // A key holding ] is written quoted.
    let (code, err) = diff(tmp.path(), &["--ignore", "data[\"k]\"]"]);
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn ignore_file_errors_name_their_line_and_a_second_document_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join(".kagentctl-diff.yaml");
    for (text, want) in [
        (
            "ignore:\n  - data.x\nignoreKind: [Secret]\n",
            "line 3: ignoreKind: invalid ignore file",
        ),
        (
            "ignore:\n  - data.x\n  - {a: b}\n",
            "line 3: ignore[1]: invalid ignore file",
        ),
        ("\nignore: data.k\n", "line 2: ignore: invalid ignore file"),
        (
            "ignore: [data.x]\n---\nignore: [data.k]\n",
            "line 3: a second YAML document",
        ),
        (
            "ignore:\n  - data.x\n  - \"a[\"\n",
            "line 3: ignore[1]: path \"a[\"",
        ),
    ] {
        std::fs::write(&file, text).expect("write");
        let (code, err) = diff(tmp.path(), &[]);
        assert_eq!(code, Some(2), "{text}: {err}");
        assert!(
            err.contains(&format!(".kagentctl-diff.yaml: {want}")),
            "{text}: {err}"
        );
    }
}

#[test]
fn a_hostile_ignore_file_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join(".kagentctl-diff.yaml");
    // A list was read by position as `ignore: [data]` and hid the change.
    std::fs::write(&file, "- [data]\n").expect("write");
    let (code, err) = diff(tmp.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(".kagentctl-diff.yaml: the ignore file is a list"),
        "{err}"
    );
    std::fs::write(&file, "ignore:\n  - data.k\n  - \"a[\"\n").expect("write");
    let (code, err) = diff(tmp.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 3: ignore[1]: path \"a[\""), "{err}");
    assert_eq!(err.matches(".kagentctl-diff.yaml").count(), 1, "{err}");
    std::fs::write(&file, b"ignore: [\xff]\n").expect("write");
    let (code, err) = diff(tmp.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".kagentctl-diff.yaml"), "{err}");
    let deep = format!("ignore: {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
    std::fs::write(&file, deep).expect("write");
    let (code, err) = diff(tmp.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".kagentctl-diff.yaml:1:"), "{err}");
}

/// The Argo CD plugin's generate command with `env` and `root` as its parameters.
fn plugin(env: &str, root: &str) -> Output {
    let text = std::fs::read_to_string(crate::common::repo().join("deploy/argocd/plugin.yaml"))
        .expect("plugin");
    let script = text
        .split("      - |\n")
        .nth(1)
        .and_then(|s| s.split("  parameters:").next())
        .expect("the generate script");
    let bin: PathBuf = Path::new(env!("CARGO_BIN_EXE_kagentctl"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir(crate::common::repo())
        .env("PATH", path)
        .env_remove("KAGENTCTL_ROOT")
        .env("PARAM_ENV", env)
        .env("PARAM_ROOT", root)
        .output()
        .expect("sh runs")
}

#[test]
fn plugin_parameters_that_look_like_flags_are_values() {
    // Passed as `--env=VALUE`: `--help` is an unknown environment (passed as `--env VALUE`
    // it was taken for a flag: "a value is required for '--env'").
    for env in ["--help", "-V", "--all-envs", "--env=prod"] {
        let out = plugin(env, "kubernetes/kagent");
        assert_eq!(out.status.code(), Some(2), "{env}: {out:?}");
        assert!(out.stdout.is_empty(), "{env}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown environment"), "{env}: {err}");
    }
    for root in ["--help", "/", "../../..", "kubernetes/kagent/overlays"] {
        let out = plugin("prod", root);
        assert_eq!(out.status.code(), Some(2), "{root}: {out:?}");
        assert!(out.stdout.is_empty(), "{root}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a kagent tree"), "{root}: {err}");
    }
    let out = plugin("prod", "kubernetes/kagent");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn plugin_parameters_with_shell_metacharacters_run_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let marker = tmp.path().join("pwned");
    let m = marker.to_str().expect("utf-8");
    for env in [
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("prod; touch {m}"),
        format!("prod\ntouch {m}"),
        format!("prod\" --root=\"/\"; touch {m}; \""),
    ] {
        let out = plugin(&env, "kubernetes/kagent");
        assert_eq!(out.status.code(), Some(2), "{env}: {out:?}");
        assert!(out.stdout.is_empty(), "{env}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown environment"), "{env}: {err}");
        let out = plugin("prod", &env);
        assert_eq!(out.status.code(), Some(2), "{env}: {out:?}");
        assert!(out.stdout.is_empty(), "{env}");
    }
    assert!(!marker.exists(), "a parameter ran a command");
}

#[test]
fn a_refused_render_leaves_the_output_file_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out.yaml");
    std::fs::write(&out, "sentinel\n").expect("write");
    let root = tree();
    let o = out.to_str().expect("utf-8");
    let r = root.to_str().expect("utf-8");
    for args in [
        &["render", "--env", "../base", "--root", r, "-o", o][..],
        &[
            "render",
            "--env",
            "dev",
            "--with",
            "../../base",
            "--root",
            r,
            "-o",
            o,
        ][..],
        &[
            "render", "--env", "dev", "--with", "nope", "--root", r, "-o", o,
        ][..],
    ] {
        let (code, err, output) = run(args, tmp.path());
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "sentinel\n");
    let left = std::fs::read_dir(tmp.path()).expect("ls").count();
    assert_eq!(left, 1, "no temporary file left beside the output");
    // An output path that is a directory is an error naming it (an I/O error: exit 1),
    // and the temporary file written beside it is removed.
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).expect("mkdir");
    let d = dir.to_str().expect("utf-8");
    let (code, err, _) = run(
        &["render", "--env", "dev", "--root", r, "-o", d],
        tmp.path(),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(d), "{err}");
    let left = std::fs::read_dir(tmp.path()).expect("ls").count();
    assert_eq!(left, 2, "out.yaml and dir only");
}

#[test]
fn a_stale_exempt_annotation_points_at_its_line() {
    // Unknown rule ids, paths and wildcards in the annotation are stale warnings at the
    // annotation's line (they were reported at the object's first line).
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "ex.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    kagentctl.io/exempt: \"no-such-rule, ,,../x,*\"\ndata: {}\n",
    );
    let (code, err, out) = run(&["check", "ex.yaml"], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code, Some(0), "{err}{text}");
    assert_eq!(
        text.matches("warning[exemption-stale]").count(),
        3,
        "{text}"
    );
    assert_eq!(text.matches("--> ex.yaml:6").count(), 3, "{text}");
}
