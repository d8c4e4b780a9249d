//! The namespace transformer: sets `metadata.namespace` on namespaced objects, renames
//! Namespace objects, and follows the extra namespace fields Kustomize knows.

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::resource::ResMap;
use crate::schema::{is_cluster_scoped, FieldSpec};

/// Moves every resource of `m` into namespace `ns`.
pub fn apply(m: &mut ResMap, ns: &str, specs: &[FieldSpec]) -> TransformResult {
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
            r.metadata_mut()
                .insert("namespace".into(), Value::String(ns.to_string()));
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding {
            if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
                for s in subjects.iter_mut() {
                    if let Value::Object(s) = s {
                        if s.get("name").and_then(Value::as_str) == Some("default") {
                            s.insert("namespace".into(), Value::String(ns.to_string()));
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
            .filter(|fs| !(is_binding && fs.path == "subjects/namespace"));
        for fs in extra {
            let create = CreateKind::when(fs.create, CreateKind::Scalar);
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                *node = Value::String(ns.to_string());
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
    use crate::resource::{Origin, Resource};
    use serde_json::json;

    fn resmap(objs: Vec<Value>) -> ResMap {
        let mut m = ResMap::new();
        for o in objs {
            if let Value::Object(o) = o {
                m.append(Resource::new(o, Origin::default())).unwrap();
            }
        }
        m
    }

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
