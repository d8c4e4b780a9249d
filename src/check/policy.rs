//! The per-environment policy (`kubernetes/kagent/policy.yaml`) and its rules.
//!
//! ```yaml
//! apiVersion: kagentctl.vapora.io/v1alpha1
//! kind: CheckPolicy
//! environments:
//!   prod:
//!     minReplicas: 3
//!     podAntiAffinity: kubernetes.io/hostname
//!     requests: [cpu, memory]
//!     limits: [cpu, memory]
//!     livenessProbe: true
//!     readinessProbe: true
//!     runAsNonRoot: true
//!     readOnlyRootFilesystem: true
//!     pinnedImages: true
//!     podDisruptionBudget: true
//! ```

use std::collections::BTreeMap;
use std::path::Path as FsPath;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::formats::{image_pin, ImagePin};
use super::schema::{path_of, PathPart};
use super::{Finding, Object, ResourceRef, Severity};

/// The policy file: requirements per environment.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyFile {
    /// `kagentctl.vapora.io/v1alpha1`.
    #[serde(default)]
    pub api_version: Option<String>,
    /// `CheckPolicy`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Requirements by environment name (the overlay directory's name).
    #[serde(default)]
    pub environments: BTreeMap<String, EnvPolicy>,
}

/// What must hold in one environment. Every requirement is off unless set.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvPolicy {
    /// Minimum `spec.replicas` of Deployments and StatefulSets (unset counts as 1).
    #[serde(default)]
    pub min_replicas: Option<i64>,
    /// Topology key on which Deployments and StatefulSets must have a *required* pod
    /// anti-affinity term selecting their own pods (e.g. `kubernetes.io/hostname`).
    #[serde(default)]
    pub pod_anti_affinity: Option<String>,
    /// Resources every container must request (e.g. `[cpu, memory]`).
    #[serde(default)]
    pub requests: Vec<String>,
    /// Resources every container must limit (e.g. `[cpu, memory]`).
    #[serde(default)]
    pub limits: Vec<String>,
    /// Every (non-init) container has a liveness probe.
    #[serde(default)]
    pub liveness_probe: bool,
    /// Every (non-init) container has a readiness probe.
    #[serde(default)]
    pub readiness_probe: bool,
    /// Every container runs as non-root (`runAsNonRoot: true`, container or pod level).
    #[serde(default)]
    pub run_as_non_root: bool,
    /// Every container has `readOnlyRootFilesystem: true`.
    #[serde(default)]
    pub read_only_root_filesystem: bool,
    /// Every image is pinned by a tag other than `latest`, or by digest.
    #[serde(default)]
    pub pinned_images: bool,
    /// Every Deployment and StatefulSet has a PodDisruptionBudget in its namespace whose
    /// selector matches its pods and that allows at least one disruption.
    #[serde(default)]
    pub pod_disruption_budget: bool,
    /// Level of a rule in this environment (`off`, `note`, `warning`, `error`), overriding
    /// its default (see [`super::levels`]).
    #[serde(default)]
    pub rules: BTreeMap<String, super::Level>,
    /// Findings this environment accepts, each with its reason (see [`super::exempt`]).
    #[serde(default)]
    pub exemptions: Vec<super::exempt::Exemption>,
    /// Labels the environment's Prometheus (Operator) selects ServiceMonitors, PodMonitors
    /// and PrometheusRules by, e.g. `{release: kube-prometheus-stack}`
    /// (rule `prometheus-selector-label`).
    #[serde(default)]
    pub prometheus_selector: BTreeMap<String, String>,
    /// The metrics scraper's Istio principal
    /// (`cluster.local/ns/monitoring/sa/...`), for `mesh-scraper-access`.
    #[serde(default)]
    pub metrics_scraper: Option<String>,
}

