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
