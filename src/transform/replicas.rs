//! `replicas:`: set the replica count of the named workloads.

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::kustomization::Replica;
use crate::resource::ResMap;
use crate::schema::FieldSpec;
use crate::yaml::parse::QuotedScalars;

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
            // Selected by any id, written only when the current kind still matches the
            // field spec (a patch may have changed it), as Kustomize's field-spec filter.
            if !fs.selects(&r.gvk()) {
                continue;
            }
            let create = CreateKind::when(fs.create, CreateKind::Null);
            // Kustomize writes an `!!int` node with the old scalar's style: a count written
            // over a string quoted (or a block scalar) without a tag stays a string; over a
            // tagged one (`!!str 4`, `!!str "4"`, where the `!!int` tag is printed) or a
            // plain one (`abc`, or a patch's `"4"` under a plain style) it is a number.
            let path: Vec<String> = fs.path.split('/').map(str::to_string).collect();
            let styles = QuotedScalars {
                quoted: &r.quoted_strings,
                tagged: &r.tagged_strings,
                plain: &r.plain_strings,
            };
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                *node = match node.as_str() {
                    Some(s) if styles.is_quoted(&path, s) => Value::String(rep.count.to_string()),
                    _ => Value::from(rep.count),
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
