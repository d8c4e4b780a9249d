//! Linter rules, rule levels, exemptions and `--min-severity`: each rule fires on a
//! mutation of a clean fixture and on nothing in the shipped kagent renders; exemptions
//! (policy, annotation, stale) in text, JSON and SARIF.

use std::path::{Path, PathBuf};

use kagentctl::check::lint::RULES;
use kagentctl::check::{
    check_objects, objects_from_yaml, CheckOptions, EnvPolicy, Finding, PolicyFile, Severity,
};
use serde_json::Value;

use crate::common::{kagentctl, repo};

fn clean() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/lint/clean.yaml")).expect("fixture")
}

fn mutate(from: &str, to: &str) -> String {
    let src = clean();
    assert_eq!(
        src.matches(from).count(),
        1,
        "anchor {from:?} must be unique"
    );
    src.replacen(from, to, 1)
}

fn run(src: &str, policy: Option<&EnvPolicy>) -> Vec<Finding> {
    let objects = objects_from_yaml(src, Some(PathBuf::from("lint.yaml"))).expect("parse");
    check_objects(&objects, policy, Some("test"), &CheckOptions::default()).expect("check")
}

/// Rules of the findings, sorted.
fn rules(fs: &[Finding]) -> Vec<&'static str> {
    let mut r: Vec<&str> = fs.iter().map(|f| f.rule).collect();
    r.sort_unstable();
    r
}

fn policy(src: &str) -> EnvPolicy {
    let pf = PolicyFile::parse(src, Path::new("policy.yaml")).expect("policy");
    pf.env("test").cloned().expect("env")
}

#[test]
fn the_fixture_is_clean() {
    let fs = run(&clean(), None);
    assert!(fs.is_empty(), "{fs:#?}");
    let p = policy("environments:\n  test:\n    rules:\n      network-policy: error\n");
    assert!(run(&clean(), Some(&p)).is_empty());
}

/// (rule, mutation from, mutation to, expected rules, expected path of the first finding).
const CASES: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "service-selector",
        "selector: {app: web}",
        "selector: {app: wbe}",
        &["service-selector"],
        "spec.selector",
    ),
    (
        "service-target-port",
        "targetPort: http",
        "targetPort: htp",
        &["service-target-port"],
        "spec.ports[0].targetPort",
    ),
    (
        "service-account-exists",
        "serviceAccountName: web",
        "serviceAccountName: webb",
        &["automount-token", "service-account-exists"],
        "spec.template.spec.serviceAccountName",
    ),
    (
        "probe-port",
        "port: http}",
        "port: metrics}",
        &["probe-port"],
        "spec.template.spec.containers[0].livenessProbe.httpGet.port",
    ),
    (
        "env-duplicate",
        "- name: API_TOKEN",
        "- name: LOG_LEVEL",
        &["env-duplicate"],
        "spec.template.spec.containers[0].env[1].name",
    ),
    (
        "env-secret-literal",
        "valueFrom: {secretKeyRef: {name: web, key: token}}",
        "value: s3cr3t",
        &["env-secret-literal"],
        "spec.template.spec.containers[0].env[1].value",
    ),
    (
        "privileged",
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: false\n            privileged: true",
        &["privileged"],
        "spec.template.spec.containers[0].securityContext.privileged",
    ),
    (
        "privilege-escalation",
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
        &["privilege-escalation"],
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
    ),
    (
        "host-namespaces",
        "serviceAccountName: web",
        "serviceAccountName: web\n      hostNetwork: true\n      hostPID: true",
        &["host-namespaces", "host-namespaces"],
        "spec.template.spec.hostNetwork",
    ),
    (
        "host-path",
        "/data/web",
        "/var/run/docker.sock",
        &["host-path"],
        "spec.template.spec.volumes[0].hostPath.path",
    ),
    (
        "capabilities-added",
        "add: [NET_BIND_SERVICE]",
        "add: [NET_BIND_SERVICE, SYS_ADMIN]",
        &["capabilities-added"],
        "spec.template.spec.containers[0].securityContext.capabilities.add",
    ),
    (
        "capabilities-drop-all",
        "drop: [ALL]",
        "drop: [NET_RAW]",
        &["capabilities-drop-all"],
        "spec.template.spec.containers[0].securityContext.capabilities.drop",
    ),
    (
        "rbac-wildcard",
        "verbs: [get]",
        "verbs: ['*']",
        &["rbac-wildcard"],
        "rules[0].verbs",
    ),
    (
        "rbac-secrets",
        "resources: [configmaps]",
        "resources: [configmaps, secrets]",
        &["rbac-secrets"],
        "rules[0].resources",
    ),
    (
        "automount-token",
        "    name: web\n    namespace: app\n",
        "    name: other\n    namespace: app\n",
        &["automount-token"],
        "spec.template.spec.automountServiceAccountToken",
    ),
];

