//! The cross-object rules of the phases (autoscaling, monitoring, mesh): the shipped tree
//! passes, and each mutation of a copy of it makes its rule fire, with the resource, the
//! field path, the file and line, and a fix; `disable:` in policy.yaml switches a rule off.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::copy_tree;

fn root() -> PathBuf {
    crate::common::tree()
}

/// Replaces `from` (which must occur) by `to` in `rel` under the tree.
fn edit(tree: &Path, rel: &str, from: &str, to: &str) {
    let p = tree.join(rel);
    let text = std::fs::read_to_string(&p).expect("read");
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).expect("write");
}

/// Runs `check --format json` on `envs`; returns the exit code and the findings.
fn check(tree: &Path, envs: &[&str]) -> (i32, Vec<Value>) {
    let mut cmd = crate::common::kagentctl();
    cmd.arg("check")
        .arg("--root")
        .arg(tree)
        .args(["--format", "json"]);
    for e in envs {
        cmd.args(["--env", e]);
    }
    let out = cmd.output().expect("run");
    let code = out.status.code().expect("exit code");
    assert!(
        code < 2,
        "check failed to run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    (code, v["findings"].as_array().expect("findings").clone())
}

/// The errors that count (exempted findings are reported as suppressed).
fn errors(findings: &[Value]) -> Vec<&Value> {
    findings
        .iter()
        .filter(|f| f["severity"] == "error" && f["suppressed"].is_null())
        .collect()
}

/// Asserts `rule` fired on `resource` at `path`; returns the finding.
fn fired<'a>(findings: &'a [Value], rule: &str, resource: &str, path: &str) -> &'a Value {
    let f = findings
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("{rule} did not fire: {findings:#?}"));
    assert_eq!(f["resource"]["display"], resource, "{f:#}");
    assert_eq!(f["path"], path, "{f:#}");
    assert!(!f["fix"].as_str().unwrap_or("").is_empty(), "{f:#}");
    assert!(f["line"].as_u64().is_some_and(|l| l > 0), "{f:#}");
    f
}

fn file_of(f: &Value) -> String {
    f["file"].as_str().unwrap_or("").replace('\\', "/")
}

/// The line (1-based) of the first line of `rel` containing `needle`.
fn line_of(tree: &Path, rel: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(tree.join(rel)).expect("read");
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle");
    i as u64 + 1
}

/// Puts `components` into an overlay's kustomization (after its `resources:` list).
fn add_components(tree: &Path, env: &str, components: &[&str]) {
    let mut block = String::from("components:\n");
    for c in components {
        block.push_str(&format!("  - ../../components/{c}\n"));
    }
    block.push('\n');
    edit(
        tree,
        &format!("overlays/{env}/kustomization.yaml"),
        "resources:\n",
        &format!("{block}resources:\n"),
    );
}

#[test]
fn the_shipped_tree_passes_every_environment() {
    let (code, findings) = check(&root(), &["dev", "prod", "staging"]);
    assert_eq!(code, 0, "{:#?}", errors(&findings));
    assert!(errors(&findings).is_empty());
}

#[test]
fn hpa_naming_a_missing_statefulset() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/autoscaling/hpa.yaml",
        "    name: kagent\n  minReplicas",
        "    name: kagent-agents\n  minReplicas",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "hpa-target-exists",
        "HorizontalPodAutoscaler kagent/kagent",
        "spec.scaleTargetRef.name",
    );
    assert!(f["fix"].as_str().unwrap().contains("kagent"), "{f:#}");
    assert!(file_of(f).ends_with("components/autoscaling/hpa.yaml"));
    assert_eq!(
        f["line"],
        line_of(
            t.path(),
            "components/autoscaling/hpa.yaml",
            "name: kagent-agents"
        )
    );
}

#[test]
fn spec_replicas_left_beside_an_hpa() {
    let t = copy_tree();
    // The trap: an overlay's replicas field re-creates spec.replicas after its components.
    let k = t.path().join("overlays/staging/kustomization.yaml");
    let mut text = std::fs::read_to_string(&k).expect("read");
    text.push_str("\nreplicas:\n  - name: kagent\n    count: 5\n");
    std::fs::write(&k, text).expect("write");
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "hpa-target-replicas",
        "StatefulSet kagent/kagent",
        "spec.replicas",
    );
    assert!(f["fix"].as_str().unwrap().contains("replicas:"), "{f:#}");
}

