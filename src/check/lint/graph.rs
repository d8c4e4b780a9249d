//! Rules across objects, on summaries: Services and the pods they select (selector,
//! named target ports), workloads and their ServiceAccount (rendered, bound to a role, API
//! token mounted), and the NetworkPolicies that select a workload's pods.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{finding, pod_of, Pod};
use crate::check::policy::selector_matches;
use crate::check::schema::PathPart;
use crate::check::{Finding, Object, ResourceRef, Source};

/// What the rules need of a workload.
#[derive(Debug)]
struct Workload {
    res: ResourceRef,
    source: Source,
    labels: Map<String, Value>,
    /// Declared container port names.
    port_names: Vec<String>,
    /// `serviceAccountName` (or the deprecated `serviceAccount`), if set.
    service_account: Option<String>,
    /// The pod's `automountServiceAccountToken`, if set.
    automount: Option<bool>,
    /// Paths of the pod spec and the pod template's labels.
    spec_path: String,
    labels_path: String,
    sa_field: &'static str,
}

/// What the rules need of a Service.
#[derive(Debug)]
struct Service {
    res: ResourceRef,
    source: Source,
    selector: Map<String, Value>,
    /// (index, named targetPort) of each port with a named target port.
    named_targets: Vec<(usize, String)>,
}

/// Summaries of the objects seen so far.
#[derive(Debug, Default)]
pub(super) struct Graph {
    workloads: Vec<Workload>,
    services: Vec<Service>,
    /// Rendered ServiceAccounts (namespace, name) and their automountServiceAccountToken.
    accounts: HashMap<(String, String), Option<bool>>,
    /// ServiceAccounts that a RoleBinding or ClusterRoleBinding binds (namespace, name);
    /// a name of `*` stands for every account of the namespace (a group subject).
    bound: HashSet<(String, String)>,
    /// NetworkPolicies: (namespace, podSelector).
    policies: Vec<(String, Value)>,
}

fn spec_path(pod: &Pod<'_>) -> String {
    super::pod_path(pod, &[])
}