#[test]
fn every_rule_fires_on_its_mutation() {
    for (rule, from, to, expected, path) in CASES {
        let fs = run(&mutate(from, to), None);
        assert_eq!(rules(&fs), expected.to_vec(), "{rule}: {fs:#?}");
        let f = fs.iter().find(|f| f.rule == *rule).expect("finding");
        assert_eq!(f.path, *path, "{rule}");
        assert!(!f.message.is_empty() && !f.fix.is_empty(), "{rule}");
        assert_eq!(
            f.source.file.as_deref(),
            Some(Path::new("lint.yaml")),
            "{rule}"
        );
    }
    // Every linter rule has a case here, or (network-policy) its own test.
    for r in RULES {
        assert!(
            r.id == "network-policy" || CASES.iter().any(|c| c.0 == r.id),
            "no test triggers {}",
            r.id
        );
    }
}

#[test]
fn near_misses_do_not_fire() {
    // No binding, but the pod does not mount the token.
    let src = mutate(
        "serviceAccountName: web",
        "serviceAccountName: web\n      automountServiceAccountToken: false",
    )
    .replace(
        "    name: web\n    namespace: app\n",
        "    name: other\n    namespace: app\n",
    );
    assert!(run(&src, None).is_empty());
    // Secrets limited by resourceNames, a reference instead of a literal, the default SA.
    let src = mutate(
        "resources: [configmaps]",
        "resources: [secrets]\n    resourceNames: [web-tls]",
    );
    assert!(run(&src, None).is_empty());
    let src = mutate(
        "valueFrom: {secretKeyRef: {name: web, key: token}}",
        "value: $(OTHER_TOKEN)",
    );
    assert!(run(&src, None).is_empty());
    let src = mutate("path: /data/web", "path: /etcd-data");
    assert!(run(&src, None).is_empty());
}

#[test]
fn network_policy_is_off_unless_the_environment_turns_it_on() {
    let src = mutate(
        "podSelector: {matchLabels: {app: web}}",
        "podSelector: {matchLabels: {app: other}}",
    );
    assert!(run(&src, None).is_empty());
    let p = policy("environments:\n  test:\n    rules:\n      network-policy: error\n");
    let fs = run(&src, Some(&p));
    assert_eq!(rules(&fs), vec!["network-policy"]);
    assert_eq!(fs[0].severity, Severity::Error);
    assert_eq!(fs[0].path, "spec.template.metadata.labels");
    // And a rule can be switched off or re-graded per environment.
    let p = policy(
        "environments:\n  test:\n    rules:\n      privilege-escalation: off\n      host-path: note\n",
    );
    let src = mutate(
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
    )
    .replace("/data/web", "/etc");
    let fs = run(&src, Some(&p));
    assert_eq!(rules(&fs), vec!["host-path"]);
    assert_eq!(fs[0].severity, Severity::Note);
}

