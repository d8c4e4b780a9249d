//! The builtin ValueAddTransformer: writes one value into a field of the selected objects,
//! or inserts it as a part of a path held in that field (`filePathPosition`).

use serde_json::{Map, Value};

use super::patch::select;
use super::TransformResult;
use crate::kustomization::Selector;
use crate::resource::ResMap;
use crate::schema::is_cluster_scoped;

/// One target of the transformer.
#[derive(Debug, Clone)]
pub struct Target {
    /// Which objects (all when `None`).
    pub selector: Option<Selector>,
    /// The field, as a `/`-separated path (`\/` escapes a slash).
    pub field_path: String,
    /// 0: replace the value; n > 0: insert the value as the n-th part of the path held.
    pub file_path_position: usize,
}

/// Applies `value` to every target.
pub fn apply(m: &mut ResMap, value: &str, targets: &[Target]) -> TransformResult {
    for t in targets {
        let chosen: Vec<usize> = match &t.selector {
            Some(s) => select(m, s)?,
            None => (0..m.len()).collect(),
        };
        for i in chosen {
            let Some(r) = m.get_mut(i) else { continue };
            if t.field_path == "metadata/namespace" {
                // Kustomize runs its namespace filter here, without field specs.
                let gvk = r.gvk();
                if !is_cluster_scoped(&gvk) {
                    r.metadata_mut()
                        .insert("namespace".into(), Value::String(value.to_string()));
                }
                if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding" {
                    if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
                        for s in subjects.iter_mut().filter_map(Value::as_object_mut) {
                            if s.get("name").and_then(Value::as_str) == Some("default") {
                                s.insert("namespace".into(), Value::String(value.to_string()));
                            }
                        }
                    }
                }
                continue;
            }
            let id = r.id();
            let fields = split_escaped(&t.field_path);
            let Some(node) = lookup_create(&mut r.obj, &fields)
                .map_err(|e| format!("ValueAddTransformer on {id}: {e}"))?
            else {
                continue;
            };
            let current = match &*node {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return Err(format!(
                        "ValueAddTransformer on {id}: field {:?} is not a scalar",
                        t.field_path
                    ))
                }
            };
            let text = if t.file_path_position > 0 {
                insert_path_part(&current, t.file_path_position - 1, value)
            } else {
                value.to_string()
            };
            // Kustomize writes the text as a new plain scalar: `5` prints as a number.
            *node = match crate::yaml::parse::resolve_plain(&text) {
                v @ (Value::Number(_) | Value::Bool(_)) => v,
                _ => Value::String(text),
            };
        }
    }
    // Annotations stay strings.
    super::metadata::stringify_annotations(m);
    m.reindex();
    Ok(())
}

/// Splits a field path on `/`, joining parts whose predecessor ends in `\`.
fn split_escaped(path: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for f in path.split('/') {
        match fields.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(f);
            }
            _ => fields.push(f.to_string()),
        }
    }
    fields
}

/// The scalar at `fields`, creating missing maps and the field itself (as null); a
/// number steps into a list (kyaml's path lookup): a missing field before a number is
/// created as an empty list, and an element that does not exist ends the walk (`None`).
fn lookup_create<'a>(
    obj: &'a mut Map<String, Value>,
    fields: &[String],
) -> Result<Option<&'a mut Value>, String> {
    let Some((first, rest)) = fields.split_first() else {
        return Err("fieldPath cannot be empty".into());
    };
    let mut cur = obj.entry(first.clone()).or_insert(Value::Null);
    let mut at = first;
    for f in rest {
        let index = f.parse::<usize>().ok();
        if cur.is_null() {
            *cur = if index.is_some() {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
        }
        cur = match cur {
            Value::Object(m) => m.entry(f.clone()).or_insert(Value::Null),
            Value::Array(items) => match index.and_then(|i| items.get_mut(i)) {
                Some(item) => item,
                None if index.is_some() => return Ok(None),
                None => return Err(format!("list {at:?} has no element {f:?}")),
            },
            _ => return Err(format!("field {at:?} is not a mapping")),
        };
        at = f;
    }
    Ok(Some(cur))
}

/// Kustomize's `InsertPathPart`: `part` inserted as the `pos`-th part of `path`.
fn insert_path_part(path: &str, pos: usize, part: &str) -> String {
    if part.is_empty() {
        return path.to_string();
    }
    let mut parts: Vec<&str> = match path {
        "" => Vec::new(),
        "/" => vec![""],
        p => p.split('/').collect(),
    };
    let mut pos = pos.min(parts.len());
    if parts.first() == Some(&"") && pos < parts.len() {
        pos += 1;
    }
    parts.insert(pos, part);
    if parts.first() == Some(&"") {
        format!("/{}", join_clean(&parts[1..]))
    } else {
        join_clean(&parts)
    }
}

/// Go's `filepath.Join` of relative parts: empty parts dropped, then cleaned.
fn join_clean(parts: &[&str]) -> String {
    let joined: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if joined.is_empty() {
        return String::new();
    }
    let text = joined.join("/");
    let mut out: Vec<&str> = Vec::new();
    for seg in text.split('/') {
        match seg {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts_insert_like_kustomize() {
        assert_eq!(insert_path_part("a/b/c", 0, "x"), "x/a/b/c");
        assert_eq!(insert_path_part("a/b/c", 2, "x"), "a/b/x/c");
        assert_eq!(insert_path_part("a/b/c", 9, "x"), "a/b/c/x");
        assert_eq!(insert_path_part("/a/b", 0, "x"), "/x/a/b");
        assert_eq!(insert_path_part("", 0, "x"), "x");
        assert_eq!(insert_path_part("a//b", 1, "x"), "a/x/b");
        assert_eq!(insert_path_part("a/b", 1, ""), "a/b");
    }

    #[test]
    fn escaped_slashes_stay_in_one_field() {
        assert_eq!(
            split_escaped("metadata/annotations/a\\/b"),
            ["metadata", "annotations", "a/b"]
        );
    }
}
