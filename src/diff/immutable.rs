//! Changes that `kubectl apply` cannot make to a live object.
//!
//! The API server refuses updates to some fields once an object exists: a workload's
//! selector, most of a StatefulSet's spec, a Job's pod template, a bound claim's spec, a
//! binding's `roleRef`, a Service's cluster IP, the data of a ConfigMap or Secret marked
//! `immutable`. A render that changes one of them applies cleanly to a new cluster and fails
//! on every existing one ("field is immutable", "Forbidden: updates to statefulset spec ...").
//! Kustomize cannot warn about it because it sees one side only; a diff sees both. The rules
//! here follow the update validation of Kubernetes 1.32 and compare the rendered objects
//! as written: where the API server fills in a default (a StatefulSet's
//! `podManagementPolicy`, a Secret's `type`), a side that omits the field counts as the
//! default.

use serde_json::Value;

use super::mask::KeyStatus;
use super::{Entry, Status};

/// One field of a changed object that an update may not change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Immutable {
    /// The field path, in the diff's dotted form (`spec.selector`).
    pub path: String,
    /// Why the API server refuses the change, and what to do instead.
    pub reason: String,
}

/// StatefulSet spec fields an update may change (Kubernetes 1.32); every other spec field
/// is fixed at creation.
const STATEFULSET_MUTABLE: [&str; 6] = [
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// PersistentVolumeClaim spec fields an update may change (expansion, attribute class).
const PVC_MUTABLE: [&str; 2] = ["resources", "volumeAttributesClassName"];

/// StorageClass fields fixed at creation.
const STORAGECLASS_FIXED: [&str; 4] = [
    "provisioner",
    "parameters",
    "reclaimPolicy",
    "volumeBindingMode",
];

/// The fields of a changed resource that `kubectl apply` cannot change in place. Empty for
/// added and removed resources, and for renames (a new name is a new object).
pub fn immutable_changes(e: &Entry) -> Vec<Immutable> {
    if e.status != Status::Changed || e.old_name.is_some() || e.old_namespace.is_some() {
        return Vec::new();
    }
    let (Some(old), Some(new)) = (e.old.as_deref(), e.new.as_deref()) else {
        return Vec::new();
    };
    let group = e
        .key
        .api_version
        .rsplit_once('/')
        .map_or("", |(group, _)| group);
    let kind = e.key.kind;
    let mut out = Vec::new();
    let mut flag = |path: &str, reason: String| {
        out.push(Immutable {
            path: path.to_string(),
            reason,
        })
    };
    match (group, kind) {
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet")
            if differs(old, new, &["spec", "selector"], None) =>
        {
            flag(
                "spec.selector",
                format!(
                    "a {kind}'s selector is immutable: `kubectl apply` fails (\"field is immutable\"); \
                     delete the {kind} (`kubectl delete --cascade=orphan` keeps its pods) and apply again, \
                     or give it a new name"
                ),
            );
        }
        ("apps", "StatefulSet") => {
            for key in spec_keys(old, new) {
                if STATEFULSET_MUTABLE.contains(&key.as_str()) {
                    continue;
                }
                let default = match key.as_str() {
                    "podManagementPolicy" => Some(Value::from("OrderedReady")),
                    "revisionHistoryLimit" => Some(Value::from(10)),
                    "serviceName" => Some(Value::from("")),
                    "volumeClaimTemplates" => Some(Value::Array(Vec::new())),
                    _ => None,
                };
                if differs(old, new, &["spec", &key], default.as_ref()) {
                    flag(
                        &format!("spec.{key}"),
                        "the API server forbids updates to StatefulSet spec fields other than \
                         replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy \
                         and minReadySeconds: `kubectl apply` fails; delete the StatefulSet with \
                         `kubectl delete --cascade=orphan` (pods and volumes stay) and apply again"
                            .to_string(),
                    );
                }
            }
        }
        ("batch", "Job") => {
            for key in ["selector", "template", "completionMode"] {
                if differs(old, new, &["spec", key], None) {
                    flag(
                        &format!("spec.{key}"),
                        format!(
                            "a Job's spec.{key} is immutable: `kubectl apply` fails (\"field is immutable\"); \
                             delete the Job and apply again, or give it a new name"
                        ),
                    );
                }
            }
        }
        ("", "Service") => {
            let ip = |v: &Value| {
                v.pointer("/spec/clusterIP")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            if let (Some(a), Some(b)) = (ip(old), ip(new)) {
                if a != b {
                    flag(
                        "spec.clusterIP",
                        "a Service's cluster IP cannot change once set (`None` for headless included): \
                         `kubectl apply` fails; delete and re-create the Service (its address changes)"
                            .to_string(),
                    );
                }
            }
        }
        ("", "ConfigMap") if is_immutable(old) => {
            for field in ["data", "binaryData"] {
                if differs(old, new, &[field], None) {
                    flag(field, immutable_data_reason(kind));
                }
            }
            if !is_immutable(new) {
                flag("immutable", immutable_data_reason(kind));
            }
        }
        ("", "Secret") => {
            let opaque = Value::from("Opaque");
            if differs(old, new, &["type"], Some(&opaque)) {
                flag(
                    "type",
                    "a Secret's type is immutable: `kubectl apply` fails; delete and re-create the Secret"
                        .to_string(),
                );
            }
            if is_immutable(old) {
                let mut fields: Vec<&str> = e
                    .secret_keys
                    .iter()
                    .filter(|k| {
                        k.status != KeyStatus::Unchanged && k.field != "metadata.annotations"
                    })
                    .map(|k| k.field)
                    .collect();
                fields.dedup();
                for field in fields {
                    flag(field, immutable_data_reason(kind));
                }
                if !is_immutable(new) {
                    flag("immutable", immutable_data_reason(kind));
                }
            }
        }
        ("", "PersistentVolumeClaim") => {
            for key in spec_keys(old, new) {
                if !PVC_MUTABLE.contains(&key.as_str()) && differs(old, new, &["spec", &key], None)
                {
                    flag(
                        &format!("spec.{key}"),
                        "a PersistentVolumeClaim's spec is immutable after creation except \
                         resources.requests (expansion) and volumeAttributesClassName: `kubectl apply` fails"
                            .to_string(),
                    );
                }
            }
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding")
            if differs(old, new, &["roleRef"], None) =>
        {
            flag(
                "roleRef",
                format!(
                    "a {kind}'s roleRef cannot change: `kubectl apply` fails; delete the {kind} and apply again"
                ),
            );
        }
        ("storage.k8s.io", "StorageClass") => {
            for key in STORAGECLASS_FIXED {
                if differs(old, new, &[key], None) {
                    flag(
                        key,
                        format!(
                            "a StorageClass's {key} cannot change: `kubectl apply` fails; delete and re-create \
                             the StorageClass (existing volumes keep their settings)"
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    out
}

/// One note per immutable change of a report's resources, for the section's notes (shown
/// in every format, ahead of the resources a size-limited comment may leave out).
pub fn notes(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .flat_map(|e| {
            immutable_changes(e).into_iter().map(move |c| {
                format!(
                    "`kubectl apply` will fail on a live cluster: {} {} cannot change in place",
                    e.key, c.path
                )
            })
        })
        .collect()
}

fn immutable_data_reason(kind: &str) -> String {
    format!(
        "the {kind} is marked immutable: its data cannot change and `immutable: true` cannot be \
         removed; delete and re-create it, or generate it (the hash suffix gives every version a \
         new name)"
    )
}

fn is_immutable(v: &Value) -> bool {
    v.get("immutable").and_then(Value::as_bool) == Some(true)
}

/// The keys of `spec` on either side, sorted, without repeats.
fn spec_keys(old: &Value, new: &Value) -> Vec<String> {
    let mut keys: Vec<String> = [old, new]
        .iter()
        .filter_map(|v| v.get("spec").and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether the value at `path` differs between the sides; a missing value counts as
/// `default` when one is given.
fn differs(old: &Value, new: &Value, path: &[&str], default: Option<&Value>) -> bool {
    let at = |v: &Value| {
        path.iter()
            .try_fold(v, |v, key| v.get(*key))
            .or(default)
            .cloned()
    };
    at(old) != at(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff_sets;
    use serde_json::json;

    fn changes(old: Value, new: Value) -> Vec<String> {
        let (old, new) = (vec![old], vec![new]);
        let report = diff_sets(&old, &new);
        report
            .entries
            .iter()
            .flat_map(immutable_changes)
            .map(|c| c.path)
            .collect()
    }

    fn sts(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}, "spec": spec})
    }

    #[test]
    fn statefulset_fields_outside_the_mutable_set() {
        let old = sts(json!({"replicas": 1, "serviceName": "a", "template": {"x": 1}}));
        let new = sts(
            json!({"replicas": 3, "serviceName": "b", "template": {"x": 2},
                             "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10}),
        );
        assert_eq!(changes(old.clone(), new), ["spec.serviceName"]);
        let parallel = sts(
            json!({"replicas": 1, "serviceName": "a", "template": {"x": 1},
                                  "podManagementPolicy": "Parallel"}),
        );
        assert_eq!(changes(old, parallel), ["spec.podManagementPolicy"]);
    }

    #[test]
    fn selectors_roles_and_jobs() {
        let dep = |app: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}}}})
        };
        assert_eq!(changes(dep("a"), dep("b")), ["spec.selector"]);
        let mut scaled = dep("a");
        scaled["spec"]["replicas"] = json!(2);
        assert!(changes(dep("a"), scaled).is_empty());

        let rb = |role: &str| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                    "metadata": {"name": "r"}, "roleRef": {"kind": "Role", "name": role}})
        };
        assert_eq!(changes(rb("a"), rb("b")), ["roleRef"]);

        let job = |image: &str| {
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                                      "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}})
        };
        assert_eq!(changes(job("a:1"), job("a:2")), ["spec.template"]);
    }

    #[test]
    fn immutable_config_and_secret_types() {
        let cm = |imm: bool, v: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                            "immutable": imm, "data": {"k": v}})
        };
        assert_eq!(changes(cm(true, "1"), cm(true, "2")), ["data"]);
        assert!(changes(cm(false, "1"), cm(false, "2")).is_empty());
        assert_eq!(changes(cm(true, "1"), cm(false, "1")), ["immutable"]);

        let secret = |t: Option<&str>| {
            let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "YQ=="}, "immutable": true});
            if let Some(t) = t {
                s["type"] = json!(t);
            }
            s
        };
        assert!(changes(secret(None), secret(Some("Opaque"))).is_empty());
        assert_eq!(
            changes(secret(None), secret(Some("kubernetes.io/tls"))),
            ["type"]
        );
        let mut changed = secret(None);
        changed["data"]["k"] = json!("Yg==");
        assert_eq!(changes(secret(None), changed), ["data"]);
    }

    #[test]
    fn renames_and_new_objects_are_not_updates() {
        let cm = |name: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
                                    "immutable": true, "data": {"k": name}})
        };
        assert!(changes(cm("c-742d79c4gt"), cm("c-5b6bk2g7hc")).is_empty());
    }
}