#[test]
fn no_linter_rule_fires_on_the_shipped_renders() {
    let pf = PolicyFile::load(&repo().join("kubernetes/kagent/policy.yaml")).expect("policy");
    for env in ["dev", "prod"] {
        let src = std::fs::read_to_string(repo().join(format!("tests/golden/{env}.yaml")))
            .expect("golden");
        let objects = objects_from_yaml(&src, None).expect("parse");
        // With every linter rule on at error level, only network-policy may fire: it is
        // off in dev (kagent ships no NetworkPolicy) and exempted with a reason in prod.
        let mut all_on = pf.env(env).cloned().expect("env");
        for r in RULES {
            all_on
                .rules
                .insert(r.id.to_string(), kagentctl::check::levels::Level::Error);
        }
        let fs = check_objects(&objects, Some(&all_on), Some(env), &CheckOptions::default())
            .expect("check");
        for f in &fs {
            assert!(
                f.rule == "network-policy" && (env == "dev" || f.suppressed.is_some()),
                "{env}: {f:#?}"
            );
        }
        let shipped = pf.env(env).expect("env");
        let fs = check_objects(&objects, Some(shipped), Some(env), &CheckOptions::default())
            .expect("check");
        let expected: &[&str] = if env == "prod" {
            &["network-policy"]
        } else {
            &[]
        };
        assert_eq!(rules(&fs), expected.to_vec(), "{env}");
        if let Some(f) = fs.first() {
            let s = f.suppressed.as_ref().expect("suppressed");
            assert!(s.reason.contains("NetworkPolicy"), "{}", s.reason);
            assert!(s.origin.line.is_some_and(|l| l > 1));
        }
    }
}

// ---- exemptions, end to end, in the three formats ----

