//! Linter rules: the common checks of kube-linter, kube-score and Polaris that apply to
//! kagent-like workloads (docs/check.md maps each to theirs).
//!
//! The [`Linter`] sees objects one at a time ([`Linter::observe`]): rules about one object
//! report at once, and rules across objects (a Service and the pods it selects, a workload
//! and its ServiceAccount, RoleBindings, NetworkPolicies) keep a small summary of what they
//! need, reported by [`Linter::finish`]. No document is kept, so `check` can stream files.
//!
//! Each rule has a default [`Level`]; `policy.yaml` overrides it per environment
//! (see [`super::levels`]).

mod env;
mod graph;
mod probes;
mod rbac;
mod security;

use serde_json::{Map, Value};

use super::schema::{path_of, PathPart};
use super::Level;
use super::{Finding, Object, ResourceRef, Severity};

/// A linter rule: its id, default level and a one-line description.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// Rule id.
    pub id: &'static str,
    /// Level when the policy does not say.
    pub default: Level,
    /// What the rule checks.
    pub description: &'static str,
}

const fn rule(id: &'static str, default: Level, description: &'static str) -> RuleInfo {
    RuleInfo {
        id,
        default,
        description,
    }
}

/// Every linter rule.
pub const RULES: &[RuleInfo] = &[
    rule("service-selector", Level::Error, "a Service's selector matches the pod template of a workload in its namespace"),
    rule("service-target-port", Level::Error, "a Service's named targetPort is a port the selected pods declare"),
    rule("service-account-exists", Level::Error, "a workload's ServiceAccount is rendered (or is `default`)"),
    rule("probe-port", Level::Error, "a probe's port is a port its container declares"),
    rule("env-duplicate", Level::Warning, "a container sets each environment variable once"),
    rule("env-secret-literal", Level::Warning, "no secret-looking environment variable (`*_TOKEN`, `*_PASSWORD`, ...) has a literal value"),
    rule("privileged", Level::Error, "no container is privileged"),
    rule("privilege-escalation", Level::Warning, "every container sets allowPrivilegeEscalation: false"),
    rule("host-namespaces", Level::Error, "no pod shares the host's network, PID or IPC namespace"),
    rule("host-path", Level::Error, "no hostPath volume mounts a sensitive host path (/, /etc, /proc, /var/run/docker.sock, ...)"),
    rule("capabilities-added", Level::Warning, "containers add no Linux capability beyond NET_BIND_SERVICE"),
    rule("capabilities-drop-all", Level::Warning, "every container drops ALL capabilities"),
    rule("rbac-wildcard", Level::Warning, "no Role or ClusterRole grants `*` verbs or resources"),
    rule("rbac-secrets", Level::Warning, "no Role or ClusterRole grants access to Secrets"),
    rule("automount-token", Level::Warning, "pods whose ServiceAccount has no role binding do not mount an API token"),
    rule("network-policy", Level::Off, "a NetworkPolicy selects the workload's pods (off unless the environment turns it on)"),
];

/// Kinds that carry a pod template, with the path of their pod spec.
pub(super) fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some(&["spec", "template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        "Pod" => Some(&["spec"]),
        _ => None,
    }
}

/// A pod spec found in an object.
pub(super) struct Pod<'a> {
    /// The pod spec.
    pub spec: &'a Map<String, Value>,
    /// Its path in the object.
    pub path: &'static [&'static str],
    /// The pod's labels (template labels, or the Pod's own).
    pub labels: Option<&'a Map<String, Value>>,
}

/// The pod spec of `v`, if its kind has one.
pub(super) fn pod_of(v: &Value) -> Option<Pod<'_>> {
    let kind = v.get("kind").and_then(Value::as_str)?;
    let path = pod_spec_path(kind)?;
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    let spec = cur.as_object()?;
    let meta_path = &path[..path.len() - 1];
    let mut m = v;
    for k in meta_path {
        m = m.get(k)?;
    }
    let labels = m
        .get("metadata")
        .and_then(|x| x.get("labels"))
        .and_then(Value::as_object);
    Some(Pod { spec, path, labels })
}

/// A container of a pod, with where it is.
pub(super) struct Container<'a> {
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub list: &'static str,
    /// Index in its list.
    pub index: usize,
    /// The container.
    pub value: &'a Map<String, Value>,
}

impl Container<'_> {
    /// The container's name (`?` when missing).
    pub fn name(&self) -> &str {
        self.value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?")
    }

    /// `container kagent` or `init container setup`.
    pub fn what(&self) -> String {
        match self.list {
            "initContainers" => format!("init container {}", self.name()),
            "ephemeralContainers" => format!("ephemeral container {}", self.name()),
            _ => format!("container {}", self.name()),
        }
    }
}

/// Every container of a pod spec.
pub(super) fn containers<'a>(pod: &Pod<'a>) -> Vec<Container<'a>> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(cs) = pod.spec.get(list).and_then(Value::as_array) {
            for (index, c) in cs.iter().enumerate() {
                if let Some(value) = c.as_object() {
                    out.push(Container { list, index, value });
                }
            }
        }
    }
    out
}

/// The path of a field of a pod spec: `pod.path` + `extra`.
pub(super) fn pod_path(pod: &Pod<'_>, extra: &[PathPart<'_>]) -> String {
    let mut p: Vec<PathPart<'_>> = pod.path.iter().map(|k| PathPart::Key(k)).collect();
    p.extend_from_slice(extra);
    path_of(&p)
}

/// The path of a field of a container.
pub(super) fn container_path(pod: &Pod<'_>, c: &Container<'_>, extra: &[&str]) -> String {
    let mut p = vec![PathPart::Key(c.list), PathPart::Index(c.index)];
    p.extend(extra.iter().map(|k| PathPart::Key(k)));
    pod_path(pod, &p)
}

/// A finding of linter rule `rule` about `obj`, at the rule's default severity (an `off`
/// rule reports as a warning here; [`super::levels::apply`] drops or re-grades it).
pub(super) fn finding(
    rule: &'static str,
    obj: &Object,
    res: &ResourceRef,
    path: String,
    message: String,
    fix: String,
) -> Finding {
    let severity = RULES
        .iter()
        .find(|r| r.id == rule)
        .and_then(|r| r.default.severity())
        .unwrap_or(Severity::Warning);
    let mut f = Finding::new(rule, severity, res, path, message, fix);
    f.source = obj.source.clone();
    f
}

/// Runs the linter rules over a stream of objects.
#[derive(Debug, Default)]
pub struct Linter {
    graph: graph::Graph,
}

impl Linter {
    /// Checks one object: returns the findings about it alone, and remembers what the
    /// rules across objects need.
    pub fn observe(&mut self, obj: &Object) -> Vec<Finding> {
        let mut out = Vec::new();
        let v = &obj.value;
        if !v.is_object() {
            return out;
        }
        let res = ResourceRef::of(v);
        if let Some(pod) = pod_of(v) {
            security::check(obj, &res, &pod, &mut out);
            env::check(obj, &res, &pod, &mut out);
            probes::check(obj, &res, &pod, &mut out);
        }
        rbac::check(obj, &res, &mut out);
        self.graph.observe(obj, &res);
        out
    }

    /// The findings of the rules across objects, once every object has been seen.
    pub fn finish(self) -> Vec<Finding> {
        self.graph.finish()
    }
}