impl PolicyFile {
    /// Parses a policy file's text.
    pub fn parse(src: &str, path: &FsPath) -> crate::Result<PolicyFile> {
        let (value, lines) = crate::settings::one_document(src, path, "a policy file")?;
        if let Some((at, what)) = list_for_mapping(&value) {
            let line = lines.line_of(&at).max(1);
            return Err(crate::Error::invalid(
                path,
                format!("line {line}: {what} is a list; write it as a mapping (see docs/check.md)"),
            ));
        }
        let pf: PolicyFile = crate::settings::from_value(value, &lines, path, "policy", bad_field)?;
        let line = |f: &str| lines.line_of(f).max(1);
        if let Some(k) = pf.kind.as_deref().filter(|k| *k != "CheckPolicy") {
            return Err(crate::Error::invalid(
                path,
                format!(
                    "line {}: kind is {k:?}; a policy file has kind: CheckPolicy",
                    line("kind")
                ),
            ));
        }
        if let Some(v) = pf.api_version.as_deref().filter(|v| *v != API_VERSION) {
            return Err(crate::Error::invalid(
                path,
                format!(
                    "line {}: apiVersion is {v:?}; a policy file has apiVersion: {API_VERSION}",
                    line("apiVersion")
                ),
            ));
        }
        for (env, p) in &pf.environments {
            let at = crate::settings::key_step("environments", env);
            if let Some(n) = p.min_replicas.filter(|n| *n < 0) {
                let f = format!("{at}.minReplicas");
                return Err(crate::Error::invalid(
                    path,
                    format!(
                        "line {}: {f} is {n}; a replica count is 0 or more",
                        line(&f)
                    ),
                ));
            }
            if p.pod_anti_affinity
                .as_deref()
                .is_some_and(|k| k.trim().is_empty())
            {
                let f = format!("{at}.podAntiAffinity");
                return Err(crate::Error::invalid(
                    path,
                    format!(
                        "line {}: {f} is empty; give a topology key (kubernetes.io/hostname)",
                        line(&f)
                    ),
                ));
            }
        }
        let mut pf = pf;
        super::exempt::locate(&mut pf, &lines, path)?;
        Ok(pf)
    }

    /// Reads and parses a policy file.
    pub fn load(path: &FsPath) -> crate::Result<PolicyFile> {
        let src = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
        PolicyFile::parse(&src, path)
    }

    /// The policy of `env`, if the file has one.
    pub fn env(&self, env: &str) -> Option<&EnvPolicy> {
        self.environments.get(env)
    }
}

/// The policy file's `apiVersion`.
pub const API_VERSION: &str = "kagentctl.vapora.io/v1alpha1";

/// The path of the field of a policy that serde refuses: a top-level key, a key of an
/// environment, or an exemption.
fn bad_field(v: &Value) -> Option<String> {
    use crate::settings::{first_bad_key, key_step};
    let top = first_bad_key::<PolicyFile>(v)?;
    if top != "environments" {
        return Some(key_step("", top));
    }
    let envs = v.get("environments");
    let Some(envs) = envs.and_then(Value::as_object) else {
        return Some(top.to_string());
    };
    for (name, p) in envs {
        let at = key_step("environments", name);
        let Some(k) = first_bad_key::<EnvPolicy>(p) else {
            if serde_json::from_value::<EnvPolicy>(p.clone()).is_err() {
                return Some(at);
            }
            continue;
        };
        let at = key_step(&at, k);
        if k == "exemptions" {
            if let Some(i) = p[k].as_array().and_then(|ex| {
                ex.iter().position(|e| {
                    serde_json::from_value::<super::exempt::Exemption>(e.clone()).is_err()
                })
            }) {
                return Some(format!("{at}[{i}]"));
            }
        }
        return Some(at);
    }
    Some(top.to_string())
}

/// The first place of a policy where a list stands for a mapping (the file, an environment,
/// an exemption), as (path, description). Serde would read such a list field by field in
/// declaration order, so `[v1, CheckPolicy]` would pass for a policy: it is refused instead.
fn list_for_mapping(v: &Value) -> Option<(String, String)> {
    if v.is_array() {
        return Some((String::new(), "the policy file".into()));
    }
    let envs = v.get("environments")?.as_object()?;
    for (name, p) in envs {
        let at = crate::settings::key_step("environments", name);
        if p.is_array() {
            return Some((at.clone(), format!("{at} (the requirements of {name:?})")));
        }
        let Some(ex) = p.get("exemptions").and_then(Value::as_array) else {
            continue;
        };
        if let Some(i) = ex.iter().position(Value::is_array) {
            let at = format!("{at}.exemptions[{i}]");
            return Some((at.clone(), format!("{at} (rule, resource, reason)")));
        }
    }
    None
}

