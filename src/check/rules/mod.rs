//! Cross-object rules for the phases after dev/prod (autoscaling, monitoring, mesh): each
//! looks at several objects of one render together (an HPA and its target, a
//! ServiceMonitor and its Service, an AuthorizationPolicy and the metrics port...).
//!
//! Every rule is on (an error) wherever the objects it concerns are rendered; an
//! environment switches one off, or re-grades it, with `rules: {rule-id: off}` in
//! `policy.yaml` (see [`super::levels`]). Settings they read from the policy:
//! `prometheusSelector` (labels the Prometheus Operator selects by) and `metricsScraper`
//! (the scraper's Istio principal).

pub mod autoscaling;
pub mod dashboards;
pub mod mesh;
pub mod monitoring;
pub mod prometheus_rules;

use serde_json::{Map, Value};

use super::schema::{path_of, PathPart};
use super::{EnvPolicy, Finding, Object, ResourceRef, Severity};

/// The rule ids of this module, with a one-line description (for SARIF and docs).
pub const RULES: &[(&str, &str)] = &[
    (
        "hpa-target-exists",
        "a HorizontalPodAutoscaler's scaleTargetRef names a rendered workload",
    ),
    (
        "hpa-target-replicas",
        "a workload targeted by a HorizontalPodAutoscaler has no spec.replicas",
    ),
    (
        "servicemonitor-service",
        "a ServiceMonitor selects at least one rendered Service",
    ),
    (
        "servicemonitor-port",
        "a ServiceMonitor endpoint names a port that the selected Service has",
    ),
    (
        "prometheus-selector-label",
        "ServiceMonitors, PodMonitors and PrometheusRules carry the environment's Prometheus selector labels",
    ),
    (
        "promql-syntax",
        "every PrometheusRule expression parses as PromQL",
    ),
    ("alert-for", "every alerting rule has a `for:` duration"),
    ("alert-severity", "every alerting rule has a severity label"),
    (
        "dashboard-label",
        "a Grafana dashboard ConfigMap carries the sidecar's grafana_dashboard label",
    ),
    (
        "dashboard-json",
        "every .json key of a Grafana dashboard ConfigMap is valid JSON",
    ),
    (
        "mesh-mtls-strict",
        "with the mesh on, mutual TLS is STRICT (PeerAuthentication)",
    ),
    (
        "mesh-port-protocol",
        "with the mesh on, every Service port declares its protocol (appProtocol or an Istio name prefix)",
    ),
    (
        "mesh-scraper-access",
        "with the mesh on, the metrics port is reachable by the scraper under the AuthorizationPolicies",
    ),
];

/// Evaluates every rule of this module on one render's objects (`policy` supplies the
/// settings; without one, rules that need a setting are skipped).
pub fn evaluate(objects: &[Object], policy: Option<&EnvPolicy>, env: &str) -> Vec<Finding> {
    let default = EnvPolicy::default();
    let policy = policy.unwrap_or(&default);
    let cx = Ctx {
        objects,
        policy,
        env,
    };
    let mut out = Vec::new();
    autoscaling::check(&cx, &mut out);
    monitoring::check(&cx, &mut out);
    prometheus_rules::check(&cx, &mut out);
    dashboards::check(&cx, &mut out);
    mesh::check(&cx, &mut out);
    out
}

/// What the rules see: the objects of one render and its environment's policy.
pub struct Ctx<'a> {
    /// Every object of the render.
    pub objects: &'a [Object],
    /// The environment's policy (default: empty).
    pub policy: &'a EnvPolicy,
    /// The environment's name (empty for rendered files).
    pub env: &'a str,
}

impl<'a> Ctx<'a> {
    /// The objects of `kind` (any apiVersion).
    pub fn of_kind(&self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects
            .iter()
            .filter(move |o| kind_of(&o.value) == kind)
    }

    /// `the staging policy` / `the policy`, for messages.
    pub fn policy_name(&self) -> String {
        if self.env.is_empty() {
            "the policy".into()
        } else {
            format!("the {} policy", self.env)
        }
    }
}

/// A finding of rule `rule` (an error) on `obj` at `path`.
pub fn finding(
    rule: &'static str,
    obj: &Object,
    path: &[PathPart<'_>],
    message: String,
    fix: String,
) -> Finding {
    let mut f = Finding::new(
        rule,
        Severity::Error,
        &ResourceRef::of(&obj.value),
        path_of(path),
        message,
        fix,
    );
    f.source = obj.source.clone();
    if f.source.line.is_none() {
        f.source.line = generator_line(&f.source, name_of(&obj.value));
    }
    f
}

/// For a generated object (its source is the kustomization file, with no line), the line
/// of the generator entry `name: <name>` there (the name without its hash suffix too).
fn generator_line(source: &super::Source, name: &str) -> Option<usize> {
    let file = source.file.as_ref()?;
    if !file
        .file_name()
        .is_some_and(|n| crate::kustomization::FILE_NAMES.iter().any(|k| n == *k))
    {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let unhashed = name.rsplit_once('-').map_or(name, |(n, _)| n);
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_end();
            l.strip_prefix("name:")
                .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
                .is_some_and(|v| v == name || v == unhashed)
        })
        .map(|i| i + 1)
}

/// The value at `path` (mapping keys) inside `v`.
pub fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut v = v;
    for k in path {
        v = v.get(k)?;
    }
    Some(v)
}

/// The string at `path`, or `""`.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    get(v, path).and_then(Value::as_str).unwrap_or("")
}

/// `kind` of an object, or `""`.
pub fn kind_of(v: &Value) -> &str {
    str_at(v, &["kind"])
}

/// `metadata.name`, or `""`.
pub fn name_of(v: &Value) -> &str {
    str_at(v, &["metadata", "name"])
}

/// `metadata.namespace`, or `""`.
pub fn namespace_of(v: &Value) -> &str {
    str_at(v, &["metadata", "namespace"])
}

/// The group of an `apiVersion` (`""` for core).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// `metadata.labels` of an object (empty when unset).
pub fn labels_of(v: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    get(v, &["metadata", "labels"])
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// The pod template labels of a workload (`spec.template.metadata.labels`).
pub fn pod_labels_of(v: &Value) -> Option<&Map<String, Value>> {
    get(v, &["spec", "template", "metadata", "labels"]).and_then(Value::as_object)
}

/// Whether a kind runs pods from a template at `spec.template`.
pub fn is_workload(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController"
    )
}
