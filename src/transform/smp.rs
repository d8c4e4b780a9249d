//! Strategic merge patches, applied the way Kustomize v5.5.0 applies them: kyaml's
//! `merge2` walker with `ListIncreaseDirection: Prepend`, not apimachinery's
//! `strategicpatch`.
//!
//! The rules, each checked against `kubectl kustomize` (kubectl v1.32, Kustomize v5.5.0):
//!
//! * Maps merge field by field. A `null` in the patch removes the field; a `null` already
//!   in the target stays unless the patch touches it.
//! * Scalars and lists without a merge strategy in the schema (every list of a custom
//!   resource, `tolerations`, `args`, ...) are replaced by the patch's value. A number or
//!   boolean replacing a scalar that must have been quoted becomes a string (kyaml keeps
//!   the replaced scalar's style).
//! * Lists whose schema strategy contains `merge` are associative. Elements are matched by
//!   the merge keys (`x-kubernetes-list-map-keys` when present, else
//!   `x-kubernetes-patch-merge-key`; lists of primitives such as `finalizers` match by
//!   value). With one merge key the result lists the patch's elements first, in patch
//!   order, then the target's other elements; with several keys (container ports,
//!   Service ports) the patch's new elements come first, then all the target's. Elements
//!   that lack a key, repeat a key or carry `$patch` go through kyaml's step-by-step
//!   algorithm, reproduced exactly with its quirks (partial-key matching, duplicates
//!   collapsing, a keyless patch element wiping the list).
//! * Associative lists the patch does not touch are still walked, as kyaml walks them:
//!   duplicates and empty elements go.
//! * `$patch: delete | replace | merge` in a map, `- $patch: ...` alone as an element of
//!   an associative list. At the top level `delete` drops the resource and `replace` does
//!   nothing; on an element of an associative list `replace` is undone by kyaml (the
//!   target's element is put back). Other `$`-keys (`$setElementOrder/...`,
//!   `$retainKeys`, `$deleteFromPrimitiveList/...`) are ordinary fields to kyaml and pass
//!   through, as do directives inside atomic lists.
//! * A subtree that only the patch has is "merged with itself": its `null`s vanish and
//!   its directives apply (`$patch: delete` drops it), except inside atomic lists, which
//!   are copied verbatim.
//! * Where the schema gives nothing, a map that carries `apiVersion` and `kind` gets the
//!   schema of that kind (kyaml's `GetSchema`).
//!
//! Known differences, all from information a `serde_json::Value` no longer has: kyaml
//! drops a target field written as an empty value (`key:`) when it walks it, but keeps
//! `null` and `~` (the caller, `Resource::drop_empty_nulls`, drops such fields); a number
//! replacing a quoted string that would also be a string unquoted (`"x"`) becomes a
//! string in kyaml; a number's original spelling (`0x10`) is not kept.
//!
//! Merge keys come from the schema the caller passes ([`OpenApi`]): the Kubernetes
//! v1.21.2 OpenAPI document that kyaml compiles in, or a kustomization's own
//! (`openapi: {path: ...}`, [`crate::schema::custom`]).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::resource::Gvk;
use crate::schema::openapi::{OpenApi, Schema};
use crate::yaml::parse::resolve_plain;

/// What became of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The patch was merged into the target.
    Merged,
    /// The patch said `$patch: delete` at its top level: the target must be dropped.
    Deleted,
}

/// Why a strategic merge patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmpError {
    /// A `$patch` directive with a value other than `delete`, `replace` or `merge`.
    #[error("strategic merge patch: unknown patch strategy '{value}' at {path}")]
    UnknownDirective {
        /// Where, as a dotted field path (`.` for the top level).
        path: String,
        /// The directive's value.
        value: String,
    },
    /// The target and the patch disagree on the kind of node (map, list, scalar).
    #[error(
        "strategic merge patch: wrong node kind at {path}: expected {expected} but got {found}"
    )]
    WrongKind {
        /// Where, as a dotted field path (`.` for the top level).
        path: String,
        /// The kind the target (or the first non-null side) has.
        expected: &'static str,
        /// The kind the other side has.
        found: &'static str,
    },
}

impl SmpError {
    /// Prefixes the error's path with one more outer segment.
    fn at(mut self, segment: &str) -> SmpError {
        let path = match &mut self {
            SmpError::UnknownDirective { path, .. } | SmpError::WrongKind { path, .. } => path,
        };
        *path = if path.as_str() == "." {
            segment.to_string()
        } else {
            format!("{segment}.{path}")
        };
        self
    }
}

type Result<T> = std::result::Result<T, SmpError>;

const DIRECTIVE: &str = "$patch";

/// Merges `patch` into `target`, both whole objects of kind `gvk` (the target's), using
/// Kubernetes merge keys and the `$patch` directives. `target` is changed in place. The
/// caller restores the target's name, namespace and kind afterwards as Kustomize does.
pub fn merge(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    gvk: &Gvk,
    api: OpenApi<'_>,
) -> std::result::Result<Outcome, SmpError> {
    // kyaml looks at the target's type, then at the patch's, whose apiVersion Kustomize
    // has set to the target's.
    let api_version = gvk.api_version();
    let schema = api
        .for_kind(&api_version, &gvk.kind)
        .or_else(|| match patch.get("kind") {
            Some(Value::String(k)) if !k.is_empty() => api.for_kind(&api_version, k),
            _ => None,
        });
    match map_directive(patch)? {
        Some(Directive::Delete) => Ok(Outcome::Deleted),
        // kyaml returns the patch as the merge result here, but Kustomize keeps the
        // resource's own node, which the walk left untouched: no effect at all.
        Some(Directive::Replace) => Ok(Outcome::Merged),
        Some(Directive::Merge) | None => {
            merge_fields(target, patch, true, schema, api)?;
            Ok(Outcome::Merged)
        }
    }
}

/// A recognised `$patch` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Delete,
    Replace,
    Merge,
}

fn parse_directive(text: &str) -> Option<Directive> {
    match text {
        "delete" => Some(Directive::Delete),
        "replace" => Some(Directive::Replace),
        "merge" => Some(Directive::Merge),
        _ => None,
    }
}

/// The `$patch` directive of a map: `Ok(None)` without one, an error for an unknown
/// value.
fn map_directive(m: &Map<String, Value>) -> Result<Option<Directive>> {
    match m.get(DIRECTIVE) {
        None => Ok(None),
        Some(v) => {
            let text = scalar_text(v);
            match parse_directive(&text) {
                Some(d) => Ok(Some(d)),
                None => Err(SmpError::UnknownDirective {
                    path: ".".to_string(),
                    value: text.into_owned(),
                }),
            }
        }
    }
}

/// What walking one node produced.
enum Walked {
    /// The target's node (possibly changed in place) is the result.
    Kept,
    /// The field or element goes away.
    Cleared,
    /// The result is a new value; the target's node was left untouched.
    Replaced(Value),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Map,
    Seq,
    Scalar,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::Map => "MappingNode",
            NodeKind::Seq => "SequenceNode",
            NodeKind::Scalar => "ScalarNode",
        }
    }
}

/// The kind of a non-null value.
fn kind_of(v: &Value) -> Option<NodeKind> {
    match v {
        Value::Null => None,
        Value::Object(_) => Some(NodeKind::Map),
        Value::Array(_) => Some(NodeKind::Seq),
        _ => Some(NodeKind::Scalar),
    }
}

/// The scalar text of a node as go-yaml holds it in `Value` (`""` for maps and lists;
/// a null is taken as written `null`).
fn scalar_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Object(_) | Value::Array(_) => Cow::Borrowed(""),
    }
}

/// `scalar_text(v) == s`, without allocating for numbers.
fn text_eq(v: &Value, s: &str) -> bool {
    match v {
        Value::Number(n) => {
            use std::io::Write;
            let mut buf = [0u8; 64];
            let mut cur = std::io::Cursor::new(&mut buf[..]);
            if write!(cur, "{n}").is_err() {
                return n.to_string() == s;
            }
            let len = usize::try_from(cur.position()).unwrap_or(0);
            buf.get(..len).is_some_and(|b| b == s.as_bytes())
        }
        _ => scalar_text(v) == s,
    }
}

/// kyaml's `GetSchema` fallback: a map with `apiVersion` and `kind` gets that kind's
/// schema.
fn infer_schema<'a>(m: &Map<String, Value>, api: OpenApi<'a>) -> Option<Schema<'a>> {
    match (m.get("apiVersion"), m.get("kind")) {
        (Some(Value::String(av)), Some(Value::String(k))) if !av.is_empty() && !k.is_empty() => {
            api.for_kind(av, k)
        }
        _ => None,
    }
}

fn infer_from<'a>(v: Option<&Value>, api: OpenApi<'a>) -> Option<Schema<'a>> {
    match v {
        Some(Value::Object(m)) => infer_schema(m, api),
        _ => None,
    }
}

