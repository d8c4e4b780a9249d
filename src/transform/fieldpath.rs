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

/// Splits a field-spec path on `/`, honouring `\/` escapes and a leading `/`
/// (Kustomize's `PathSplitter`).
pub fn split_path(path: &str) -> Vec<String> {
    split_escaped(path, "/")
}

/// Splits `path` on `delim`, honouring `\` escapes of the delimiter and dropping a
/// leading delimiter.
pub fn split_escaped(path: &str, delim: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split(delim).collect();
    if parts.len() > 1 && parts[0].is_empty() {
        parts.remove(0);
    }
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    for p in parts {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push_str(delim);
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

// ---------------------------------------------------------------------------------------
// Dotted paths (replacements and vars): splitting, and looking a path up.

/// The field a replacement or var reads (or writes) when no path is given.
pub const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// Kustomize's `SmarterPathSplitter`: splits on `delim` (honouring `\` escapes and a
/// leading delimiter), keeps `[name=value]` parts whole (brackets included) and unwraps
/// `[a.b.c]` map keys.
pub fn split_smart(path: &str, delim: &str) -> Vec<String> {
    let plain = split_escaped(path, delim);
    let mut out = Vec::with_capacity(plain.len());
    let mut i = 0;
    while i < plain.len() {
        let elem = &plain[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut joined = vec![elem.as_str()];
            while i + 1 < plain.len() {
                i += 1;
                joined.push(plain[i].as_str());
                if plain[i].ends_with(']') {
                    break;
                }
            }
            let s = joined.join(delim);
            if s.contains('=') {
                out.push(s);
            } else {
                out.push(s.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

pub(crate) fn is_list_index(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

/// Go's `strconv.Atoi`.
pub(crate) fn atoi(p: &str) -> Option<i64> {
    if p.is_empty()
        || !p
            .trim_start_matches(['+', '-'])
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    p.parse().ok()
}

pub(crate) fn split_index_name_value(p: &str) -> std::result::Result<(&str, &str), String> {
    let inner = p.strip_suffix(']').unwrap_or(p);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    inner.split_once('=').ok_or_else(|| {
        format!("list path element {p:?} must contain fieldName=fieldValue for element to match")
    })
}

pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "SequenceNode",
        Value::Object(_) => "MappingNode",
        _ => "ScalarNode",
    }
}

pub(crate) fn wrong_kind(expected: &str, v: &Value) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        kind_name(v)
    )
}

/// The raw text of a scalar as a YAML node holds it (`""` for nulls and collections).
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => format!("{f}"),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A node printed as YAML and trimmed, as list-element matching compares it.
pub(crate) fn node_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Array(_) | Value::Object(_) => serde_json::to_string(v).unwrap_or_default(),
        _ => scalar_text(v),
    }
}

/// Looks a dotted path up without creating anything (kyaml's `PathGetter`): numbers
/// index lists, `-` is the last element, `[k=v]` finds the first element whose `k` is
/// exactly `v` (`[=v]` a scalar element equal to `v`). `Ok(None)`: not there.
pub(crate) fn lookup<'a>(
    node: &'a Value,
    parts: &[String],
) -> std::result::Result<Option<&'a Value>, String> {
    Ok(lookup_at(node, parts)?.map(|(v, _)| v))
}

/// [`lookup`], also giving the concrete path of the node found.
pub(crate) fn lookup_at<'a>(
    node: &'a Value,
    parts: &[String],
) -> std::result::Result<Option<(&'a Value, Vec<Seg>)>, String> {
    let mut cur = node;
    let mut at = Vec::new();
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Some(idx) = atoi(part) {
            if idx < 0 {
                return Err(format!("array index {idx} cannot be negative"));
            }
            match cur {
                Value::Null => None,
                Value::Array(a) => usize::try_from(idx)
                    .ok()
                    .and_then(|i| a.get(i).map(|v| (v, Seg::Idx(i)))),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "-" {
            match cur {
                Value::Null => None,
                Value::Array(a) => a.last().map(|v| (v, Seg::Idx(a.len() - 1))),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "*" {
            return Err("wildcard is not supported in PathGetter".into());
        } else if is_list_index(part) {
            let (k, v) = split_index_name_value(part)?;
            let hit = |e: &Value| {
                if k.is_empty() {
                    scalar_text(e) == v
                } else {
                    e.as_object()
                        .and_then(|m| m.get(k))
                        .is_some_and(|f| !f.is_null() && scalar_text(f) == v)
                }
            };
            match cur {
                Value::Null => None,
                Value::Array(a) => a.iter().position(hit).map(|i| (&a[i], Seg::Idx(i))),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else {
            match cur {
                Value::Null => None,
                Value::Object(m) => m.get(part).map(|v| (v, Seg::Key(part.to_string()))),
                other => return Err(wrong_kind("MappingNode", other)),
            }
        };
        match next {
            Some((n, seg)) => {
                cur = n;
                at.push(seg);
            }
            None => return Ok(None),
        }
    }
    Ok(Some((cur, at)))
}

/// One step of a concrete path: a mapping key or a list position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A mapping key.
    Key(String),
    /// A list position.
    Idx(usize),
}

/// The node at concrete path `at` under `node`, if every step exists.
pub(crate) fn node_at_mut<'a>(node: &'a mut Value, at: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = node;
    for seg in at {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::Idx(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
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