const POLICY: &str = "kind: CheckPolicy
environments:
  test:
    exemptions:
      - rule: capabilities-drop-all
        resource: Deployment/web*
        container: web
        reason: the image needs NET_RAW for ping checks
      - rule: host-path
        resource: Deployment/app/*
        reason: nothing mounts a host path any more
";

/// The fixture with two findings: one exempted by the policy (capabilities-drop-all), one
/// by the object's annotation (privilege-escalation), plus an annotation rule that
/// matches nothing (rbac-wildcard) and a stale policy exemption (host-path).
fn exempted_fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let src = mutate("drop: [ALL]", "drop: [NET_RAW]")
        .replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")
        .replace(
            "kind: Deployment\nmetadata: {name: web, namespace: app}",
            "kind: Deployment\nmetadata:\n  name: web\n  namespace: app\n  annotations:\n    kagentctl.io/exempt: \"privilege-escalation, rbac-wildcard\"\n    kagentctl.io/exempt-reason: \"legacy image, tracked in #42\"",
        );
    let file = dir.join("web.yaml");
    std::fs::write(&file, src).expect("write");
    let pol = dir.join("policy.yaml");
    std::fs::write(&pol, POLICY).expect("write");
    (file, pol)
}

fn check_cmd(file: &Path, pol: &Path, format: &str) -> (i32, String) {
    let out = kagentctl()
        .current_dir(file.parent().expect("dir"))
        .args([
            "check",
            "--policy-env",
            "test",
            "--format",
            format,
            "--policy",
        ])
        .arg(pol)
        .arg(file)
        .output()
        .expect("run");
    (
        out.status.code().expect("code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn exemptions_in_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (file, pol) = exempted_fixture(tmp.path());
    let (code, out) = check_cmd(&file, &pol, "json");
    // Only warnings remain (the stale exemptions): exit 0 at the default threshold.
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let fs = v["findings"].as_array().expect("findings");
    let by = |rule: &str| -> Vec<&Value> { fs.iter().filter(|f| f["rule"] == rule).collect() };
    let cap = by("capabilities-drop-all");
    assert_eq!(cap.len(), 1);
    assert_eq!(cap[0]["suppressed"]["kind"], "policy");
    assert_eq!(
        cap[0]["suppressed"]["reason"],
        "the image needs NET_RAW for ping checks"
    );
    assert_eq!(cap[0]["suppressed"]["line"], 5);
    let esc = by("privilege-escalation");
    assert_eq!(esc[0]["suppressed"]["kind"], "annotation");
    assert_eq!(
        esc[0]["suppressed"]["reason"],
        "legacy image, tracked in #42"
    );
    let stale = by("exemption-stale");
    assert_eq!(stale.len(), 2, "{stale:#?}");
    assert_eq!(stale[0]["severity"], "warning");
    assert!(stale[0]["message"]
        .as_str()
        .expect("msg")
        .contains("host-path for Deployment/app/*"));
    assert_eq!(stale[0]["line"], 9);
    assert!(stale[1]["message"]
        .as_str()
        .expect("msg")
        .contains("rbac-wildcard"));
    assert_eq!(stale[1]["resource"]["display"], "Deployment app/web");
    let s = &v["summary"];
    assert_eq!(s["suppressed"], 2);
    assert_eq!(s["warnings"], 2);
    assert_eq!(s["errors"], 0);
    assert_eq!(s["failed"], false);
    assert_eq!(s["byRule"]["exemption-stale"]["warning"], 2);
    assert_eq!(s["byRule"]["capabilities-drop-all"]["suppressed"], 1);
    assert_eq!(s["bySeverity"]["suppressed"], 2);
}

#[test]
fn exemptions_in_text_and_sarif() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (file, pol) = exempted_fixture(tmp.path());
    let (code, text) = check_cmd(&file, &pol, "text");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(
        "suppressed[capabilities-drop-all] [test] Deployment app/web spec.template.spec.containers[0].securityContext.capabilities.drop:"
    ), "{text}");
    assert!(
        text.contains("  exempted by policy: the image needs NET_RAW for ping checks ("),
        "{text}"
    );
    assert!(
        text.contains("  exempted by annotation: legacy image, tracked in #42"),
        "{text}"
    );
    assert!(text.contains("warning[exemption-stale] [test]"), "{text}");
    let last = text.lines().last().expect("summary");
    assert!(
        last.starts_with("ok: 0 errors, 2 warnings, 0 notes ("),
        "{text}"
    );
    assert!(
        last.ends_with("web.yaml); 2 suppressed by exemptions"),
        "{text}"
    );

    let (_, sarif) = check_cmd(&file, &pol, "sarif");
    let v: Value = serde_json::from_str(&sarif).expect("sarif");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let sup: Vec<&Value> = results
        .iter()
        .filter(|r| !r["suppressions"].is_null())
        .collect();
    assert_eq!(sup.len(), 2);
    let kinds: Vec<&str> = sup
        .iter()
        .map(|r| r["suppressions"][0]["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, vec!["inSource", "external"]);
    assert_eq!(sup[1]["suppressions"][0]["status"], "accepted");
    assert_eq!(
        sup[1]["suppressions"][0]["justification"],
        "the image needs NET_RAW for ping checks"
    );
    assert_eq!(
        sup[1]["suppressions"][0]["location"]["physicalLocation"]["region"]["startLine"],
        5
    );
    let stale: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "exemption-stale")
        .collect();
    assert_eq!(stale.len(), 2);
    assert_eq!(stale[0]["level"], "warning");
    // Rules off by default are declared disabled.
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let np = rules
        .iter()
        .find(|r| r["id"] == "network-policy")
        .expect("rule");
    assert_eq!(np["defaultConfiguration"]["enabled"], false);
}

#[test]
fn min_severity_chooses_what_fails() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("w.yaml");
    std::fs::write(&file, mutate("drop: [ALL]", "drop: [NET_RAW]")).expect("write");
    let code = |extra: &[&str]| {
        kagentctl()
            .arg("check")
            .args(extra)
            .arg(&file)
            .output()
            .expect("run")
            .status
            .code()
    };
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--min-severity", "error"]), Some(0));
    assert_eq!(code(&["--min-severity", "warning"]), Some(1));
    assert_eq!(code(&["--min-severity", "note"]), Some(1));
    let out = kagentctl()
        .args(["check", "--format", "json", "--min-severity", "warning"])
        .arg(&file)
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["minSeverity"], "warning");
    assert_eq!(v["summary"]["failed"], true);
    assert_eq!(
        v["summary"]["byRule"]["capabilities-drop-all"]["warning"],
        1
    );
    // A suppressed finding does not fail the run, whatever the threshold.
    let src = mutate("drop: [ALL]", "drop: [NET_RAW]").replace(
        "kind: Deployment\nmetadata: {name: web, namespace: app}",
        "kind: Deployment\nmetadata: {name: web, namespace: app, annotations: {kagentctl.io/exempt: capabilities-drop-all}}",
    );
    std::fs::write(&file, src).expect("write");
    assert_eq!(code(&["--min-severity", "note"]), Some(0));
}

#[test]
fn bad_exemptions_and_levels_are_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("w.yaml");
    std::fs::write(&file, clean()).expect("write");
    for (policy, says) in [
        ("environments:\n  test:\n    exemptions:\n      - rule: host-path\n        resource: Deployment/web\n", "reason"),
        ("environments:\n  test:\n    exemptions:\n      - rule: host-path\n        resource: Deployment/web\n        reason: \"  \"\n", "needs a reason"),
        ("environments:\n  test:\n    exemptions:\n      - rule: host-path\n        resource: web\n        reason: r\n", "is not Kind/name"),
        ("environments:\n  test:\n    exemptions:\n      - rule: host-path\n        resource: Deployment/web\n        reason: r\n        expires: never\n", "expires"),
        ("environments:\n  test:\n    rules:\n      host-paht: off\n", "host-paht"),
        ("environments:\n  test:\n    rules:\n      host-path: fatal\n", "fatal"),
    ] {
        let pol = tmp.path().join("policy.yaml");
        std::fs::write(&pol, policy).expect("write");
        let out = kagentctl()
            .args(["check", "--policy-env", "test", "--policy"])
            .arg(&pol)
            .arg(&file)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{policy}: {err}");
        assert!(err.contains("policy.yaml") && err.contains(says), "{policy}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn files_are_streamed_and_still_one_set() {
    // a.yaml: a Service selecting the Deployment of b.yaml by a misspelt label, a PDB for
    // it, and a CustomResourceDefinition; b.yaml: the Deployment. The cross-file findings
    // point at their fields in their own files.
    let tmp = tempfile::tempdir().expect("tmp");
    let a = "apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  selector:
    app: wbe
  ports:
    - port: 80
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: app}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object}}
";
    let b = clean()
        .split("---\n")
        .find(|d| d.contains("kind: Deployment"))
        .expect("deployment")
        .replace(
            "serviceAccountName: web",
            "serviceAccountName: default\n      automountServiceAccountToken: false",
        );
    std::fs::write(tmp.path().join("a.yaml"), a).expect("write");
    std::fs::write(tmp.path().join("b.yaml"), &b).expect("write");
    std::fs::write(
        tmp.path().join("policy.yaml"),
        "environments:\n  prod:\n    podDisruptionBudget: true\n",
    )
    .expect("write");
    let out = kagentctl()
        .current_dir(tmp.path())
        .args([
            "check",
            "--format",
            "json",
            "--policy-env",
            "prod",
            "--policy",
            "policy.yaml",
            "a.yaml",
            "b.yaml",
        ])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let fs = v["findings"].as_array().expect("findings");
    let got: Vec<(&str, &str, u64)> = fs
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or(""),
                f["file"].as_str().unwrap_or(""),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // The PDB of a.yaml covers b.yaml's Deployment (no pod-disruption-budget finding);
    // the Service's selector is at line 5 of a.yaml.
    assert_eq!(got, vec![("service-selector", "a.yaml", 5)], "{v:#}");
    assert_eq!(out.status.code(), Some(1));
}