/// Walks the target node `dest` (absent: `None`) against the patch node `origin`
/// (absent: `None`), kyaml's `Walker.Walk` with sources `[dest, origin]`.
fn walk(
    dest: Option<&mut Value>,
    origin: Option<&Value>,
    schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Walked> {
    let dest_kind = dest.as_deref().and_then(kind_of);
    let origin_kind = origin.and_then(kind_of);
    let kind = dest_kind.or(origin_kind);
    if let (Some(d), Some(o)) = (dest_kind, origin_kind) {
        if d != o {
            return Err(SmpError::WrongKind {
                path: ".".to_string(),
                expected: d.name(),
                found: o.name(),
            });
        }
    }
    let schema = match (schema, kind) {
        (Some(s), _) => Some(s),
        (None, Some(NodeKind::Map)) => {
            infer_from(dest.as_deref(), api).or_else(|| infer_from(origin, api))
        }
        (None, _) => None,
    };
    match kind {
        // Both sides null or absent: kyaml walks them as maps.
        None => {
            let dest_is_null = matches!(dest.as_deref(), Some(Value::Null));
            if origin.is_none() && dest_is_null {
                // An explicit null in the target, untouched by the patch, is kept.
                Ok(Walked::Kept)
            } else {
                Ok(Walked::Cleared)
            }
        }
        Some(NodeKind::Scalar) => match origin {
            Some(Value::Null) => Ok(Walked::Cleared),
            Some(o) => Ok(Walked::Replaced(o.clone())),
            None => Ok(Walked::Kept),
        },
        Some(NodeKind::Map) => walk_map(dest, origin, schema, api),
        Some(NodeKind::Seq) => walk_seq(dest, origin, schema, api),
    }
}

fn walk_map(
    dest: Option<&mut Value>,
    origin: Option<&Value>,
    schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Walked> {
    match dest {
        Some(Value::Object(d)) => match origin {
            None => {
                merge_fields(d, &Map::new(), false, schema, api)?;
                Ok(Walked::Kept)
            }
            Some(Value::Object(o)) => match map_directive(o)? {
                Some(Directive::Delete) => Ok(Walked::Cleared),
                Some(Directive::Replace) => {
                    let mut replaced = o.clone();
                    replaced.remove(DIRECTIVE);
                    self_merge_fields(&mut replaced, schema, api)?;
                    Ok(Walked::Replaced(Value::Object(replaced)))
                }
                Some(Directive::Merge) | None => {
                    merge_fields(d, o, true, schema, api)?;
                    Ok(Walked::Kept)
                }
            },
            // Null: the kind check let nothing else through.
            Some(_) => Ok(Walked::Cleared),
        },
        // The target has nothing (or null) here: the patch's map is added, merged with
        // itself.
        _ => match origin {
            Some(Value::Object(o)) => {
                let mut added = o.clone();
                match map_directive(o) {
                    Ok(Some(Directive::Delete)) => return Ok(Walked::Cleared),
                    Ok(Some(_)) => {
                        added.remove(DIRECTIVE);
                    }
                    // kyaml ignores an unknown directive here and keeps the field.
                    Ok(None) | Err(_) => {}
                }
                self_merge_fields(&mut added, schema, api)?;
                Ok(Walked::Replaced(Value::Object(added)))
            }
            _ => Ok(Walked::Cleared),
        },
    }
}

/// Merges the fields of `origin` into `dest` (kyaml's `walkMap` field loop). With
/// `skip_directive`, the origin's `$patch` key (already acted upon) is not a field.
fn merge_fields(
    dest: &mut Map<String, Value>,
    origin: &Map<String, Value>,
    skip_directive: bool,
    schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<()> {
    // Fields only the target has: walked for their associative lists (and for maps
    // that name a kind, see `infer_schema`).
    let mut cleared: Vec<String> = Vec::new();
    for (key, v) in dest.iter_mut() {
        if origin.contains_key(key) {
            continue;
        }
        let child = schema.and_then(|s| s.field(key));
        if child.is_none() && !v.is_object() {
            // No schema and not a map: nothing below can change.
            continue;
        }
        match walk(Some(v), None, child, api).map_err(|e| e.at(key))? {
            Walked::Kept => {}
            Walked::Cleared => cleared.push(key.clone()),
            Walked::Replaced(nv) => *v = nv,
        }
    }
    for key in cleared {
        dest.remove(&key);
    }
    for (key, ov) in origin {
        if skip_directive && key == DIRECTIVE {
            continue;
        }
        let child = schema.and_then(|s| s.field(key));
        let result = walk(dest.get_mut(key), Some(ov), child, api).map_err(|e| e.at(key))?;
        match result {
            Walked::Kept => {}
            Walked::Cleared => {
                dest.remove(key);
            }
            Walked::Replaced(nv) => {
                let nv = match (dest.get(key), nv) {
                    (Some(Value::String(old)), nv @ (Value::Number(_) | Value::Bool(_)))
                        if was_quoted(old) =>
                    {
                        Value::String(scalar_text(&nv).into_owned())
                    }
                    (_, nv) => nv,
                };
                dest.insert(key.clone(), nv);
            }
        }
    }
    Ok(())
}

/// Whether a target string must have been written quoted (or as a block scalar):
/// written plain it would not be a string. kyaml's `FieldSetter` gives a replacing
/// scalar the replaced one's style, so a number or boolean from the patch that lands on
/// a quoted scalar comes out as a string. (A string that would also be a string plain,
/// such as `x`, may have been quoted too; a JSON value cannot tell, and plain is taken.)
fn was_quoted(s: &str) -> bool {
    !matches!(resolve_plain(s), Value::String(_))
}

/// Walks a node against itself (kyaml's sources `[x, x]`, which happens below a subtree
/// only the patch has): drops `null`s, applies directives.
fn self_merge(x: &mut Value, schema: Option<Schema<'_>>, api: OpenApi<'_>) -> Result<Walked> {
    match x {
        Value::Null => Ok(Walked::Cleared),
        Value::Object(m) => {
            let schema = schema.or_else(|| infer_schema(m, api));
            let directive = map_directive(m)?;
            if directive.is_some() {
                m.remove(DIRECTIVE);
            }
            if directive == Some(Directive::Delete) {
                return Ok(Walked::Cleared);
            }
            self_merge_fields(m, schema, api)?;
            Ok(Walked::Kept)
        }
        Value::Array(items) => {
            let Some(keys) = schema.and_then(|s| s.list_keys()) else {
                return Ok(Walked::Kept);
            };
            if let Some(d) = seq_directive(items)? {
                elide_seq_directive_owned(items, d);
                if d == Directive::Delete {
                    return Ok(Walked::Cleared);
                }
            }
            let elem_schema = schema.and_then(|s| s.elements());
            let dest = std::mem::take(items);
            let merged = merge_assoc(dest, None, &keys, elem_schema, api)?;
            *items = merged;
            Ok(Walked::Kept)
        }
        _ => Ok(Walked::Kept),
    }
}

fn self_merge_fields(
    m: &mut Map<String, Value>,
    schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<()> {
    let mut cleared: Vec<String> = Vec::new();
    for (key, v) in m.iter_mut() {
        let child = schema.and_then(|s| s.field(key));
        if child.is_none() && !matches!(v, Value::Object(_) | Value::Null) {
            // Scalars, and lists without a strategy, stay as they are.
            continue;
        }
        match self_merge(v, child, api).map_err(|e| e.at(key))? {
            Walked::Kept => {}
            Walked::Cleared => cleared.push(key.clone()),
            Walked::Replaced(nv) => *v = nv,
        }
    }
    for key in cleared {
        m.remove(&key);
    }
    Ok(())
}

/// The list-level directive of a patch list: the first map element that has a `$patch`
/// field counts if that is its only field.
fn seq_directive(items: &[Value]) -> Result<Option<Directive>> {
    let first = items.iter().find_map(|e| match e {
        Value::Object(m) if m.contains_key(DIRECTIVE) => Some(m),
        _ => None,
    });
    let Some(m) = first else { return Ok(None) };
    if m.len() > 1 {
        return Ok(None);
    }
    let text = m.get(DIRECTIVE).map(scalar_text).unwrap_or_default();
    match parse_directive(&text) {
        Some(d) => Ok(Some(d)),
        None => Err(SmpError::UnknownDirective {
            path: ".".to_string(),
            value: text.into_owned(),
        }),
    }
}

/// Whether kyaml's directive elision (an `ElementSetter` deleting elements whose `$patch`
/// is `d`) keeps `e`. It also drops null and empty-map elements.
fn survives_elision(e: &Value, d: Directive) -> bool {
    let text = match d {
        Directive::Delete => "delete",
        Directive::Replace => "replace",
        Directive::Merge => "merge",
    };
    match e {
        Value::Null => false,
        Value::Object(m) if m.is_empty() => false,
        Value::Object(m) => m.get(DIRECTIVE).is_none_or(|v| scalar_text(v) != text),
        _ => true,
    }
}

fn elide_seq_directive_owned(items: &mut Vec<Value>, d: Directive) {
    items.retain(|e| survives_elision(e, d));
}

fn walk_seq(
    dest: Option<&mut Value>,
    origin: Option<&Value>,
    schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Walked> {
    let Some(keys) = schema.and_then(|s| s.list_keys()) else {
        // Not associative: the patch's list (or null) replaces the target's.
        return Ok(match origin {
            Some(Value::Null) => Walked::Cleared,
            Some(o) => Walked::Replaced(o.clone()),
            None => Walked::Kept,
        });
    };
    let elem_schema = schema.and_then(|s| s.elements());
    let dest_items = match dest {
        Some(Value::Array(d)) => Some(d),
        _ => None,
    };
    let Some(dest_items) = dest_items else {
        // The target has no list: the patch's list is taken as is (no directive
        // processing) and merged with itself.
        let Some(Value::Array(o)) = origin else {
            return Ok(Walked::Cleared);
        };
        let merged = merge_assoc(o.clone(), None, &keys, elem_schema, api)?;
        return Ok(Walked::Replaced(Value::Array(merged)));
    };
    let origin_items = match origin {
        Some(Value::Null) => return Ok(Walked::Cleared),
        Some(Value::Array(o)) => Some(o),
        _ => None,
    };
    let directive = match origin_items {
        Some(o) => seq_directive(o)?,
        None => None,
    };
    match (directive, origin_items) {
        (Some(Directive::Delete), _) => Ok(Walked::Cleared),
        (Some(Directive::Replace), Some(o)) => {
            let replaced: Vec<Value> = o
                .iter()
                .filter(|e| survives_elision(e, Directive::Replace))
                .cloned()
                .collect();
            let merged = merge_assoc(replaced, None, &keys, elem_schema, api)?;
            Ok(Walked::Replaced(Value::Array(merged)))
        }
        (d, o) => {
            let origin_view: Vec<&Value> = match (d, o) {
                (Some(d), Some(o)) => o.iter().filter(|e| survives_elision(e, d)).collect(),
                (_, Some(o)) => o.iter().collect(),
                (_, None) => Vec::new(),
            };
            let dest_vec = std::mem::take(dest_items);
            let merged = merge_assoc(dest_vec, Some(&origin_view), &keys, elem_schema, api)?;
            *dest_items = merged;
            Ok(Walked::Kept)
        }
    }
}

/// The values of `keys` in one element, as kyaml's `ElementValuesList` reads them:
/// `""` for a missing, null or empty field.
fn element_key_values(e: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| match e {
            Value::Object(m) => match m.get(*k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::Object(x)) if x.is_empty() => String::new(),
                Some(Value::Array(x)) if x.is_empty() => String::new(),
                Some(v) => scalar_text(v).into_owned(),
            },
            _ => String::new(),
        })
        .collect()
}

/// kyaml's `validateKeys`: drops keys that no element has a value for, unless none has
/// any.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    validate_keys_with(&valid_key_mask(values_list, keys.len()), values, keys)
}

/// Which keys some tuple of `values_list` has a value for (the first half of
/// [`validate_keys`], which only depends on the list).
fn valid_key_mask(values_list: &[Vec<String>], n_keys: usize) -> Vec<bool> {
    let mut valid = vec![false; n_keys];
    for vals in values_list {
        for (i, v) in vals.iter().enumerate() {
            if !v.is_empty() && i < valid.len() {
                valid[i] = true;
            }
        }
    }
    valid
}

/// The second half of [`validate_keys`], given the list's key mask.
fn validate_keys_with(
    valid: &[bool],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    if !valid.iter().any(|b| *b) {
        return (keys.to_vec(), values.to_vec());
    }
    let valid_keys = keys
        .iter()
        .zip(valid)
        .filter(|(_, ok)| **ok)
        .map(|(k, _)| k.clone())
        .collect();
    let valid_values = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || valid.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// kyaml's `match`: two key tuples match when they share a value and differ only where
/// one side is empty; the result fills the gaps.
fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// kyaml's `mergeValues`, including its reading of the outer tuple once per row.
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let v1 = list[i].clone();
        for j in 0..list.len() {
            if let Some(res) = match_values(&v1, &list[j]) {
                list[i] = res.clone();
                list[j] = res;
            }
        }
    }
}

/// kyaml's `ElementMatcher` (`ElementList`): the first element matching all key values.
fn element_list<'v>(
    items: impl IntoIterator<Item = &'v Value>,
    keys: &[String],
    values: &[String],
) -> Option<usize> {
    let first_key = keys.first().map(String::as_str).unwrap_or("");
    let first_value = values.first().map(String::as_str).unwrap_or("");
    for (i, e) in items.into_iter().enumerate() {
        if first_key.is_empty() {
            if text_eq(e, first_value) {
                return Some(i);
            }
            continue;
        }
        let Value::Object(m) = e else { continue };
        if keys.len() != values.len() {
            return None;
        }
        let all = keys
            .iter()
            .zip(values)
            .all(|(k, v)| m.get(k.as_str()).is_some_and(|f| text_eq(f, v)));
        if all {
            return Some(i);
        }
    }
    None
}