#[test]
fn hpa_min_replicas_one_in_prod() {
    let t = copy_tree();
    // prod with autoscaling: its own `replicas:` field must go, and the HPA allows 1.
    add_components(t.path(), "prod", &["autoscaling"]);
    edit(
        t.path(),
        "overlays/prod/kustomization.yaml",
        "replicas:\n  - name: kagent\n    count: 5\n",
        "",
    );
    let (code, fs) = check(t.path(), &["prod"]);
    assert_eq!(code, 0, "{:#?}", errors(&fs)); // minReplicas 3 satisfies prod's 3
    edit(
        t.path(),
        "components/autoscaling/hpa.yaml",
        "minReplicas: 3",
        "minReplicas: 1",
    );
    let (code, fs) = check(t.path(), &["prod"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "replicas-minimum",
        "HorizontalPodAutoscaler kagent/kagent",
        "spec.minReplicas",
    );
    assert!(
        f["message"].as_str().unwrap().contains("down to 1 replica"),
        "{f:#}"
    );
    assert_eq!(errors(&fs).len(), 1, "{fs:#?}");
}

#[test]
fn servicemonitor_port_name_typo() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/monitoring/servicemonitor.yaml",
        "- port: http-metrics",
        "- port: http-metric",
    );
    let (_, fs) = check(t.path(), &["staging"]);
    let f = fired(
        &fs,
        "servicemonitor-port",
        "ServiceMonitor kagent/kagent",
        "spec.endpoints[0].port",
    );
    assert!(
        f["fix"].as_str().unwrap().contains("\"http-metrics\""),
        "{f:#}"
    );
    assert!(file_of(f).ends_with("components/monitoring/servicemonitor.yaml"));
    assert_eq!(
        f["line"],
        line_of(
            t.path(),
            "components/monitoring/servicemonitor.yaml",
            "port: http-metric"
        )
    );
}

#[test]
fn servicemonitor_selecting_no_service() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/monitoring/servicemonitor.yaml",
        "app.kubernetes.io/component: metrics",
        "app.kubernetes.io/component: metric",
    );
    let (_, fs) = check(t.path(), &["staging"]);
    fired(
        &fs,
        "servicemonitor-service",
        "ServiceMonitor kagent/kagent",
        "spec.selector",
    );
}

#[test]
fn missing_prometheus_selector_label() {
    let t = copy_tree();
    edit(
        t.path(),
        "overlays/staging/kustomization.yaml",
        "value: kube-prometheus-stack",
        "value: prometheus",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "prometheus-selector-label",
        "PrometheusRule kagent/kagent",
        "metadata.labels.release",
    );
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("kube-prometheus-stack"));
    assert_eq!(
        fs.iter()
            .filter(|f| f["rule"] == "prometheus-selector-label")
            .count(),
        2,
        "the ServiceMonitor too"
    );
}

#[test]
fn invalid_promql() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/monitoring/prometheusrule.yaml",
        "[15m]) > 3",
        "[15m) > 3",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "promql-syntax",
        "PrometheusRule kagent/kagent",
        "spec.groups[0].rules[3].expr",
    );
    assert!(
        f["message"].as_str().unwrap().contains("KagentRestarting"),
        "{f:#}"
    );
    assert_eq!(
        f["line"],
        line_of(
            t.path(),
            "components/monitoring/prometheusrule.yaml",
            "[15m) > 3"
        )
    );
}

#[test]
fn alert_without_for_or_severity() {
    let t = copy_tree();
    let rel = "components/monitoring/prometheusrule.yaml";
    edit(t.path(), rel, "          for: 10m\n", "");
    edit(
        t.path(),
        rel,
        "            severity: critical\n",
        "            team: agents\n",
    );
    let (_, fs) = check(t.path(), &["staging"]);
    fired(
        &fs,
        "alert-for",
        "PrometheusRule kagent/kagent",
        "spec.groups[0].rules[1].for",
    );
    fired(
        &fs,
        "alert-severity",
        "PrometheusRule kagent/kagent",
        "spec.groups[0].rules[0].labels.severity",
    );
}

