//! Walking a field spec's path through an object (Kustomize's fieldspec filter):
//! sequences are entered element by element, missing fields are created when asked.

use serde_json::{Map, Value};

/// What to create at the end of a path when the field is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// Nothing: missing fields are skipped.
    None,
    /// An empty mapping (labels, annotations).
    Map,
    /// An empty string scalar (names, images).
    Scalar,
    /// A null scalar that the setter fills (replicas).
    Null,
}

/// Splits a field-spec path on `/`, honouring `\/` escapes and a leading `/`.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 1 && parts[0].is_empty() {
        parts.remove(0);
    }
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    for p in parts {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(p);
            }
            _ => out.push(p.to_string()),
        }
    }
    out
}

/// Calls `set` on every node that `path` reaches in `node`.
pub fn visit<S, F>(
    node: &mut Value,
    path: &[S],
    create: CreateKind,
    set: &mut F,
) -> Result<(), String>
where
    S: AsRef<str>,
    F: FnMut(&mut Value) -> Result<(), String>,
{
    let Some((head, rest)) = path.split_first() else {
        return set(node);
    };
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                visit(item, path, create, set)?;
            }
            Ok(())
        }
        Value::Object(map) => visit_map(map, head.as_ref(), rest, create, set),
        _ => Err(format!(
            "expected sequence or mapping node at '{}'",
            head.as_ref()
        )),
    }
}

fn visit_map<S, F>(
    map: &mut Map<String, Value>,
    head: &str,
    rest: &[S],
    create: CreateKind,
    set: &mut F,
) -> Result<(), String>
where
    S: AsRef<str>,
    F: FnMut(&mut Value) -> Result<(), String>,
{
    let (name, is_seq) = match head.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (head, false),
    };
    if name.is_empty() {
        return Err("cannot set or create an empty field name".into());
    }
    let make: Option<Value> = if create == CreateKind::None || is_seq {
        if is_seq {
            Some(Value::Array(Vec::new()))
        } else {
            None
        }
    } else if rest.is_empty() {
        Some(match create {
            CreateKind::Map => Value::Object(Map::new()),
            CreateKind::Scalar => Value::String(String::new()),
            _ => Value::Null,
        })
    } else {
        Some(Value::Object(Map::new()))
    };
    let creating = create != CreateKind::None && !is_seq;
    if creating && !map.contains_key(name) {
        map.insert(name.to_string(), Value::Null);
    }
    let Some(field) = map.get_mut(name) else {
        return Ok(());
    };
    if field.is_null() {
        if let Some(m) = make {
            if !(m.is_null()) {
                *field = m;
            }
        }
    }
    visit(field, rest, create, set)
}

impl CreateKind {
    /// `kind` when the field spec asks to create missing fields, else [`CreateKind::None`].
    pub fn when(create: bool, kind: CreateKind) -> CreateKind {
        if create {
            kind
        } else {
            CreateKind::None
        }
    }
}

/// [`visit_spec`] on an object held as a map (a resource's `obj`).
pub fn visit_object<F>(
    obj: &mut Map<String, Value>,
    path: &str,
    create: CreateKind,
    set: &mut F,
) -> Result<(), String>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    let mut v = Value::Object(std::mem::take(obj));
    let res = visit_spec(&mut v, path, create, set);
    if let Value::Object(o) = v {
        *obj = o;
    }
    res
}

/// Splits a path string and visits it.
pub fn visit_spec<F>(
    node: &mut Value,
    path: &str,
    create: CreateKind,
    set: &mut F,
) -> Result<(), String>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    if path.contains('\\') {
        return visit(node, &split_path(path), create, set);
    }
    // No escapes: borrow the segments rather than allocating each (same split), on the
    // stack for the usual short paths.
    let mut buf = [""; 16];
    let mut n = 0;
    for seg in path.split('/') {
        if n == buf.len() {
            let mut parts: Vec<&str> = path.split('/').collect();
            if parts.len() > 1 && parts[0].is_empty() {
                parts.remove(0);
            }
            return visit(node, &parts, create, set);
        }
        buf[n] = seg;
        n += 1;
    }
    let parts = if n > 1 && buf[0].is_empty() {
        &buf[1..n]
    } else {
        &buf[..n]
    };
    visit(node, parts, create, set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enters_sequences_and_creates_maps() {
        let mut v = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        let mut seen = Vec::new();
        visit_spec(
            &mut v,
            "spec/containers[]/image",
            CreateKind::Scalar,
            &mut |n| {
                seen.push(n.as_str().unwrap_or("").to_string());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, ["a", "b"]);
        let mut v = json!({});
        visit_spec(&mut v, "metadata/labels", CreateKind::Map, &mut |n| {
            n.as_object_mut().unwrap().insert("a".into(), json!("b"));
            Ok(())
        })
        .unwrap();
        assert_eq!(v, json!({"metadata": {"labels": {"a": "b"}}}));
    }

    #[test]
    fn skips_missing_fields_without_create() {
        let mut v = json!({"spec": {}});
        let mut n = 0;
        visit_spec(&mut v, "spec/selector", CreateKind::None, &mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 0);
        assert_eq!(v, json!({"spec": {}}));
    }

    #[test]
    fn escaped_slashes_stay_in_names() {
        assert_eq!(split_path("/a/b\\/c/d"), ["a", "b/c", "d"]);
    }
}