/// kyaml's `FieldMatcher{Name, StringValue}` on one element: `Ok(false)` for no match,
/// an error where kyaml errors (wrong node kind).
fn field_matches(e: &Value, name: &str, value: &str) -> Result<bool> {
    if e.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        return match e {
            Value::Object(_) | Value::Array(_) => Err(SmpError::WrongKind {
                path: ".".to_string(),
                expected: NodeKind::Scalar.name(),
                found: kind_of(e).map_or("ScalarNode", NodeKind::name),
            }),
            _ => Ok(text_eq(e, value)),
        };
    }
    match e {
        Value::Object(m) => Ok(match m.get(name) {
            None => false,
            Some(f) => value.is_empty() || text_eq(f, value),
        }),
        _ => Err(SmpError::WrongKind {
            path: ".".to_string(),
            expected: NodeKind::Map.name(),
            found: kind_of(e).map_or("ScalarNode", NodeKind::name),
        }),
    }
}

/// kyaml's `ElementSetter`: replaces the elements matching `keys`/`values` with
/// `element`, or deletes them when `element` is `None`; appends `element` when nothing
/// matched. Null and empty-map elements are dropped on the way.
fn element_setter(
    list: &mut Vec<Value>,
    element: Option<&Value>,
    keys: &[String],
    values: &[String],
) -> Result<()> {
    let empty_key = [String::new()];
    let keys: &[String] = if keys.is_empty() { &empty_key } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut found_any = false;
    for e in std::mem::take(list) {
        let drop = match &e {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            _ => false,
        };
        if drop {
            continue;
        }
        if !e.is_object() && mapping_setter {
            out.push(e);
            continue;
        }
        let mut found = true;
        let mut val = false;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                val = field_matches(&e, key, v)?;
            }
            if !val {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(e);
            }
            continue;
        }
        found_any = true;
        if let Some(el) = element {
            out.push(el.clone());
        }
    }
    *list = out;
    match element {
        None | Some(Value::Null) => {}
        Some(el) => {
            if !found_any {
                list.push(el.clone());
            }
        }
    }
    Ok(())
}

/// kyaml's `appendListNode`: sets each element of `src` into `dst` by its key values.
fn append_list_node(dst: &mut Vec<Value>, src: Vec<Value>, keys: &[String]) -> Result<()> {
    let primitive = keys.first().is_none_or(|k| k.is_empty());
    for elem in src {
        if primitive {
            let text = scalar_text(&elem).into_owned();
            element_setter(dst, Some(&elem), &[String::new()], &[text])?;
            continue;
        }
        let mut v = Vec::with_capacity(keys.len());
        for key in keys {
            match &elem {
                Value::Null => dst.push(elem.clone()),
                Value::Object(m) => match m.get(key.as_str()) {
                    None => dst.push(elem.clone()),
                    Some(f) => v.push(scalar_text(f).into_owned()),
                },
                other => {
                    return Err(SmpError::WrongKind {
                        path: ".".to_string(),
                        expected: NodeKind::Map.name(),
                        found: kind_of(other).map_or("ScalarNode", NodeKind::name),
                    })
                }
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, keys, &v)?;
        }
        element_setter(dst, Some(&elem), keys, &v)?;
    }
    Ok(())
}

/// The key values of one element for the simple path.
#[derive(PartialEq)]
enum Tuple<'v> {
    /// A single merge key, or a primitive's own text.
    One(Cow<'v, str>),
    /// Several merge keys.
    Many(Vec<Cow<'v, str>>),
}

/// A non-empty scalar's text, for the simple path.
fn simple_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s.as_str())),
        Value::Number(_) | Value::Bool(_) => Some(scalar_text(v)),
        _ => None,
    }
}

/// The key tuple of an element for the simple path: `None` unless the element is a map
/// without `$patch` whose every key holds a non-empty scalar (or, for a list of
/// primitives, the element is a non-empty scalar).
fn simple_tuple<'v>(e: &'v Value, keys: &[&str]) -> Option<Tuple<'v>> {
    if keys.is_empty() {
        return simple_text(e).map(Tuple::One);
    }
    let Value::Object(m) = e else { return None };
    if m.contains_key(DIRECTIVE) {
        return None;
    }
    if let [key] = keys {
        return m.get(*key).and_then(simple_text).map(Tuple::One);
    }
    keys.iter()
        .map(|k| m.get(*k).and_then(simple_text))
        .collect::<Option<Vec<_>>>()
        .map(Tuple::Many)
}