/// The rule ids of the policy, with a one-line description (for SARIF and docs).
pub const RULES: &[(&str, &str)] = &[
    (
        "replicas-minimum",
        "Deployments and StatefulSets run at least the policy's minimum number of replicas",
    ),
    (
        "pod-anti-affinity",
        "replicas are spread by a required pod anti-affinity on the policy's topology key",
    ),
    (
        "container-requests",
        "every container requests the listed resources",
    ),
    (
        "container-limits",
        "every container limits the listed resources",
    ),
    ("liveness-probe", "every container has a liveness probe"),
    ("readiness-probe", "every container has a readiness probe"),
    (
        "run-as-non-root",
        "every container runs with runAsNonRoot: true",
    ),
    (
        "read-only-root-filesystem",
        "every container has readOnlyRootFilesystem: true",
    ),
    (
        "image-pinned",
        "every image is pinned by a tag other than latest, or by digest",
    ),
    (
        "pod-disruption-budget",
        "a PodDisruptionBudget selects the workload's pods and allows a disruption",
    ),
    (
        "policy-missing",
        "the policy file has no section for a checked environment",
    ),
    (
        "policy-unknown-env",
        "the policy file has a section for an environment the tree does not have (a typo leaves the real one unchecked)",
    ),
];

struct Ctx<'a> {
    env: &'a str,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        rule: &'static str,
        obj: &Object,
        path: String,
        message: String,
        fix: String,
    ) {
        let mut f = Finding::new(
            rule,
            Severity::Error,
            &ResourceRef::of(&obj.value),
            path,
            message,
            fix,
        );
        f.source = obj.source.clone();
        self.out.push(f);
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut v = v;
    for k in path {
        v = v.get(k)?;
    }
    Some(v)
}

/// Where a kind keeps its pod template (`spec.template`, ...), as path segments.
fn pod_template_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            Some(&["spec", "template"])
        }
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    }
}

fn is_replicated(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "ReplicaSet")
}