impl Graph {
    pub(super) fn observe(&mut self, obj: &Object, res: &ResourceRef) {
        let v = &obj.value;
        let ns = res.namespace.clone();
        match res.kind.as_str() {
            "Service" if res.api_version == "v1" => {
                let spec = v.get("spec");
                let external = spec.and_then(|s| s.get("type")).and_then(Value::as_str)
                    == Some("ExternalName");
                let selector = spec
                    .and_then(|s| s.get("selector"))
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if external || selector.is_empty() {
                    return;
                }
                let named_targets = spec
                    .and_then(|s| s.get("ports"))
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .enumerate()
                            .filter_map(|(i, p)| {
                                let t = p.get("targetPort")?.as_str()?;
                                t.parse::<i64>().is_err().then(|| (i, t.to_string()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                self.services.push(Service {
                    res: res.clone(),
                    source: obj.source.clone(),
                    selector,
                    named_targets,
                });
            }
            "ServiceAccount" if res.api_version == "v1" => {
                let auto = v
                    .get("automountServiceAccountToken")
                    .and_then(Value::as_bool);
                self.accounts.insert((ns, res.name.clone()), auto);
            }
            "RoleBinding" | "ClusterRoleBinding"
                if res.api_version.starts_with("rbac.authorization.k8s.io/") =>
            {
                for s in v
                    .get("subjects")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
                    let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                    match kind {
                        "ServiceAccount" => {
                            let sns = s
                                .get("namespace")
                                .and_then(Value::as_str)
                                .unwrap_or(&ns)
                                .to_string();
                            self.bound.insert((sns, name.to_string()));
                        }
                        "Group" => {
                            if name == "system:serviceaccounts" {
                                self.bound.insert(("*".into(), "*".into()));
                            } else if let Some(n) = name.strip_prefix("system:serviceaccounts:") {
                                self.bound.insert((n.to_string(), "*".into()));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "NetworkPolicy" if res.api_version == "networking.k8s.io/v1" => {
                let sel = v
                    .get("spec")
                    .and_then(|s| s.get("podSelector"))
                    .cloned()
                    .unwrap_or(Value::Object(Map::new()));
                self.policies.push((ns, sel));
            }
            _ => {
                let Some(pod) = pod_of(v) else {
                    return;
                };
                let mut port_names = Vec::new();
                for list in ["containers", "initContainers"] {
                    for c in pod
                        .spec
                        .get(list)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        for p in c
                            .get("ports")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                        {
                            if let Some(n) = p.get("name").and_then(Value::as_str) {
                                port_names.push(n.to_string());
                            }
                        }
                    }
                }
                let (sa_field, service_account) =
                    match pod.spec.get("serviceAccountName").and_then(Value::as_str) {
                        Some(s) => ("serviceAccountName", Some(s.to_string())),
                        None => (
                            "serviceAccount",
                            pod.spec
                                .get("serviceAccount")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                        ),
                    };
                let mut labels_parts: Vec<PathPart<'_>> = pod.path[..pod.path.len() - 1]
                    .iter()
                    .map(|k| PathPart::Key(k))
                    .collect();
                labels_parts.extend([PathPart::Key("metadata"), PathPart::Key("labels")]);
                self.workloads.push(Workload {
                    res: res.clone(),
                    source: obj.source.clone(),
                    labels: pod.labels.cloned().unwrap_or_default(),
                    port_names,
                    service_account: service_account.filter(|s| !s.is_empty()),
                    automount: pod
                        .spec
                        .get("automountServiceAccountToken")
                        .and_then(Value::as_bool),
                    spec_path: spec_path(&pod),
                    labels_path: crate::check::schema::path_of(&labels_parts),
                    sa_field,
                });
            }
        }
    }

    pub(super) fn finish(self) -> Vec<Finding> {
        let mut out = Vec::new();
        let push = |out: &mut Vec<Finding>,
                    rule: &'static str,
                    res: &ResourceRef,
                    source: &Source,
                    path: String,
                    message: String,
                    fix: String| {
            let obj = Object {
                value: Value::Null,
                source: source.clone(),
            };
            out.push(finding(rule, &obj, res, path, message, fix));
        };
        for s in &self.services {
            let selected: Vec<&Workload> = self
                .workloads
                .iter()
                .filter(|w| {
                    w.res.namespace == s.res.namespace
                        && s.selector.iter().all(|(k, v)| w.labels.get(k) == Some(v))
                })
                .collect();
            if selected.is_empty() {
                let sel = s
                    .selector
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ");
                push(
                    &mut out,
                    "service-selector",
                    &s.res,
                    &s.source,
                    "spec.selector".into(),
                    format!("the selector ({sel}) matches the pods of no rendered workload in the namespace, so the Service has no endpoints"),
                    "make spec.selector match the pod template labels of the workload it fronts".into(),
                );
                continue;
            }
            for (i, name) in &s.named_targets {
                if !selected.iter().any(|w| w.port_names.contains(name)) {
                    let who = selected
                        .iter()
                        .map(|w| w.res.to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    push(
                        &mut out,
                        "service-target-port",
                        &s.res,
                        &s.source,
                        crate::check::schema::path_of(&[
                            PathPart::Key("spec"),
                            PathPart::Key("ports"),
                            PathPart::Index(*i),
                            PathPart::Key("targetPort"),
                        ]),
                        format!("targetPort {name:?} is not a port name of the selected pods ({who}), so traffic to it goes nowhere"),
                        format!("name a container port {name:?} in the pod template, or use a declared port name or number"),
                    );
                }
            }
        }
        let bound = |ns: &str, name: &str| {
            self.bound.contains(&(ns.to_string(), name.to_string()))
                || self.bound.contains(&(ns.to_string(), "*".to_string()))
                || self.bound.contains(&("*".to_string(), "*".to_string()))
        };
        for w in &self.workloads {
            let ns = w.res.namespace.as_str();
            let sa = w.service_account.as_deref().unwrap_or("default");
            let rendered = self.accounts.get(&(ns.to_string(), sa.to_string()));
            if sa != "default" && rendered.is_none() {
                push(
                    &mut out,
                    "service-account-exists",
                    &w.res,
                    &w.source,
                    format!("{}.{}", w.spec_path, w.sa_field),
                    format!("ServiceAccount {sa:?} is not rendered in the namespace, so the pods will not be created"),
                    format!("add a ServiceAccount {sa} to the rendered resources, or use one that is"),
                );
            }
            let automount = w
                .automount
                .or_else(|| rendered.copied().flatten())
                .unwrap_or(true);
            if automount && !bound(ns, sa) {
                push(
                    &mut out,
                    "automount-token",
                    &w.res,
                    &w.source,
                    format!("{}.automountServiceAccountToken", w.spec_path),
                    format!("the pods mount an API token for ServiceAccount {sa:?}, which no rendered RoleBinding or ClusterRoleBinding grants anything: they do not seem to need the API"),
                    "set automountServiceAccountToken: false in the pod spec (or on the ServiceAccount)".into(),
                );
            }
            let covered = self
                .policies
                .iter()
                .any(|(pns, sel)| pns == ns && selector_matches(sel, &w.labels));
            if !covered {
                push(
                    &mut out,
                    "network-policy",
                    &w.res,
                    &w.source,
                    w.labels_path.clone(),
                    "no NetworkPolicy in the namespace selects these pods, so any pod in the cluster can reach them".into(),
                    "add a networking.k8s.io/v1 NetworkPolicy whose podSelector matches the pod labels and allows only the expected ingress".into(),
                );
            }
        }
        out
    }
}
