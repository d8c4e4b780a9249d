//! The namespace transformer: sets `metadata.namespace` on namespaced objects, renames
//! Namespace objects, and follows the extra namespace fields Kustomize knows.

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::resource::ResMap;
use crate::schema::{is_cluster_scoped, FieldSpec};

/// Which RoleBinding and ClusterRoleBinding subjects get the namespace
/// (`setRoleBindingSubjects` of the builtin NamespaceTransformer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectMode {
    /// `defaultOnly` (and unset): subjects named `default`.
    #[default]
    DefaultOnly,
    /// `allServiceAccounts`: subjects of kind `ServiceAccount`.
    AllServiceAccounts,
    /// `none`: no subject.
    None,
}

impl SubjectMode {
    /// Reads a `setRoleBindingSubjects` value as Kustomize does (empty means `defaultOnly`).
    pub fn parse(s: &str) -> Result<SubjectMode, String> {
        match s {
            "" | "defaultOnly" => Ok(SubjectMode::DefaultOnly),
            "allServiceAccounts" => Ok(SubjectMode::AllServiceAccounts),
            "none" => Ok(SubjectMode::None),
            other => Err(format!(
                "invalid value {other:?} for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
            )),
        }
    }
}

/// Options of the namespace transformer beyond the namespace itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct NsOptions {
    /// `unsetOnly`: only fields that are missing or empty are set.
    pub unset_only: bool,
    /// `setRoleBindingSubjects`.
    pub subjects: SubjectMode,
}

/// Writes `ns` into `node` unless `unset_only` and the node already holds a non-empty
/// scalar (Kustomize's `SetEntryIfEmpty`).
fn set_ns(node: &mut Value, ns: &str, unset_only: bool) {
    if unset_only && !is_blank(node) {
        return;
    }
    *node = Value::String(ns.to_string());
}

/// What `unsetOnly` may overwrite: a missing or empty field (and, as in Kustomize, a
/// mapping or sequence, which holds no scalar value).
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null | Value::Array(_) | Value::Object(_) => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// Moves every resource of `m` into namespace `ns` (the kustomization's `namespace:`).
pub fn apply(m: &mut ResMap, ns: &str, specs: &[FieldSpec]) -> TransformResult {
    apply_with(m, ns, specs, NsOptions::default())
}

/// Moves every resource of `m` into namespace `ns`, with the NamespaceTransformer's options.
pub fn apply_with(
    m: &mut ResMap,
    ns: &str,
    specs: &[FieldSpec],
    opts: NsOptions,
) -> TransformResult {
    if ns.is_empty() {
        return Ok(());
    }
    for r in m.iter_mut() {
        if r.obj.is_empty() {
            continue;
        }
        r.remember_id();
        let gvk = r.gvk();
        let api_version = gvk.api_version();
        let id = r.id();
        if !is_cluster_scoped(&gvk) {
            let md = r.metadata_mut();
            set_ns(
                md.entry("namespace").or_insert(Value::Null),
                ns,
                opts.unset_only,
            );
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && opts.subjects != SubjectMode::None {
            if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
                for s in subjects.iter_mut() {
                    if let Value::Object(s) = s {
                        let chosen = match opts.subjects {
                            SubjectMode::DefaultOnly => {
                                s.get("name").and_then(Value::as_str) == Some("default")
                            }
                            _ => s.get("kind").and_then(Value::as_str) == Some("ServiceAccount"),
                        };
                        if chosen {
                            set_ns(
                                s.entry("namespace").or_insert(Value::Null),
                                ns,
                                opts.unset_only,
                            );
                        }
                    }
                }
            }
        }
        let extra = specs
            .iter()
            .filter(|fs| fs.selects(&gvk))
            .filter(|fs| fs.path != "metadata/namespace")
            .filter(|fs| api_version == "v1" || fs.path != "metadata/name")
            .filter(|fs| {
                !(matches!(&*fs.kind, "RoleBinding" | "ClusterRoleBinding")
                    && fs.path == "subjects/namespace")
            });
        for fs in extra {
            let create = CreateKind::when(fs.create, CreateKind::Scalar);
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                set_ns(node, ns, opts.unset_only);
                Ok(())
            })
            .map_err(|e| format!("namespace transformation failed on {id}: {e}"))?;
        }
    }
    m.reindex();
    if let Some(id) = m.find_conflict() {
        return Err(format!(
            "namespace transformation produces ID conflict: {id}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resmap;
    use serde_json::json;

    #[test]
    fn namespaced_objects_move_cluster_scoped_stay_namespaces_are_renamed() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "old"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "old"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b"},
                   "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "x"},
                                {"kind": "ServiceAccount", "name": "other", "namespace": "x"}]}),
        ]);
        apply(&mut m, "new", &crate::schema::default_config().name_space).unwrap();
        assert_eq!(m.get(0).unwrap().namespace(), "new");
        assert_eq!(m.get(0).unwrap().orig_id().namespace, "old");
        assert_eq!(m.get(1).unwrap().namespace(), "");
        assert_eq!(m.get(2).unwrap().name(), "new");
        let subjects = &m.get(3).unwrap().obj["subjects"];
        assert_eq!(subjects[0]["namespace"], "new");
        assert_eq!(subjects[1]["namespace"], "x");
    }

    #[test]
    fn moving_two_objects_onto_one_id_is_an_error() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "b"}}),
        ]);
        let e = apply(&mut m, "z", &[]).unwrap_err();
        assert!(e.contains("ID conflict"), "{e}");
    }
}
