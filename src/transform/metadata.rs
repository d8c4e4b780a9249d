//! Labels and annotations: add string pairs at every field spec's path.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::resource::ResMap;
use crate::schema::FieldSpec;

/// Adds `pairs` to the maps that `specs` point at in every resource.
pub fn add_pairs(
    m: &mut ResMap,
    pairs: &BTreeMap<String, String>,
    specs: &[FieldSpec],
) -> TransformResult {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in m.iter_mut() {
        let gvk = r.gvk();
        // Per key, the fields this call creates: Kustomize puts one node into all of them.
        let mut created: Vec<Vec<Vec<String>>> = vec![Vec::new(); pairs.len()];
        for fs in specs.iter().filter(|fs| fs.selects(&gvk)) {
            let keys = key_path(&fs.path);
            let before: Vec<bool> = match &keys {
                Some(keys) => pairs
                    .keys()
                    .map(|k| r.has_path(&with_key(keys, k)))
                    .collect(),
                None => Vec::new(),
            };
            let create = CreateKind::when(fs.create, CreateKind::Map);
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                set_pairs(node, pairs)
            })
            .map_err(|e| format!("considering field '{}' of {}: {e}", fs.path, r.id()))?;
            if let Some(keys) = &keys {
                for ((k, existed), c) in pairs.keys().zip(before).zip(created.iter_mut()) {
                    let path = with_key(keys, k);
                    if !existed && r.has_path(&path) {
                        c.push(path);
                    }
                }
            }
        }
        // Fields that already held a shared value were updated in place.
        r.sync_shared();
        for paths in created {
            r.share(paths);
        }
    }
    Ok(())
}

/// The mapping keys of a field-spec path, if it is only that (no lists, no escapes).
fn key_path(path: &str) -> Option<Vec<String>> {
    if path.contains("[]") || path.contains('\\') {
        return None;
    }
    Some(
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    )
}

fn with_key(keys: &[String], k: &str) -> Vec<String> {
    let mut p = keys.to_vec();
    p.push(k.to_string());
    p
}

fn set_pairs(node: &mut Value, pairs: &BTreeMap<String, String>) -> TransformResult {
    if node.is_null() {
        *node = Value::Object(Default::default());
    }
    match node {
        Value::Object(map) => {
            for (k, v) in pairs {
                match map.get_mut(k) {
                    Some(old) => *old = Value::String(v.clone()),
                    None => {
                        map.insert(k.clone(), Value::String(v.clone()));
                    }
                }
            }
            Ok(())
        }
        _ => Err("expected a mapping for labels or annotations".into()),
    }
}

/// Kustomize writes every object's annotations back as strings before it prints (a
/// number or boolean put there by a replacement or a var keeps only its text).
pub(crate) fn stringify_annotations(m: &mut ResMap) {
    for r in m.iter_mut() {
        let Some(Value::Object(a)) = r
            .obj
            .get_mut("metadata")
            .and_then(|md| md.get_mut("annotations"))
        else {
            continue;
        };
        for v in a.values_mut() {
            let text = match &*v {
                Value::String(_) => continue,
                Value::Null => "null".to_string(),
                other => super::fieldpath::scalar_text(other),
            };
            *v = Value::String(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resmap;
    use serde_json::json;

    #[test]
    fn common_labels_reach_selectors_and_templates() {
        let mut m = resmap(vec![json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {}}}
        })]);
        let pairs = BTreeMap::from([("app".to_string(), "x".to_string())]);
        add_pairs(
            &mut m,
            &pairs,
            &crate::schema::default_config().common_labels,
        )
        .unwrap();
        let o = m.get(0).unwrap();
        assert_eq!(o.obj["metadata"]["labels"]["app"], "x");
        assert_eq!(o.obj["spec"]["selector"]["matchLabels"]["app"], "x");
        assert_eq!(o.obj["spec"]["template"]["metadata"]["labels"]["app"], "x");
    }
}