#[test]
fn dashboard_without_its_label() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/monitoring/kustomization.yaml",
        "        grafana_dashboard: \"1\"\n",
        "",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "dashboard-label",
        "ConfigMap kagent/kagent-grafana-dashboard",
        "metadata.labels.grafana_dashboard",
    );
    // A generated object: the line of its generator entry.
    assert!(file_of(f).ends_with("components/monitoring/kustomization.yaml"));
    assert_eq!(
        f["line"],
        line_of(
            t.path(),
            "components/monitoring/kustomization.yaml",
            "- name: kagent-grafana-dashboard"
        )
    );
}

#[test]
fn dashboard_with_broken_json() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/monitoring/dashboard.json",
        "\"panels\": [",
        "\"panels\": [[",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "dashboard-json",
        "ConfigMap kagent/kagent-grafana-dashboard",
        "data[\"kagent.json\"]",
    );
    assert!(f["message"].as_str().unwrap().contains("not valid JSON"));
}

#[test]
fn permissive_mtls_in_prod() {
    let t = copy_tree();
    add_components(t.path(), "prod", &["mesh"]);
    let (code, fs) = check(t.path(), &["prod"]);
    assert_eq!(code, 0, "{:#?}", errors(&fs));
    edit(
        t.path(),
        "components/mesh/peerauthentication.yaml",
        "mode: STRICT",
        "mode: PERMISSIVE",
    );
    let (code, fs) = check(t.path(), &["prod"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "mesh-mtls-strict",
        "PeerAuthentication kagent/default",
        "spec.mtls.mode",
    );
    assert_eq!(f["env"], "prod");
    assert_eq!(
        f["line"],
        line_of(
            t.path(),
            "components/mesh/peerauthentication.yaml",
            "mode: PERMISSIVE"
        )
    );
}

#[test]
fn mesh_without_peer_authentication() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/mesh/kustomization.yaml",
        "  - peerauthentication.yaml\n",
        "",
    );
    let (_, fs) = check(t.path(), &["staging"]);
    fired(
        &fs,
        "mesh-mtls-strict",
        "StatefulSet kagent/kagent",
        "metadata.namespace",
    );
}

#[test]
fn protocol_less_port_with_the_mesh_on() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/mesh/service-protocols.yaml",
        "    - port: 8080\n      appProtocol: http\n",
        "    - port: 8080\n",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "mesh-port-protocol",
        "Service kagent/kagent",
        "spec.ports[0]",
    );
    assert!(f["fix"].as_str().unwrap().contains("appProtocol"));
    // Without the mesh the same port is fine.
    let (code, fs) = check(t.path(), &["prod"]);
    assert_eq!(code, 0, "{:#?}", errors(&fs));
}

#[test]
fn metrics_port_not_reachable_by_the_scraper() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/mesh/authorizationpolicy.yaml",
        "              - \"9090\"",
        "              - \"9091\"",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "mesh-scraper-access",
        "AuthorizationPolicy kagent/kagent",
        "spec.rules",
    );
    assert!(f["message"].as_str().unwrap().contains("9090"), "{f:#}");
    // Another principal for the scraper in the policy: the rule names it.
    let t = copy_tree();
    edit(
        t.path(),
        "policy.yaml",
        "metricsScraper: cluster.local/ns/monitoring/sa/kube-prometheus-stack-prometheus",
        "metricsScraper: cluster.local/ns/observability/sa/prometheus",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 1);
    let f = fired(
        &fs,
        "mesh-scraper-access",
        "AuthorizationPolicy kagent/kagent",
        "spec.rules",
    );
    assert!(
        f["fix"].as_str().unwrap().contains("ns/observability"),
        "{f:#}"
    );
}

#[test]
fn a_rule_is_switched_off_per_environment() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/monitoring/prometheusrule.yaml",
        "[15m]) > 3",
        "[15m) > 3",
    );
    edit(
        t.path(),
        "policy.yaml",
        "    metricsScraper:",
        "    rules:\n      promql-syntax: off\n    metricsScraper:",
    );
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 0, "{:#?}", errors(&fs));
    // Only there: prod with the same component still reports it.
    add_components(t.path(), "prod", &["monitoring"]);
    let (code, fs) = check(t.path(), &["prod"]);
    assert_eq!(code, 1);
    fired(
        &fs,
        "promql-syntax",
        "PrometheusRule kagent/kagent",
        "spec.groups[0].rules[3].expr",
    );
}