/// Key tuples of a whole list for the simple path, or `None` when an element does not
/// qualify or two elements share a tuple.
fn simple_tuples<'v>(
    items: impl Iterator<Item = &'v Value>,
    keys: &[&str],
) -> Option<Vec<Tuple<'v>>> {
    let mut out: Vec<Tuple<'v>> = Vec::new();
    for e in items {
        let t = simple_tuple(e, keys)?;
        if out.contains(&t) {
            return None;
        }
        out.push(t);
    }
    Some(out)
}

/// The common case of [`merge_assoc`], computed directly: when every element (on both
/// sides) carries all merge keys with non-empty scalar values, no element has `$patch`
/// and no key tuple repeats within a list, kyaml's algorithm reduces to: with one merge
/// key, the patch's elements in patch order (merged into their targets) followed by the
/// target's unmatched elements; with several keys, the patch's unmatched elements
/// followed by all the target's elements (merged) in target order; for primitives, the
/// patch's values then the target's new ones, a matched value taken from the target.
/// Returns `None`, having changed nothing, when the list does not qualify.
fn merge_assoc_simple(
    dest: &mut Vec<Value>,
    origin: Option<&[&Value]>,
    keys: &[&str],
    elem_schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Option<Vec<Value>>> {
    let Some(dest_tuples) = simple_tuples(dest.iter(), keys) else {
        return Ok(None);
    };
    let Some(origin) = origin else {
        // Merged with itself: each element with itself, in place. (Without `$patch`
        // nothing is cleared; were it, kyaml would drop the element.)
        drop(dest_tuples);
        let mut out = Vec::with_capacity(dest.len());
        for mut e in std::mem::take(dest) {
            match self_merge(&mut e, elem_schema, api)? {
                Walked::Kept => out.push(e),
                Walked::Replaced(v) => out.push(v),
                Walked::Cleared => {}
            }
        }
        return Ok(Some(out));
    };
    let Some(origin_tuples) = simple_tuples(origin.iter().copied(), keys) else {
        return Ok(None);
    };
    // For each patch element, the index of its target element.
    let matches: Vec<Option<usize>> = origin_tuples
        .iter()
        .map(|t| dest_tuples.iter().position(|d| d == t))
        .collect();
    drop(dest_tuples);
    drop(origin_tuples);
    let mut matched = vec![false; dest.len()];
    for m in matches.iter().flatten() {
        matched[*m] = true;
    }
    if keys.is_empty() {
        let mut out = Vec::with_capacity(origin.len() + dest.len());
        let mut dest_slots: Vec<Option<Value>> =
            std::mem::take(dest).into_iter().map(Some).collect();
        for (j, m) in matches.iter().enumerate() {
            match m.and_then(|i| dest_slots[i].take()) {
                Some(v) => out.push(v),
                None => out.push(origin[j].clone()),
            }
        }
        out.extend(dest_slots.into_iter().flatten());
        return Ok(Some(out));
    }
    // Walk every element: matched pairs, then the target's own elements. (Without
    // `$patch` nothing is cleared; were it, kyaml would drop the element.)
    let mut new_elems: Vec<Option<Value>> = Vec::with_capacity(origin.len());
    let mut dropped = vec![false; dest.len()];
    for (j, m) in matches.iter().enumerate() {
        match m {
            Some(i) => {
                match walk(Some(&mut dest[*i]), Some(origin[j]), elem_schema, api)? {
                    Walked::Kept => {}
                    Walked::Replaced(v) => dest[*i] = v,
                    Walked::Cleared => dropped[*i] = true,
                }
                new_elems.push(None);
            }
            None => match walk(None, Some(origin[j]), elem_schema, api)? {
                Walked::Replaced(v) => new_elems.push(Some(v)),
                _ => new_elems.push(None),
            },
        }
    }
    for (i, e) in dest.iter_mut().enumerate() {
        if matched[i] {
            continue;
        }
        match walk(Some(e), None, elem_schema, api)? {
            Walked::Kept => {}
            Walked::Replaced(v) => *e = v,
            Walked::Cleared => dropped[i] = true,
        }
    }
    let dest_slots: Vec<Option<Value>> = std::mem::take(dest)
        .into_iter()
        .zip(dropped)
        .map(|(e, d)| (!d).then_some(e))
        .collect();
    let mut dest_slots = dest_slots;
    let mut out = Vec::with_capacity(origin.len() + dest_slots.len());
    if keys.len() == 1 {
        for (j, m) in matches.iter().enumerate() {
            match m {
                Some(i) => out.extend(dest_slots[*i].take()),
                None => out.extend(new_elems[j].take()),
            }
        }
        out.extend(dest_slots.into_iter().flatten());
    } else {
        out.extend(new_elems.into_iter().flatten());
        out.extend(dest_slots.into_iter().flatten());
    }
    Ok(Some(out))
}

/// Merges an associative list: kyaml's `walkAssociativeSequence` after `VisitList`, with
/// the patch's elements prepended. `origin` is `None` when the list is merged with itself
/// (origin and target are the same node).
fn merge_assoc(
    mut dest: Vec<Value>,
    origin: Option<&[&Value]>,
    keys: &[&str],
    elem_schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Vec<Value>> {
    if let Some(merged) = merge_assoc_simple(&mut dest, origin, keys, elem_schema, api)? {
        return Ok(merged);
    }
    merge_assoc_general(dest, origin, keys, elem_schema, api)
}

/// [`merge_assoc`] step by step as kyaml does it, for any list.
fn merge_assoc_general(
    mut dest: Vec<Value>,
    origin: Option<&[&Value]>,
    keys: &[&str],
    elem_schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Vec<Value>> {
    // The key tuples of all elements, patch first, de-duplicated.
    let (mut values_list, keys): (Vec<Vec<String>>, Vec<String>) = if keys.is_empty() {
        let mut seen: Vec<Vec<String>> = Vec::new();
        let origin_iter: Box<dyn Iterator<Item = &Value>> = match origin {
            Some(o) => Box::new(o.iter().copied()),
            None => Box::new(dest.iter()),
        };
        for e in origin_iter.chain(dest.iter()) {
            let t = vec![scalar_text(e).into_owned()];
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        (seen, vec![String::new()])
    } else {
        let mut seen: Vec<Vec<String>> = Vec::new();
        let origin_iter: Box<dyn Iterator<Item = &Value>> = match origin {
            Some(o) => Box::new(o.iter().copied()),
            None => Box::new(dest.iter()),
        };
        for e in origin_iter.chain(dest.iter()) {
            let t = element_key_values(e, keys);
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        (seen, keys.iter().map(|k| (*k).to_string()).collect())
    };
    if values_list.is_empty() {
        return Ok(dest);
    }
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let list_mask = valid_key_mask(&values_list, keys.len());
    let mut items: Vec<Value> = Vec::new();
    let mut valid_keys: Vec<String> = Vec::new();
    let mut elided = vec![false; origin.map_or(0, <[&Value]>::len)];
    for values in &values_list {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys_with(&list_mask, values, &keys);
        let (k2, v2) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let di = element_list(dest.iter(), &k2, &v2);
        let walked = match origin {
            None => match di {
                Some(i) => self_merge(&mut dest[i], elem_schema, api)?,
                None => Walked::Cleared,
            },
            Some(o) => {
                let oi = element_list(o.iter().copied(), &k2, &v2);
                // kyaml removes a recognised `$patch` from the patch element when it
                // acts on it, so a second walk of the same element (tuples duplicated by
                // `merge_values`) no longer sees it.
                let stripped;
                let ov = match oi {
                    Some(i) if elided[i] => {
                        let mut m = o[i].as_object().cloned().unwrap_or_default();
                        m.remove(DIRECTIVE);
                        stripped = Value::Object(m);
                        Some(&stripped)
                    }
                    Some(i) => {
                        elided[i] = o[i]
                            .as_object()
                            .and_then(|m| m.get(DIRECTIVE))
                            .is_some_and(|v| parse_directive(&scalar_text(v)).is_some());
                        Some(o[i])
                    }
                    None => None,
                };
                match di {
                    Some(i) => walk(Some(&mut dest[i]), ov, elem_schema, api)?,
                    None => match walk(None, ov, elem_schema, api)? {
                        Walked::Kept => Walked::Cleared,
                        w => w,
                    },
                }
            }
        };
        // The merged element, and whether it is the target's element itself.
        let (mut val, in_place) = match walked {
            Walked::Kept => match di {
                Some(i) => (dest[i].clone(), true),
                None => (Value::Null, false),
            },
            Walked::Replaced(v) => (v, false),
            Walked::Cleared => (Value::Null, false),
        };
        valid_keys = vk.clone();
        let empty = match &val {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            _ => false,
        };
        if empty {
            element_setter(&mut dest, None, &vk, &vv)?;
            continue;
        }
        if let Value::Object(m) = &mut val {
            let mut added = false;
            for (k, v) in vk.iter().zip(&vv) {
                if !m.contains_key(k.as_str()) && !v.is_empty() {
                    m.insert(k.clone(), Value::String(v.clone()));
                    added = true;
                }
            }
            if added && in_place {
                if let Some(i) = di {
                    dest[i] = val.clone();
                }
            }
        }
        element_setter(&mut items, Some(&val), &vk, &vv)?;
    }
    append_list_node(&mut items, dest, &valid_keys)?;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse::{parse_documents, Limits};

    fn yaml(src: &str) -> Map<String, Value> {
        let docs = parse_documents(src, Limits::default()).expect("test YAML parses");
        match docs.into_iter().next().map(|d| d.value) {
            Some(Value::Object(m)) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn gvk_of(m: &Map<String, Value>) -> Gvk {
        let av = m.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
        Gvk::from_api_version(av, kind)
    }

    /// Applies `patch` to `target` and compares with `expected` (all YAML). Every
    /// expectation below was produced by `kubectl kustomize` (kubectl v1.32.4,
    /// Kustomize v5.5.0) on the same resource and patch.
    fn check(target: &str, patch: &str, expected: &str) {
        let mut t = yaml(target);
        let p = yaml(patch);
        let gvk = gvk_of(&t);
        let out = merge(&mut t, &p, &gvk, OpenApi::BUILTIN).expect("merge succeeds");
        assert_eq!(out, Outcome::Merged);
        let want = yaml(expected);
        assert_eq!(
            Value::Object(t.clone()),
            Value::Object(want),
            "got:\n{}",
            serde_json::to_string_pretty(&Value::Object(t)).unwrap_or_default()
        );
    }

    fn check_err(target: &str, patch: &str) -> SmpError {
        let mut t = yaml(target);
        let p = yaml(patch);
        let gvk = gvk_of(&t);
        match merge(&mut t, &p, &gvk, OpenApi::BUILTIN) {
            Err(e) => e,
            Ok(o) => panic!("expected an error, got {o:?}"),
        }
    }

    const DEPLOYMENT: &str =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n";

    /// A top-level `$patch: delete` deletes the resource. Verified with kubectl kustomize
    /// (the Deployment disappears from the output).
    #[test]
    fn top_level_delete() {
        let mut t = yaml(DEPLOYMENT);
        let p =
            yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n$patch: delete\n");
        let gvk = gvk_of(&t);
        assert_eq!(
            merge(&mut t, &p, &gvk, OpenApi::BUILTIN),
            Ok(Outcome::Deleted)
        );
    }

    /// A top-level `$patch: replace` leaves the resource as it was. Verified with kubectl
    /// kustomize.
    #[test]
    fn top_level_replace_is_a_no_op() {
        let mut t = yaml(DEPLOYMENT);
        let before = t.clone();
        let p = yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 5\n$patch: replace\n");
        let gvk = gvk_of(&t);
        assert_eq!(
            merge(&mut t, &p, &gvk, OpenApi::BUILTIN),
            Ok(Outcome::Merged)
        );
        assert_eq!(t, before);
    }

    /// A scalar patched onto a map fails. kubectl kustomize: "wrong node kind: expected
    /// MappingNode but got ScalarNode".
    #[test]
    fn kind_mismatch_errors() {
        let e = check_err(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {metadata: {}}}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: 5}\n",
        );
        assert_eq!(
            e,
            SmpError::WrongKind {
                path: "spec.template".to_string(),
                expected: "MappingNode",
                found: "ScalarNode"
            }
        );
        // kubectl kustomize: "wrong node kind: expected SequenceNode but got ScalarNode".
        let e = check_err(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, args: [x]}]}}}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, args: x}]}}}\n",
        );
        assert!(
            matches!(
                e,
                SmpError::WrongKind {
                    expected: "SequenceNode",
                    ..
                }
            ),
            "{e}"
        );
    }

    /// An unknown `$patch` value fails. kubectl kustomize: "unknown patch strategy 'foo'".
    #[test]
    fn unknown_directive_errors() {
        let e = check_err(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a}]}}}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, $patch: foo}]}}}\n",
        );
        assert!(
            e.to_string().contains("unknown patch strategy 'foo'"),
            "{e}"
        );
    }

    /// Explicit nulls in the target that the patch does not touch stay. Verified with
    /// kubectl kustomize (`null` and `~` stay; an empty value, `key:`, is dropped by
    /// kyaml, which a JSON value cannot tell apart, so it is not tested).
    #[test]
    fn target_nulls_stay() {
        check(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: null\n  paused: ~\n  template: {spec: {containers: [{name: a, image: null}]}}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {revisionHistoryLimit: 2}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  paused: null\n  replicas: null\n  revisionHistoryLimit: 2\n  template: {spec: {containers: [{name: a, image: null}]}}\n",
        );
    }

    /// Associative lists the patch does not touch are still walked: duplicate and empty
    /// elements go, and multi-key lists keep their order. Verified with kubectl kustomize.
    #[test]
    fn untouched_lists_are_normalised() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        ports:
        - {containerPort: 80, protocol: TCP}
        - {containerPort: 90}
        - {containerPort: 100, protocol: TCP}
        env:
        - {name: A, value: "1"}
        - {name: B}
        - {name: A, value: "2"}
        - {}
