//! Fields hidden under null nodes (see [`crate::resource::Hidden`]): a replacement with `create` appends
//! a field to a null node, which still prints as null. A field-spec transformer that
//! creates fields (labels, annotations, namespace, replicas, ...) turns a null node it
//! passes into a map (kyaml's field-spec filter sets the node's kind and tag), and every
//! field hidden there appears, next to what the transformer created. Anything else that
//! changes the node (a patch, a replacement writing the node itself) drops them.

use serde_json::{Map, Value};

use super::fieldpath::Seg;
use super::TransformResult;
use crate::resource::ResMap;

/// After a step: shows the hidden fields of null nodes the step turned into maps (when
/// `reveal`: a field-spec transformer ran), keeps those of nodes still null, drops the
/// rest. Fails as Kustomize does when two hidden fields of one node have the same name
/// (each replacement appends its own: the map then has a key twice).
pub(crate) fn settle(m: &mut ResMap, reveal: bool) -> TransformResult {
    for r in m.iter_mut() {
        if r.hidden.is_empty() {
            continue;
        }
        let hidden = std::mem::take(&mut r.hidden);
        let mut keep = Vec::new();
        let mut seen: Vec<&[Seg]> = Vec::new();
        for h in &hidden {
            if seen.contains(&h.at.as_slice()) {
                continue;
            }
            seen.push(&h.at);
            let group = hidden.iter().filter(|x| x.at == h.at);
            match node_at_mut(&mut r.obj, &h.at) {
                Some(Value::Null) => keep.extend(group.cloned()),
                Some(Value::Object(created)) if reveal => {
                    let mut shown = Map::new();
                    for g in group {
                        if shown.contains_key(&g.key) {
                            return Err(format!(
                                "{}: mapping key {:?} already defined (two replacements created it under a field that was null)",
                                r.id(),
                                g.key
                            ));
                        }
                        shown.insert(g.key.clone(), g.value.clone());
                    }
                    for (k, v) in std::mem::take(created) {
                        merge(&mut shown, k, v);
                    }
                    *created = shown;
                }
                _ => {}
            }
        }
        r.hidden = keep;
    }
    Ok(())
}

/// Drops every hidden field of the objects (a JSON round trip loses them).
pub(crate) fn forget(r: &mut crate::resource::Resource) {
    r.hidden.clear();
}

/// Adds what the transformer created to the shown fields: it walked into a hidden field
/// of the same name rather than making another.
fn merge(shown: &mut Map<String, Value>, key: String, v: Value) {
    match (shown.get_mut(&key), v) {
        (Some(Value::Object(old)), Value::Object(new)) => {
            for (k, v) in new {
                merge(old, k, v);
            }
        }
        (Some(_), _) => {}
        (None, v) => {
            shown.insert(key, v);
        }
    }
}

fn node_at_mut<'a>(obj: &'a mut Map<String, Value>, at: &[Seg]) -> Option<&'a mut Value> {
    let (first, rest) = at.split_first()?;
    let Seg::Key(k) = first else { return None };
    super::fieldpath::node_at_mut(obj.get_mut(k)?, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{resmap, Hidden};
    use serde_json::json;

    fn with_hidden(hidden: Vec<Hidden>) -> ResMap {
        let mut m = resmap(vec![json!({"apiVersion": "v1", "kind": "Foo",
            "metadata": {"name": "a"}, "spec": {"m": null}})]);
        if let Some(r) = m.get_mut(0) {
            r.hidden = hidden;
        }
        m
    }

    fn hidden(key: &str, value: Value) -> Hidden {
        Hidden {
            at: vec![Seg::Key("spec".into()), Seg::Key("m".into())],
            key: key.into(),
            value,
        }
    }

    #[test]
    fn shown_when_the_null_node_becomes_a_map() {
        let mut m = with_hidden(vec![
            hidden("y", json!({"z": "v"})),
            hidden("q", json!("v")),
        ]);
        settle(&mut m, true).unwrap();
        assert_eq!(m.get(0).unwrap().hidden.len(), 2, "still null: kept");
        m.get_mut(0).unwrap().obj["spec"]["m"] = json!({"y": {"lab": {"k": "v"}}});
        settle(&mut m, true).unwrap();
        let r = m.get(0).unwrap();
        assert_eq!(
            r.obj["spec"]["m"],
            json!({"q": "v", "y": {"z": "v", "lab": {"k": "v"}}})
        );
        assert!(r.hidden.is_empty());
    }

    #[test]
    fn dropped_by_other_changes_and_twice_a_key_fails() {
        let mut m = with_hidden(vec![hidden("y", json!("v"))]);
        m.get_mut(0).unwrap().obj["spec"]["m"] = json!({"w": 1});
        settle(&mut m, false).unwrap();
        assert_eq!(m.get(0).unwrap().obj["spec"]["m"], json!({"w": 1}));
        let mut m = with_hidden(vec![hidden("y", json!("v")), hidden("y", json!("w"))]);
        m.get_mut(0).unwrap().obj["spec"]["m"] = json!({});
        assert!(settle(&mut m, true)
            .unwrap_err()
            .contains("already defined"));
    }
}