/// Adds `file` (with `text`) to a component's resources.
fn add_resource(tree: &Path, component: &str, file: &str, text: &str) {
    std::fs::write(tree.join("components").join(component).join(file), text).expect("write");
    edit(
        tree,
        &format!("components/{component}/kustomization.yaml"),
        "resources:\n",
        &format!("resources:\n  - {file}\n"),
    );
}

const PODMONITOR: &str = "apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: kagent
  namespace: kagent
  labels:
    app.kubernetes.io/name: kagent
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: kagent
  podMetricsEndpoints:
    - port: http-metrics
";

const DESTINATIONRULE: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: kagent
  namespace: kagent
spec:
  host: kagent.kagent.svc.cluster.local
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
";

#[test]
fn an_unknown_field_in_each_custom_resource_kind() {
    // The kinds the shipped components use, and the two they could: each valid first.
    let t = copy_tree();
    add_resource(t.path(), "monitoring", "podmonitor.yaml", PODMONITOR);
    add_resource(t.path(), "mesh", "destinationrule.yaml", DESTINATIONRULE);
    let (code, fs) = check(t.path(), &["staging"]);
    assert_eq!(code, 0, "{:#?}", errors(&fs));
    assert!(
        !fs.iter().any(|f| f["rule"] == "schema-not-checked"),
        "{fs:#?}"
    );
    let cases = [
        (
            "components/monitoring/servicemonitor.yaml",
            "      interval: 30s\n",
            "      intervall: 30s\n",
            "ServiceMonitor kagent/kagent",
            "spec.endpoints[0].intervall",
        ),
        (
            "components/monitoring/podmonitor.yaml",
            "    - port: http-metrics\n",
            "    - port: http-metrics\n      scrapeTimout: 5s\n",
            "PodMonitor kagent/kagent",
            "spec.podMetricsEndpoints[0].scrapeTimout",
        ),
        (
            "components/monitoring/prometheusrule.yaml",
            "          for: 5m\n",
            "          for: 5m\n          severity: page\n",
            "PrometheusRule kagent/kagent",
            "spec.groups[0].rules[0].severity",
        ),
        (
            "components/mesh/peerauthentication.yaml",
            "    mode: STRICT\n",
            "    mode: STRICT\n    strict: true\n",
            "PeerAuthentication kagent/default",
            "spec.mtls.strict",
        ),
        (
            "components/mesh/authorizationpolicy.yaml",
            "  action: ALLOW\n",
            "  action: ALLOW\n  allow: true\n",
            "AuthorizationPolicy kagent/kagent",
            "spec.allow",
        ),
        (
            "components/mesh/destinationrule.yaml",
            "      mode: ISTIO_MUTUAL\n",
            "      mode: ISTIO_MUTUAL\n      sni: kagent\n      verify: true\n",
            "DestinationRule kagent/kagent",
            "spec.trafficPolicy.tls.verify",
        ),
    ];
    for (file, from, to, resource, path) in cases {
        let t = copy_tree();
        add_resource(t.path(), "monitoring", "podmonitor.yaml", PODMONITOR);
        add_resource(t.path(), "mesh", "destinationrule.yaml", DESTINATIONRULE);
        edit(t.path(), file, from, to);
        let (code, fs) = check(t.path(), &["staging"]);
        assert_eq!(code, 1, "{file}");
        let f = fired(&fs, "schema-unknown-field", resource, path);
        assert!(file_of(f).ends_with(file), "{f:#}");
        let needle = to.lines().last().expect("line").trim();
        assert_eq!(f["line"], line_of(t.path(), file, needle), "{f:#}");
        assert_eq!(errors(&fs).len(), 1, "{fs:#?}");
    }
}