"#,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 3}\n",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: a
        image: a
        ports:
        - {containerPort: 80, protocol: TCP}
        - {containerPort: 90}
        - {containerPort: 100, protocol: TCP}
        env:
        - {name: A, value: "1"}
        - {name: B}
"#,
        );
    }

    /// The generated table has the merge keys `kubectl kustomize` merges by (each list
    /// below was checked with a patch as in the tests above).
    #[test]
    fn merge_key_table() {
        let keys = |av: &str, kind: &str, path: &[&str]| {
            let mut s = OpenApi::BUILTIN.for_kind(av, kind)?;
            for p in path {
                s = if *p == "[]" {
                    s.elements()?
                } else {
                    s.field(p)?
                };
            }
            s.list_keys().map(std::borrow::Cow::into_owned)
        };
        let pod = ["spec", "template", "spec"];
        let at = |extra: &[&'static str]| -> Vec<&'static str> {
            pod.iter().copied().chain(extra.iter().copied()).collect()
        };
        assert_eq!(
            keys("apps/v1", "Deployment", &at(&["containers"])),
            Some(vec!["name"])
        );
        assert_eq!(
            keys(
                "apps/v1",
                "StatefulSet",
                &at(&["containers", "[]", "ports"])
            ),
            Some(vec!["containerPort", "protocol"])
        );
        assert_eq!(
            keys(
                "apps/v1",
                "DaemonSet",
                &at(&["initContainers", "[]", "volumeMounts"])
            ),
            Some(vec!["mountPath"])
        );
        assert_eq!(
            keys("apps/v1", "ReplicaSet", &at(&["volumes"])),
            Some(vec!["name"])
        );
        assert_eq!(
            keys("batch/v1", "Job", &at(&["imagePullSecrets"])),
            Some(vec!["name"])
        );
        assert_eq!(keys("apps/v1", "Deployment", &at(&["tolerations"])), None);
        assert_eq!(
            keys("v1", "Service", &["spec", "ports"]),
            Some(vec!["port", "protocol"])
        );
        assert_eq!(
            keys("v1", "ConfigMap", &["metadata", "finalizers"]),
            Some(Vec::<&str>::new())
        );
        assert_eq!(
            keys("v1", "ConfigMap", &["metadata", "ownerReferences"]),
            Some(vec!["uid"])
        );
        assert_eq!(
            keys("v1", "Pod", &["spec", "containers", "[]", "env"]),
            Some(vec!["name"])
        );
        assert_eq!(
            keys(
                "batch/v1",
                "CronJob",
                &[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "spec",
                    "containers"
                ]
            ),
            Some(vec!["name"])
        );
        assert!(OpenApi::BUILTIN
            .for_kind("example.com/v1", "Widget")
            .is_none());
        assert!(OpenApi::BUILTIN
            .for_kind("apps/v1beta9", "Deployment")
            .is_none());
    }

    const KAGENT_BASE_STATEFULSET: &str = r#"
# kagent runs as a StatefulSet so each agent has a stable identity on the
# headless Service. Selector/pod labels are completed by `labels` in the
# kustomization (includeSelectors: true).
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  serviceName: kagent-headless
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: kagent
  template:
    metadata:
      labels:
        app.kubernetes.io/name: kagent
    spec:
      serviceAccountName: kagent
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      # Spread replicas across nodes when possible (soft rule in the base;
      # prod turns it into a hard requirement).
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: kagent
      containers:
        - name: kagent
          image: ghcr.io/vapora/kagent:0.4.2
          ports:
            - name: a2a
              containerPort: 8080
              protocol: TCP
          # Non-secret A2A settings; the name gets the generator hash suffix.
          envFrom:
            - configMapRef:
                name: kagent-config
          env:
            - name: A2A_TOKEN
              valueFrom:
                secretKeyRef:
                  name: kagent-credentials
                  key: A2A_TOKEN
          livenessProbe:
            httpGet:
              path: /healthz
              port: a2a
            initialDelaySeconds: 10
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: /readyz
              port: a2a
            periodSeconds: 5
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            # The root filesystem is read-only; /tmp is the only writable path.
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
"#;

    /// The kagent dev overlay's StatefulSet patch on the base StatefulSet. Verified with
    /// kubectl kustomize (a kustomization with just this resource and patch).
    #[test]
    fn kagent_dev_statefulset_patch() {
        check(
            KAGENT_BASE_STATEFULSET,
            r#"
# dev: one replica with reduced resources. The container is matched by name
# (strategic merge key), so only the listed fields change.
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: kagent
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              cpu: 250m
              memory: 128Mi
"#,
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: kagent
  serviceName: kagent-headless
  template:
    metadata:
      labels:
        app.kubernetes.io/name: kagent
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - podAffinityTerm:
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: kagent
              topologyKey: kubernetes.io/hostname
            weight: 100
      containers:
      - env:
        - name: A2A_TOKEN
          valueFrom:
            secretKeyRef:
              key: A2A_TOKEN
              name: kagent-credentials
        envFrom:
        - configMapRef:
            name: kagent-config
        image: ghcr.io/vapora/kagent:0.4.2
        livenessProbe:
          httpGet:
            path: /healthz
            port: a2a
          initialDelaySeconds: 10
          periodSeconds: 10
        name: kagent
        ports:
        - containerPort: 8080
          name: a2a
          protocol: TCP
        readinessProbe:
          httpGet:
            path: /readyz
            port: a2a
          periodSeconds: 5
        resources:
          limits:
            cpu: 250m
            memory: 128Mi
          requests:
            cpu: 50m
            memory: 64Mi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          runAsUser: 10001
        volumeMounts:
        - mountPath: /tmp
          name: tmp
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      serviceAccountName: kagent
      volumes:
      - emptyDir: {}
        name: tmp
"#,
        );
    }

    /// The kagent prod overlay's StatefulSet patch on the base StatefulSet. Verified with
    /// kubectl kustomize (a kustomization with just this resource and patch).
    #[test]
    fn kagent_prod_statefulset_patch() {
        check(
            KAGENT_BASE_STATEFULSET,
            r#"
# prod: larger resources and a *hard* anti-affinity rule (at most one kagent
# pod per node). The base's soft rule is removed by setting the preferred list
# to null -- in a strategic merge patch, null deletes the field.
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  template:
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution: null
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: kagent
      containers:
        - name: kagent
          resources:
            requests:
              cpu: 500m
              memory: 512Mi
            limits:
              cpu: "2"
              memory: 1Gi
"#,
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: kagent
  serviceName: kagent-headless
  template:
    metadata:
      labels:
        app.kubernetes.io/name: kagent
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchLabels:
                app.kubernetes.io/name: kagent
            topologyKey: kubernetes.io/hostname
      containers:
      - env:
        - name: A2A_TOKEN
          valueFrom:
            secretKeyRef:
              key: A2A_TOKEN
              name: kagent-credentials
        envFrom:
        - configMapRef:
            name: kagent-config
        image: ghcr.io/vapora/kagent:0.4.2
        livenessProbe:
          httpGet:
            path: /healthz
            port: a2a
          initialDelaySeconds: 10
          periodSeconds: 10
        name: kagent
        ports:
        - containerPort: 8080
          name: a2a
          protocol: TCP
        readinessProbe:
          httpGet:
            path: /readyz
            port: a2a
          periodSeconds: 5
        resources:
          limits:
            cpu: "2"
            memory: 1Gi
          requests:
            cpu: 500m
            memory: 512Mi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          runAsUser: 10001
        volumeMounts:
        - mountPath: /tmp
          name: tmp
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      serviceAccountName: kagent
      volumes:
      - emptyDir: {}
        name: tmp
"#,
        );
    }

    /// kyaml quirks found by a randomised comparison: duplicate keys in patch and target lists, `$patch: merge` on an element, primitive lists with duplicates. Verified with kubectl
    /// kustomize.
    #[test]
    fn quirks_duplicates_and_merge_directive() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    spec:
      containers:
      - name: b
        image: i1
      - name: a
        env: []
      affinity:
      - v:
          q: 1
          p: 2
      - v:
          r: '1'
      - name: b
        v: 1
    metadata:
      finalizers:
      - f2
      - 1
      - f1
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - name: A
          $patch: merge
        image: i1
        extra:
          r:
          - name: a
            v: '1'
          - name: b
            v: true
          p: '1'
          name: b
      - name: a
        env:
        - name: A
          value: null
    metadata:
      finalizers:
      - f2
      - f1
      - 1
      - f2
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    metadata:
      finalizers:
      - f2
      - f1
      - 1
    spec:
      affinity:
      - v:
          p: 2
          q: 1
      - v:
          r: "1"
      - name: b
        v: 1
      containers:
      - env:
        - name: A
        extra:
          name: b
          p: "1"
          r:
          - name: a
            v: "1"
          - name: b
            v: true
        image: i1
        name: a
      - image: i1
        name: b
"#,
        );
    }

    /// kyaml quirks found by a randomised comparison: empty-string and duplicate merge keys, `null` finalizers, nested primitive lists deduplicated. Verified with kubectl
    /// kustomize.
    #[test]
    fn quirks_empty_keys_and_null_finalizers() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    spec:
      containers:
      - name: a
        env: []
        extra:
        - name: b
          v: b
        - name: c
          v:
          - name: c
            v: b
          - name: b
            v: 1
          - name: a
            v: true
        - '1'
      - name: b
        image: i1
      volumes:
      - name: v
        ephemeral:
          volumeClaimTemplate:
            metadata:
              finalizers:
              - f1
              - f1
              - 1
              - 1
    metadata:
      finalizers:
      - f2
      - 1
      - 1
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
  finalizers:
  - f1
  - null
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - name: B
        - name: B
          $patch: merge
        - name: ''
        - name: A
          value: null
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  finalizers:
  - f1
  name: x
