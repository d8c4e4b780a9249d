//! `replicas:`: set the replica count of the named workloads.

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::kustomization::Replica;
use crate::resource::ResMap;
use crate::schema::FieldSpec;

/// Sets `spec.replicas` (or the specs' paths) of resources named `rep.name`.
pub fn apply(m: &mut ResMap, rep: &Replica, specs: &[FieldSpec]) -> TransformResult {
    let mut found = false;
    // Cheap name test first, once per resource: `any_id` builds the current id.
    let named: Vec<bool> = m.iter().map(|r| r.has_had_name(&rep.name)).collect();
    for fs in specs {
        for (r, _) in m.iter_mut().zip(&named).filter(|(_, n)| **n) {
            if !r.any_id(|id| id.name == rep.name && fs.selects(&id.gvk)) {
                continue;
            }
            found = true;
            let create = CreateKind::when(fs.create, CreateKind::Scalar);
            // Kustomize overwrites the scalar's text and keeps its style: a count written
            // over a quoted (or block) string stays a string; a tag (`!!str 4`) is not kept.
            let tagged = r
                .tagged_strings
                .iter()
                .any(|p| p.iter().map(String::as_str).eq(fs.path.split('/')));
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                *node = if node.as_str().is_some_and(|s| !s.is_empty()) && !tagged {
                    Value::String(rep.count.to_string())
                } else {
                    Value::from(rep.count)
                };
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs
            .iter()
            .map(|f| crate::resource::gvk_string(&f.kind, &f.version, &f.group))
            .collect();
        return Err(format!(
            "resource with name {} does not match a config with the following GVK [{}]",
            rep.name,
            gvks.join(" ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Origin, Resource};
    use serde_json::json;

    #[test]
    fn sets_replicas_of_named_workloads_and_fails_when_none_matches() {
        let mut m = ResMap::new();
        if let Value::Object(o) = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "kagent"}, "spec": {}})
        {
            m.append(Resource::new(o, Origin::default())).unwrap();
        }
        let specs = &crate::schema::default_config().replicas;
        let rep = Replica {
            name: "kagent".into(),
            count: 5,
        };
        apply(&mut m, &rep, specs).unwrap();
        assert_eq!(m.get(0).unwrap().obj["spec"]["replicas"], 5);
        let missing = Replica {
            name: "nope".into(),
            count: 1,
        };
        let e = apply(&mut m, &missing, specs).unwrap_err();
        assert!(e.contains("resource with name nope"), "{e}");
    }
}