/// Whether a LabelSelector (`matchLabels` + `matchExpressions`) selects `labels`.
/// An empty selector selects everything; a malformed one selects nothing.
pub fn selector_matches(selector: &Value, labels: &Map<String, Value>) -> bool {
    let Some(sel) = selector.as_object() else {
        return false;
    };
    if let Some(ml) = sel.get("matchLabels") {
        let Some(ml) = ml.as_object() else {
            return false;
        };
        for (k, v) in ml {
            if labels.get(k) != Some(v) {
                return false;
            }
        }
    }
    if let Some(me) = sel.get("matchExpressions") {
        let Some(me) = me.as_array() else {
            return false;
        };
        for e in me {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).and_then(Value::as_str);
            let ok = match e.get("operator").and_then(Value::as_str) {
                Some("In") => have.is_some_and(|h| values.contains(&h)),
                Some("NotIn") => !have.is_some_and(|h| values.contains(&h)),
                Some("Exists") => have.is_some(),
                Some("DoesNotExist") => have.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn labels_text(labels: &Map<String, Value>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Evaluates `policy` on the objects of one environment.
pub fn evaluate(policy: &EnvPolicy, objects: &[Object], env: &str) -> Vec<Finding> {
    let mut cx = Ctx {
        env,
        out: Vec::new(),
    };
    let pdbs: Vec<&Object> = objects
        .iter()
        .filter(|o| get(&o.value, &["kind"]).and_then(Value::as_str) == Some("PodDisruptionBudget"))
        .collect();
    for obj in objects {
        let kind = get(&obj.value, &["kind"])
            .and_then(Value::as_str)
            .unwrap_or("");
        if kind == "Pod" {
            if let Some(spec) = get(&obj.value, &["spec"]) {
                containers(&mut cx, policy, obj, spec, &["spec"]);
            }
            continue;
        }
        let Some(tpath) = pod_template_path(kind) else {
            continue;
        };
        let Some(template) = get(&obj.value, tpath) else {
            continue;
        };
        let mut spec_path: Vec<&str> = tpath.to_vec();
        spec_path.push("spec");
        if let Some(spec) = template.get("spec") {
            containers(&mut cx, policy, obj, spec, &spec_path);
        }
        if !is_replicated(kind) {
            continue;
        }
        let empty = Map::new();
        let pod_labels = template
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let replicas = match get(&obj.value, &["spec", "replicas"]) {
            None | Some(Value::Null) => Some(1),
            Some(v) => v.as_i64(), // a non-integer is a schema finding
        };
        // With an HPA, the replica count is the HPA's to choose: its minReplicas counts.
        let hpa = super::rules::autoscaling::hpa_for(objects, &obj.value);
        if let (Some(min), Some(hpa)) = (policy.min_replicas, hpa) {
            let r = super::rules::autoscaling::min_replicas(&hpa.value);
            if let Some(r) = r.filter(|r| *r < min) {
                cx.push(
                    "replicas-minimum",
                    hpa,
                    "spec.minReplicas".into(),
                    format!(
                        "HorizontalPodAutoscaler may scale {} down to {r} replica{}; the {} policy requires at least {min}",
                        ResourceRef::of(&obj.value),
                        if r == 1 { "" } else { "s" },
                        cx.env
                    ),
                    format!(
                        "set the HPA's spec.minReplicas to {min} or more (a patch on the HPA in the {} overlay)",
                        cx.env
                    ),
                );
            }
        }
        if let (Some(min), Some(r), None) = (policy.min_replicas, replicas, hpa) {
            if r < min {
                let unset = get(&obj.value, &["spec", "replicas"]).is_none_or(Value::is_null);
                cx.push(
                    "replicas-minimum",
                    obj,
                    "spec.replicas".into(),
                    format!(
                        "{} {r} replica{}; the {} policy requires at least {min}",
                        if unset { "runs the default of" } else { "runs" },
                        if r == 1 { "" } else { "s" },
                        cx.env
                    ),
                    format!(
                        "set spec.replicas to {min} or more (e.g. the `replicas:` field of the {} overlay's kustomization.yaml)",
                        cx.env
                    ),
                );
            }
        }
        if let Some(key) = &policy.pod_anti_affinity {
            anti_affinity(&mut cx, obj, template, pod_labels, key, &spec_path);
        }
        if policy.pod_disruption_budget {
            pdb(&mut cx, obj, pod_labels, replicas, &pdbs);
        }
    }
    cx.out
}

fn anti_affinity(
    cx: &mut Ctx<'_>,
    obj: &Object,
    template: &Value,
    pod_labels: &Map<String, Value>,
    key: &str,
    spec_path: &[&str],
) {
    let paa = get(template, &["spec", "affinity", "podAntiAffinity"]);
    let mut base: Vec<PathPart<'_>> = spec_path.iter().map(|k| PathPart::Key(k)).collect();
    base.extend([PathPart::Key("affinity"), PathPart::Key("podAntiAffinity")]);
    let terms = |field: &str| -> Vec<Value> {
        paa.and_then(|p| p.get(field))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let required = terms("requiredDuringSchedulingIgnoredDuringExecution");
    let on_key: Vec<&Value> = required
        .iter()
        .filter(|t| t.get("topologyKey").and_then(Value::as_str) == Some(key))
        .collect();
    let fix = format!(
        "add spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution \
         with topologyKey: {key} and a labelSelector matching the pod labels ({})",
        labels_text(pod_labels)
    );
    let mut req_path = base.clone();
    req_path.push(PathPart::Key(
        "requiredDuringSchedulingIgnoredDuringExecution",
    ));
    if on_key.iter().any(|t| {
        t.get("labelSelector")
            .is_some_and(|s| selector_matches(s, pod_labels))
    }) {
        return;
    }
    if !on_key.is_empty() {
        cx.push(
            "pod-anti-affinity",
            obj,
            path_of(&req_path),
            format!(
                "the required pod anti-affinity term on {key} does not select the workload's own pods ({})",
                labels_text(pod_labels)
            ),
            "make the term's labelSelector match the pod template labels".into(),
        );
        return;
    }
    let preferred = terms("preferredDuringSchedulingIgnoredDuringExecution");
    let soft = preferred.iter().any(|t| {
        t.get("podAffinityTerm")
            .and_then(|p| p.get("topologyKey"))
            .and_then(Value::as_str)
            == Some(key)
    });
    if soft {
        let mut p = base.clone();
        p.push(PathPart::Key(
            "preferredDuringSchedulingIgnoredDuringExecution",
        ));
        cx.push(
            "pod-anti-affinity",
            obj,
            path_of(&p),
            format!(
                "pod anti-affinity on {key} is only preferred, so several replicas may land on the same node; the {} policy requires it",
                cx.env
            ),
            format!(
                "replace preferredDuringSchedulingIgnoredDuringExecution by requiredDuringSchedulingIgnoredDuringExecution \
                 (topologyKey: {key}, labelSelector matching {})",
                labels_text(pod_labels)
            ),
        );
    } else {
        cx.push(
            "pod-anti-affinity",
            obj,
            path_of(&req_path),
            format!(
                "no required pod anti-affinity on {key}; the {} policy requires one",
                cx.env
            ),
            fix,
        );
    }
}

fn pdb(
    cx: &mut Ctx<'_>,
    obj: &Object,
    pod_labels: &Map<String, Value>,
    replicas: Option<i64>,
    pdbs: &[&Object],
) {
    let ns = get(&obj.value, &["metadata", "namespace"])
        .and_then(Value::as_str)
        .unwrap_or("");
    let matching: Vec<&&Object> = pdbs
        .iter()
        .filter(|p| {
            get(&p.value, &["metadata", "namespace"])
                .and_then(Value::as_str)
                .unwrap_or("")
                == ns
                && get(&p.value, &["spec", "selector"])
                    .is_some_and(|s| selector_matches(s, pod_labels))
        })
        .collect();
    let res = ResourceRef::of(&obj.value);
    if matching.is_empty() {
        let where_ = if ns.is_empty() {
            String::new()
        } else {
            format!(" in namespace {ns}")
        };
        cx.push(
            "pod-disruption-budget",
            obj,
            "spec.template.metadata.labels".into(),
            format!("no PodDisruptionBudget{where_} selects the pods of {res}"),
            format!(
                "add a policy/v1 PodDisruptionBudget{where_} with spec.selector.matchLabels {{{}}} and maxUnavailable: 1 \
                 (e.g. pdb.yaml in the {} overlay)",
                labels_text(pod_labels),
                cx.env
            ),
        );
        return;
    }
    // A PDB that forbids every voluntary disruption blocks node drains.
    for p in matching {
        let spec = get(&p.value, &["spec"]);
        let max_unavailable = spec.and_then(|s| s.get("maxUnavailable"));
        let min_available = spec.and_then(|s| s.get("minAvailable"));
        let blocked = match (max_unavailable, min_available, replicas) {
            (Some(Value::Number(n)), _, _) => n.as_i64() == Some(0),
            (Some(Value::String(s)), _, _) => s == "0%",
            (None, Some(Value::Number(n)), Some(r)) => n.as_i64().is_some_and(|m| m >= r),
            (None, Some(Value::String(s)), _) => s == "100%",
            _ => false,
        };
        if blocked {
            let field = if max_unavailable.is_some() {
                "spec.maxUnavailable"
            } else {
                "spec.minAvailable"
            };
            cx.push(
                "pod-disruption-budget",
                p,
                field.into(),
                format!("PodDisruptionBudget allows no voluntary disruption of {res}: node drains will block"),
                "set maxUnavailable: 1 (or minAvailable below the replica count)".into(),
            );
        }
    }
}

fn containers(
    cx: &mut Ctx<'_>,
    policy: &EnvPolicy,
    obj: &Object,
    spec: &Value,
    spec_path: &[&str],
) {
    let pod_non_root = get(spec, &["securityContext", "runAsNonRoot"]).and_then(Value::as_bool);
    for list in ["initContainers", "containers"] {
        let Some(cs) = spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, c) in cs.iter().enumerate() {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            let mut base: Vec<PathPart<'_>> = spec_path.iter().map(|k| PathPart::Key(k)).collect();
            base.push(PathPart::Key(list));
            base.push(PathPart::Index(i));
            let at = |extra: &[&'static str]| {
                let mut p = base.clone();
                p.extend(extra.iter().map(|k| PathPart::Key(k)));
                path_of(&p)
            };
            let what = if list == "initContainers" {
                format!("init container {name}")
            } else {
                format!("container {name}")
            };
            for (rule, field, wanted) in [
                ("container-requests", "requests", &policy.requests),
                ("container-limits", "limits", &policy.limits),
            ] {
                for r in wanted {
                    let set = get(c, &["resources", field, r]).is_some_and(|v| !v.is_null());
                    if !set {
                        let p = {
                            let mut p = base.clone();
                            p.extend([
                                PathPart::Key("resources"),
                                PathPart::Key(field),
                                PathPart::Key(r),
                            ]);
                            path_of(&p)
                        };
                        let noun = if field == "requests" {
                            "request"
                        } else {
                            "limit"
                        };
                        cx.push(
                            rule,
                            obj,
                            p,
                            format!(
                                "{what} has no {r} {noun}; the {} policy requires one",
                                cx.env
                            ),
                            format!("set resources.{field}.{r} on {what}"),
                        );
                    }
                }
            }
            if list == "containers" {
                for (rule, field, on) in [
                    ("liveness-probe", "livenessProbe", policy.liveness_probe),
                    ("readiness-probe", "readinessProbe", policy.readiness_probe),
                ] {
                    if on && c.get(field).is_none_or(Value::is_null) {
                        cx.push(
                            rule,
                            obj,
                            at(&[field]),
                            format!("{what} has no {field}; the {} policy requires one", cx.env),
                            format!("add {field} (httpGet, tcpSocket, exec or grpc) to {what}"),
                        );
                    }
                }
            }
            if policy.run_as_non_root {
                let c_non_root =
                    get(c, &["securityContext", "runAsNonRoot"]).and_then(Value::as_bool);
                if !c_non_root.or(pod_non_root).unwrap_or(false) {
                    cx.push(
                        "run-as-non-root",
                        obj,
                        at(&["securityContext", "runAsNonRoot"]),
                        format!("{what} may run as root (runAsNonRoot is not true in its or the pod's securityContext)"),
                        format!("set securityContext.runAsNonRoot: true on {what} (and a non-zero runAsUser)"),
                    );
                }
            }
            if policy.read_only_root_filesystem
                && get(c, &["securityContext", "readOnlyRootFilesystem"]).and_then(Value::as_bool)
                    != Some(true)
            {
                cx.push(
                    "read-only-root-filesystem",
                    obj,
                    at(&["securityContext", "readOnlyRootFilesystem"]),
                    format!("{what} has a writable root filesystem"),
                    format!(
                        "set securityContext.readOnlyRootFilesystem: true on {what}; mount an emptyDir where it must write"
                    ),
                );
            }
            if policy.pinned_images {
                if let Some(image) = c.get("image").and_then(Value::as_str) {
                    let problem = match image_pin(image) {
                        ImagePin::Latest => {
                            Some(format!("image {image:?} uses the mutable tag latest"))
                        }
                        ImagePin::Untagged => Some(format!(
                            "image {image:?} has no tag or digest, so Kubernetes pulls latest"
                        )),
                        _ => None,
                    };
                    if let Some(message) = problem {
                        cx.push(
                            "image-pinned",
                            obj,
                            at(&["image"]),
                            message,
                            "pin the image by a release tag or digest (e.g. the `images:` field of the overlay's kustomization.yaml with newTag or digest)".into(),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors() {
        let labels = json!({"app": "kagent", "tier": "agents"});
        let labels = labels.as_object().expect("map");
        assert!(selector_matches(&json!({}), labels));
        assert!(selector_matches(
            &json!({"matchLabels": {"app": "kagent"}}),
            labels
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"app": "other"}}),
            labels
        ));
        let expr = |op: &str, values: &[&str]| json!({"matchExpressions": [{"key": "tier", "operator": op, "values": values}]});
        assert!(selector_matches(&expr("In", &["agents", "web"]), labels));
        assert!(!selector_matches(&expr("NotIn", &["agents"]), labels));
        assert!(selector_matches(&expr("Exists", &[]), labels));
        assert!(!selector_matches(&expr("DoesNotExist", &[]), labels));
        assert!(!selector_matches(&expr("Bogus", &[]), labels));
        assert!(!selector_matches(&json!("app=kagent"), labels));
    }

    #[test]
    fn policy_file_rejects_unknown_keys() {
        let p = std::path::Path::new("policy.yaml");
        let ok = PolicyFile::parse(
            "kind: CheckPolicy\nenvironments:\n  prod:\n    minReplicas: 3\n",
            p,
        )
        .expect("valid policy");
        assert_eq!(ok.env("prod").and_then(|e| e.min_replicas), Some(3));
        assert!(PolicyFile::parse("environments:\n  prod:\n    minReplica: 3\n", p).is_err());
        assert!(PolicyFile::parse("kind: Kustomization\n", p).is_err());
        assert!(PolicyFile::parse("environments:\n  prod:\n    minReplicas: three\n", p).is_err());
    }
}