spec:
  template:
    metadata:
      finalizers:
      - f2
      - 1
    spec:
      containers:
      - env:
        - name: ""
        - name: A
        extra:
        - name: b
          v: b
        - name: c
          v:
          - name: c
            v: b
          - name: b
            v: 1
          - name: a
            v: true
        - "1"
        name: a
      - image: i1
        name: b
      volumes:
      - ephemeral:
          volumeClaimTemplate:
            metadata:
              finalizers:
              - f1
              - 1
        name: v
"#,
        );
    }

    mod direct_path {
        use super::*;
        use proptest::prelude::*;

        fn elem(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
            (
                proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], keys.len()),
                prop_oneof![Just(None), Just(Some("1")), Just(Some("2"))],
            )
                .prop_map(move |(vals, extra)| {
                    let mut m = Map::new();
                    for (k, v) in keys.iter().zip(vals) {
                        m.insert((*k).to_string(), Value::String(v.to_string()));
                    }
                    if let Some(x) = extra {
                        m.insert("x".to_string(), Value::String(x.to_string()));
                    }
                    Value::Object(m)
                })
        }

        fn list(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<Value>> {
            proptest::collection::vec(elem(keys), 0..5)
        }

        fn prim_list() -> impl Strategy<Value = Vec<Value>> {
            proptest::collection::vec(
                prop_oneof![
                    Just(json!("a")),
                    Just(json!("b")),
                    Just(json!(1)),
                    Just(json!("1"))
                ],
                0..5,
            )
        }

        fn both(dest: &[Value], origin: Option<&[Value]>, keys: &[&str]) {
            let view: Option<Vec<&Value>> = origin.map(|o| o.iter().collect());
            let mut d = dest.to_vec();
            let simple = merge_assoc_simple(&mut d, view.as_deref(), keys, None, OpenApi::BUILTIN);
            let Ok(Some(simple)) = simple else { return };
            let general =
                merge_assoc_general(dest.to_vec(), view.as_deref(), keys, None, OpenApi::BUILTIN);
            assert_eq!(
                Ok(simple),
                general,
                "dest {dest:?} origin {origin:?} keys {keys:?}"
            );
        }

        use serde_json::json;

        proptest! {
            /// The direct path gives what kyaml's step-by-step algorithm gives.
            #[test]
            fn one_key(dest in list(&["name"]), origin in list(&["name"])) {
                both(&dest, Some(&origin), &["name"]);
                both(&dest, None, &["name"]);
                both(&dest, Some(&[]), &["name"]);
            }

            #[test]
            fn two_keys(dest in list(&["port", "protocol"]), origin in list(&["port", "protocol"])) {
                both(&dest, Some(&origin), &["port", "protocol"]);
                both(&dest, None, &["port", "protocol"]);
            }

            #[test]
            fn primitives(dest in prim_list(), origin in prim_list()) {
                both(&dest, Some(&origin), &[]);
                both(&dest, None, &[]);
            }
        }
    }

    /// A `$patch: delete` element whose key tuple `merge_values` duplicated is walked
    /// twice; the first walk strips the directive, so the second adds the element.
    /// Verified with kubectl kustomize (found by a randomised comparison).
    #[test]
    fn elided_directive_on_second_walk() {
        check(
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"ports": [{"port": 80, "protocol": "UDP", "name": "c"}, {"port": 53, "name": "b"}, {"port": 53, "targetPort": 8080}], "selector": {"a": "b"}}}"#,
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"ports": [{"port": 80, "protocol": "TCP", "name": "a", "$patch": "delete"}, {"port": 80, "name": "b", "targetPort": 8080}], "selector": {"a": "b"}}}"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: x
spec:
  ports:
  - name: a
    port: 80
    protocol: TCP
  - name: c
    port: 80
    protocol: UDP
  - port: 53
    targetPort: 8080
  selector:
    a: b