#[test]
fn custom_resources_are_checked_for_types_enums_and_patterns() {
    let t = copy_tree();
    edit(
        t.path(),
        "components/mesh/peerauthentication.yaml",
        "mode: STRICT",
        "mode: STRIKT",
    );
    edit(
        t.path(),
        "components/monitoring/prometheusrule.yaml",
        "for: 5m",
        "for: 5 minutes",
    );
    let (_, fs) = check(t.path(), &["staging"]);
    let f = fired(
        &fs,
        "schema-enum",
        "PeerAuthentication kagent/default",
        "spec.mtls.mode",
    );
    assert!(f["fix"].as_str().unwrap().contains("STRICT"), "{f:#}");
    fired(
        &fs,
        "schema-pattern",
        "PrometheusRule kagent/kagent",
        "spec.groups[0].rules[0].for",
    );
    // The CEL rules of the Istio schemas are reported as not evaluated, not passed silently.
    let (_, fs) = check(&root(), &["staging"]);
    let cel: Vec<&Value> = fs
        .iter()
        .filter(|f| f["rule"] == "schema-cel-not-evaluated")
        .collect();
    assert_eq!(cel.len(), 2, "{fs:#?}");
    assert!(cel.iter().all(|f| f["severity"] == "note"));
}

fn check_files(args: &[&str]) -> std::process::Output {
    crate::common::kagentctl()
        .arg("check")
        .args(args)
        .output()
        .expect("run")
}

const WIDGET_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              x-kubernetes-validations:
                - rule: self.size <= 10
                  message: size must be at most 10
              properties:
                size: {type: integer}
                colour: {type: string, enum: [red, blue]}
                sku: {type: string, pattern: '^[A-Z]{3}-[0-9]+$'}
";

#[test]
fn crd_flag_validates_a_users_own_custom_resources() {
    let tmp = tempfile::tempdir().expect("tmp");
    let crd = tmp.path().join("crds/widget.yaml");
    std::fs::create_dir_all(crd.parent().unwrap()).expect("mkdir");
    std::fs::write(&crd, WIDGET_CRD).expect("write");
    let good = tmp.path().join("good.yaml");
    std::fs::write(&good, "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n  colour: red\n  sku: ABC-12\n").expect("write");
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  colour: green\n  sku: abc\n  weight: 2\n").expect("write");
    // Without --crd the kind is unknown: a note.
    let out = check_files(&[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema-not-checked"));
    for crd_arg in [crd.as_path(), crd.parent().unwrap()] {
        let out = check_files(&["--crd", crd_arg.to_str().unwrap(), good.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(
            text.contains("note[schema-cel-not-evaluated]")
                && text.contains("size must be at most 10"),
            "{text}"
        );
        let out = check_files(&[
            "--crd",
            crd_arg.to_str().unwrap(),
            "--format",
            "json",
            bad.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        let got: Vec<(String, String, u64)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().into(),
                    f["path"].as_str().unwrap().into(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("schema-enum".to_string(), "spec.colour".to_string(), 6),
                ("schema-pattern".into(), "spec.sku".into(), 7),
                ("schema-unknown-field".into(), "spec.weight".into(), 8),
                ("schema-required".into(), "spec.size".into(), 5),
            ]
        );
    }
    // An apiVersion the CRD does not serve.
    let v2 = tmp.path().join("v2.yaml");
    std::fs::write(
        &v2,
        "apiVersion: example.com/v2\nkind: Widget\nmetadata:\n  name: w\n",
    )
    .expect("write");
    let out = check_files(&["--crd", crd.to_str().unwrap(), v2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("use apiVersion example.com/v1"));
}

#[test]
fn crd_flag_rejects_bad_input_clearly() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cr = tmp.path().join("cr.yaml");
    std::fs::write(
        &cr,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .expect("write");
    let w = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let cases = [
        (w("none.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"), "no CustomResourceDefinition"),
        (w("broken.yaml", "kind: CustomResourceDefinition\nspec: [\n"), "broken.yaml:"),
        (w("noschema.yaml", &WIDGET_CRD.replace("      schema:\n", "      x-schema:\n")), "has no schema.openAPIV3Schema"),
        (w("nospec.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\n"), "has no spec"),
        (tmp.path().join("missing.yaml"), "missing.yaml"),
    ];
    for (crd, expect) in cases {
        let out = check_files(&["--crd", crd.to_str().unwrap(), cr.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", crd.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{}: {err}", crd.display());
        assert!(!err.contains("panicked"));
        assert!(out.stdout.is_empty());
    }
}