"#,
        );
    }

    /// A number or boolean from the patch replacing a scalar that must have been quoted
    /// takes its quotes and becomes a string; over a plain scalar it stays a number.
    /// Verified with kubectl kustomize.
    #[test]
    fn replacing_a_quoted_scalar_keeps_the_quotes() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: P, value: "8080"}
        - {name: Q, value: plain}
        - {name: R, value: 'true'}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: P, value: 9090}
        - {name: Q, value: 10}
        - {name: R, value: false}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: P, value: "9090"}
        - {name: Q, value: 10}
        - {name: R, value: "false"}
"#,
        );
    }

    /// Container ports: a patch port without protocol does not match a target port with
    /// one, and a target port without protocol moves to the end. Verified with kubectl
    /// kustomize.
    #[test]
    fn container_ports_multi_key() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        ports:
        - {containerPort: 8080, protocol: TCP, name: http}
        - {containerPort: 9090, name: metrics}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        ports:
        - {containerPort: 8080, name: web}
        - {containerPort: 9090, protocol: TCP, name: m2}
        - {containerPort: 7070, hostPort: 1}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        ports:
        - {containerPort: 7070, hostPort: 1}
        - {containerPort: 8080, name: http, protocol: TCP}
        - {containerPort: 9090, name: metrics}
"#,
        );
    }

    /// Containers merge by name; new patch containers come first, in patch order. Verified with kubectl kustomize.
    #[test]
    fn containers_prepend() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        env:
        - {name: X, value: "1"}
      - name: b
        image: b
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: c
        image: c
      - name: b
        image: b2
      - name: d
        image: d
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: c
        name: c
      - image: b2
        name: b
      - image: d
        name: d
      - env:
        - name: X
          value: "1"
        image: a
        name: a
"#,
        );
    }

    /// Env merges by name; `value: null` removes a field of a matched element. Verified with kubectl kustomize.
    #[test]
    fn env_by_name() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: A, value: "1"}
        - {name: B, value: "1"}
        - {name: D, value: "1"}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: B, value: "2"}
        - {name: C, value: "3"}
        - name: D
          value: null
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - env:
        - name: B
          value: "2"
        - name: C
          value: "3"
        - name: D
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: A
          value: "1"
        name: a
"#,
        );
    }

    /// Volumes by name, volumeMounts by mountPath. Verified with kubectl kustomize.
    #[test]
    fn volumes_by_name() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      volumes:
      - name: a
        emptyDir: {}
      - name: b
        configMap: {name: x}
      containers:
      - name: a
        volumeMounts:
        - {name: a, mountPath: /a}
        - {name: b, mountPath: /b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      volumes:
      - name: c
        secret: {secretName: s}
      - name: b
        configMap: {name: y}
      containers:
      - name: a
        volumeMounts:
        - {name: c, mountPath: /c}
        - {name: b2, mountPath: /b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        volumeMounts:
        - mountPath: /c
          name: c
        - mountPath: /b
          name: b2
        - mountPath: /a
          name: a
      volumes:
      - name: c
        secret:
          secretName: s
      - configMap:
          name: "y"
        name: b
      - emptyDir: {}
        name: a
"#,
        );
    }

    /// `$patch: delete` on a container element (an unmatched one is a no-op). Verified with kubectl kustomize.
    #[test]
    fn delete_container() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
      - {name: b, image: b}
      - {name: c, image: c}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: b
        $patch: delete
      - name: z
        $patch: delete
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: a
        name: a
      - image: c
        name: c
"#,
        );
    }

    /// `$patch: replace` on a map replaces it whole. Verified with kubectl kustomize.
    #[test]
    fn replace_map() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        resources:
          limits: {cpu: "1", memory: 1Gi}
          requests: {cpu: "1"}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        resources:
          $patch: replace
          limits: {memory: 2Gi}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        resources:
          limits:
            memory: 2Gi
"#,
        );
    }

    /// `null` deletes scalar, map entry and list fields (absent ones stay absent). Verified with kubectl kustomize.
    #[test]
    fn null_deletes() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 2
  revisionHistoryLimit: 3
  template:
    metadata:
      labels: {a: "1", b: "2"}
    spec:
      containers:
      - name: a
        args: [x, y]
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: null
  template:
    metadata:
      labels: {a: null, c: null}
    spec:
      containers:
      - name: a
        args: null
        command: null
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  revisionHistoryLimit: 3
  template:
    metadata:
      labels:
        b: "2"
    spec:
      containers:
      - name: a
"#,
        );
    }

    /// Preferred anti-affinity replaced by required via `preferred...: null` (kagent prod). Verified with kubectl kustomize.
    #[test]
    fn antiaffinity() {
        check(
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  template:
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
      containers:
        - name: kagent
          image: x
          resources:
            requests: {cpu: 100m}
"#,
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  template:
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution: null
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: kagent
      containers:
        - name: kagent
          resources:
            requests: {cpu: 500m}
            limits: {cpu: "2"}
"#,
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kagent
spec:
  template:
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchLabels:
                app.kubernetes.io/name: kagent
            topologyKey: kubernetes.io/hostname
      containers:
      - image: x
        name: kagent
        resources:
          limits:
            cpu: "2"
          requests:
            cpu: 500m
"#,
        );
    }

    /// Custom resource: no schema, so lists are replaced even with `name` fields. Verified with kubectl kustomize.
    #[test]
    fn crd_list_replaced() {
        check(
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - name: a
    v: 1
  - name: b
    v: 2
  nested: {x: 1, y: 2}
"#,
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - name: b
    v: 3
    z: null
  nested: {x: null, w: 3}
"#,
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - name: b
    v: 3
    z: null
  nested:
    w: 3
    "y": 2
"#,
        );
    }

    /// Service ports: kyaml multi-key (port, protocol) matching with missing protocols. Verified with kubectl kustomize.
    #[test]
    fn service_ports() {
        check(
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP}
  - {name: https, port: 443, targetPort: 8443}
  - {name: dns, port: 53, protocol: UDP}
"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - {name: http2, port: 80, targetPort: 9090}
  - {name: https, port: 443, targetPort: 9443, protocol: TCP}
  - {name: dnstcp, port: 53, protocol: TCP}
  - {name: new, port: 8000}
"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - name: dnstcp
    port: 53
    protocol: TCP
  - name: new
    port: 8000
  - name: http
    port: 80
    protocol: TCP
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
  - name: dns
    port: 53
    protocol: UDP
"#,
        );
    }

    /// Service ports merge by port. Verified with kubectl kustomize.
    #[test]
    fn service_ports_simple() {
        check(
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - {name: http, port: 80, targetPort: 9090}
  - {name: metrics, port: 9000}
"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - name: http
    port: 80
    targetPort: 9090
  - name: metrics
    port: 9000
  - name: https
    port: 443
    targetPort: 8443
"#,
        );
    }

    /// `$patch: replace` on a list element is lost (kyaml puts the target element back). Verified with kubectl kustomize.
    #[test]
    fn container_replace() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a, args: [x]}
      - {name: b, image: b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        image: a2
        $patch: replace
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - args:
        - x
        image: a
        name: a
      - image: b
        name: b
"#,
        );
    }

    /// `- $patch: replace` replaces an associative list; nulls in it vanish. Verified with kubectl kustomize.
    #[test]
    fn list_replace() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a, args: [x]}
      - {name: b, image: b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - $patch: replace
      - name: c
        image: c
        env: [{name: X, value: null}]
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - env:
        - name: X
        image: c
        name: c
"#,
        );
    }

    /// `- $patch: delete` removes an associative list. Verified with kubectl kustomize.
    #[test]
    fn list_delete() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
      volumes:
      - {name: v, emptyDir: {}}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      volumes:
      - $patch: delete
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: a
        name: a
"#,
        );
    }

    /// Directives inside a non-associative list are copied verbatim. Verified with kubectl kustomize.
    #[test]
    fn crd_list_directive() {
        check(
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - name: a
"#,
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - $patch: replace
  - name: b
"#,
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - $patch: replace
  - name: b
"#,
        );
    }

    /// `$setElementOrder/...` is an ordinary field to kyaml. Verified with kubectl kustomize.
    #[test]
    fn setelementorder() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
      - {name: b, image: b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      $setElementOrder/containers:
      - name: b
      - name: a
      containers:
      - {name: a, image: a2}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      $setElementOrder/containers:
      - name: b
      - name: a
      containers:
      - image: a2
        name: a
      - image: b
        name: b
"#,
        );
    }

    /// `$retainKeys` and `$deleteFromPrimitiveList/...` are ordinary fields. Verified with kubectl kustomize.
    #[test]
    fn retainkeys_delfromprimitive() {
        check(
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  finalizers: [a, b, c]
data: {x: "1"}
"#,
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  $deleteFromPrimitiveList/finalizers: [b]
  $retainKeys: [name]
data: {y: "2"}
"#,
            r#"
apiVersion: v1
data:
  x: "1"
  "y": "2"
kind: ConfigMap
metadata:
  $deleteFromPrimitiveList/finalizers:
  - b
  $retainKeys:
  - name
  finalizers:
  - a
  - b
  - c
  name: c
"#,
        );
    }

    /// Finalizers merge as a set of primitives, patch values first. Verified with kubectl kustomize.
    #[test]
    fn finalizers() {
        check(
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  finalizers: [a, b, c]
"#,
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  finalizers: [d, b, e]
"#,
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  finalizers:
  - d
  - b
  - e
  - a
  - c
  name: c
"#,
        );
    }

    /// A subtree only the patch has loses its nulls and deleted elements. Verified with kubectl kustomize.
    #[test]
    fn null_in_new_subtree() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 1
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    metadata:
      labels: {a: "1", b: null}
      annotations: null
    spec:
      containers:
      - name: a
        image: null
        args: [x, null]
        env:
        - {name: A, value: null}
        - {name: B, $patch: delete}
        resources: {limits: {cpu: null}}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 1
  template:
    metadata:
      labels:
        a: "1"
    spec:
      containers:
      - args:
        - x
        - null
        env:
        - name: A
        name: a
        resources:
          limits: {}
"#,
        );
    }

    /// Empty map in the patch merges as nothing; empty list replaces an atomic list. Verified with kubectl kustomize.
    #[test]
    fn empty_map_list() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        args: [x]
        resources:
          limits: {cpu: "1"}
      volumes:
      - name: v
        emptyDir: {}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        args: []
        resources: {}
        env: []
      volumes:
      - name: v
        emptyDir: {medium: Memory}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - args: []
        env: []
        name: a
        resources:
          limits:
            cpu: "1"
      volumes:
      - emptyDir:
          medium: Memory
        name: v
"#,
        );
    }

    /// Empty associative list in the patch keeps the target's elements. Verified with kubectl kustomize.
    #[test]
    fn empty_assoc_list() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
      imagePullSecrets:
      - name: s
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers: []
      imagePullSecrets: []
      initContainers: []
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
      imagePullSecrets:
      - name: s
      initContainers: []
"#,
        );
    }

    /// Embedded object with apiVersion/kind gets that kind's schema. Verified with kubectl kustomize.
    #[test]
    fn crd_embedded() {
        check(
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  template:
    apiVersion: apps/v1
    kind: Deployment
    spec:
      template:
        spec:
          containers:
          - {name: a, image: a}
"#,
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  template:
    spec:
      template:
        spec:
          containers:
          - {name: b, image: b}
"#,
            r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  template:
    apiVersion: apps/v1
    kind: Deployment
    spec:
      template:
        spec:
          containers:
          - image: b
            name: b
          - image: a
            name: a
"#,
        );
    }

    /// Tolerations have no merge strategy: replaced. Verified with kubectl kustomize.
    #[test]
    fn tolerations_replaced() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      tolerations:
      - {key: a, operator: Exists}
      containers: [{name: a}]
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      tolerations:
      - {key: b, operator: Exists}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
      tolerations:
      - key: b
        operator: Exists
"#,
        );
    }

    /// Deleting a port without protocol fails to match when others have one. Verified with kubectl kustomize.
    #[test]
    fn delete_port_partial() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        ports:
        - {containerPort: 80, protocol: TCP}
        - {containerPort: 90}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        ports:
        - {containerPort: 90, $patch: delete}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        ports:
        - containerPort: 80
          protocol: TCP
        - containerPort: 90
"#,
        );
    }

    /// `$patch: replace` on an env element is lost as well. Verified with kubectl kustomize.
    #[test]
    fn env_replace_elem() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - name: A
          valueFrom: {secretKeyRef: {name: s, key: k}}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: A, value: v, $patch: replace}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - env:
        - name: A
          valueFrom:
            secretKeyRef:
              key: k
              name: s
        name: a
"#,
        );
    }

    /// TopologySpreadConstraints merge by (topologyKey, whenUnsatisfiable). Verified with kubectl kustomize.
    #[test]
    fn topology_spread() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}
      - {maxSkew: 1, topologyKey: host, whenUnsatisfiable: ScheduleAnyway}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      topologySpreadConstraints:
      - {maxSkew: 2, topologyKey: host, whenUnsatisfiable: ScheduleAnyway}
      - {maxSkew: 3, topologyKey: rack, whenUnsatisfiable: DoNotSchedule}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      topologySpreadConstraints:
      - maxSkew: 3
        topologyKey: rack
        whenUnsatisfiable: DoNotSchedule
      - maxSkew: 1
        topologyKey: zone
        whenUnsatisfiable: DoNotSchedule
      - maxSkew: 2
        topologyKey: host
        whenUnsatisfiable: ScheduleAnyway
"#,
        );
    }

    /// OwnerReferences merge by uid. Verified with kubectl kustomize.
    #[test]
    fn owner_refs() {
        check(
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  ownerReferences:
  - {apiVersion: v1, kind: X, name: a, uid: "1"}
  - {apiVersion: v1, kind: X, name: b, uid: "2"}
"#,
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  ownerReferences:
  - {apiVersion: v1, kind: X, name: b2, uid: "2"}
  - {apiVersion: v1, kind: X, name: c, uid: "3"}
"#,
            r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  ownerReferences:
  - apiVersion: v1
    kind: X
    name: b2
    uid: "2"
  - apiVersion: v1
    kind: X
    name: c
    uid: "3"
  - apiVersion: v1
    kind: X
    name: a
    uid: "1"
"#,
        );
    }

    /// CronJob batch/v1 pod template containers merge by name. Verified with kubectl kustomize.
    #[test]
    fn pod_and_cronjob() {
        check(
            r#"
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - {name: a, image: a}
"#,
            r#"
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - {name: b, image: b}
"#,
            r#"
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - image: b
            name: b
          - image: a
            name: a
"#,
        );
    }

    /// Pod containers and initContainers merge by name. Verified with kubectl kustomize.
    #[test]
    fn pod() {
        check(
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - {name: a, image: a}
  initContainers:
  - {name: i, image: i}
"#,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - {name: b, image: b}
  - {name: a, image: a2}
  initContainers:
  - {name: j, image: j}
"#,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - image: b
    name: b
  - image: a2
    name: a
  initContainers:
  - image: j
    name: j
  - image: i
    name: i
"#,
        );
    }

    /// A map patched onto a null field is added, minus its nulls. Verified with kubectl kustomize.
    #[test]
    fn map_onto_scalar_null() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        resources: null
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        resources: {limits: {cpu: "1", memory: null}}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        resources:
          limits:
            cpu: "1"
"#,
        );
    }

    /// Duplicate keys in the patch collapse to the first element. Verified with kubectl kustomize.
    #[test]
    fn dup_names_in_patch() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: b, image: b1}
      - {name: b, image: b2, args: [x]}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: b1
        name: b
      - image: a
        name: a
"#,
        );
    }

    /// A patch element without its merge key wipes the keyed elements. Verified with kubectl kustomize.
    #[test]
    fn elem_without_key() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
      - {name: b, image: b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {image: nokey}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers: []
"#,
        );
    }

    /// `- $patch: merge` is dropped and the list merges. Verified with kubectl kustomize.
    #[test]
    fn list_merge_directive() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - $patch: merge
      - {name: b, image: b}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: b
        name: b
      - image: a
        name: a
"#,
        );
    }

    /// A new multi-key list is merged with itself. Verified with kubectl kustomize.
    #[test]
    fn port_keyed_new_list() {
        check(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: a
        ports:
        - {containerPort: 80}
        - {containerPort: 81, protocol: UDP}
        - {containerPort: 80, protocol: TCP, name: x}
"#,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: a
        name: a
        ports:
        - containerPort: 80
        - containerPort: 81
          protocol: UDP
        - containerPort: 80
          name: x
          protocol: TCP
"#,
        );
    }

    /// Merge keys compare as text: port 80 matches "80". Verified with kubectl kustomize.
    #[test]
    fn int_vs_string_key() {
        check(
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - {port: 80, name: a}
"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - {port: "80", name: b}
"#,
            r#"
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
  - name: b
    port: "80"
"#,
        );
    }
}
