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
//! `null` and `~` (the caller, `Resource::drop_empty_nulls`, drops such fields). A
//! scalar's style is not in the value either: outside lists the caller
//! (`transform::patch`) corrects a number replacing a string from what the parse
//! recorded (quoted `"x"` gives a string with the patch's text, `0x10`; tagged `!!str 4`
//! the number); inside lists it marks the maps in place ([`QUOTED_MARK`],
//! [`PLAIN_MARK`], [`SPELLING_MARK`]) and the merge keeps the marks up to date (a
//! replaced scalar keeps the target's style, a created one the patch's).
//!
//! Merge keys come from the schema the caller passes ([`OpenApi`]): the Kubernetes
//! v1.21.2 OpenAPI document that kyaml compiles in, or a kustomization's own
//! (`openapi: {path: ...}`, [`crate::schema::custom`]).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::resource::Gvk;
use crate::schema::openapi::{OpenApi, Schema};
use crate::yaml::parse::resolve_plain;

mod assoc;

use assoc::merge_assoc;

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

/// A mark the caller may put in a map (an array of the map's keys): those fields hold
/// strings written quoted, so a number or boolean replacing one becomes a string. Marks
/// start with NUL, which no YAML key holds; the merge keeps them up to date (a replaced
/// scalar keeps the target's style, a created one the patch's) and the caller takes them
/// out afterwards ([`crate::transform::scalar_style`]).
pub const QUOTED_MARK: &str = "\0quoted";
/// A mark like [`QUOTED_MARK`] for strings whose node is not quoted though their text
/// would need quotes (`!!str 4`, or a patch's `"4"` merged under a plain style): a
/// number replacing one stays a number.
pub const PLAIN_MARK: &str = "\0plain";
/// A mark in a patch's map (a map of key to text): numbers and booleans written otherwise
/// than they print (`0x1F`), the text a quoted target then gets.
pub const SPELLING_MARK: &str = "\0spelling";

fn is_mark(key: &str) -> bool {
    key.starts_with('\0')
}

/// Whether `m`'s mark `mark` names `key`.
fn marked(m: &Map<String, Value>, mark: &str, key: &str) -> bool {
    match m.get(mark) {
        Some(Value::Array(keys)) => keys.iter().any(|k| k.as_str() == Some(key)),
        _ => false,
    }
}

/// Whether the scalar `v` at `key` of `m` has a quoted style: as marked, else as its
/// text requires.
fn quoted_style(m: &Map<String, Value>, key: &str, v: &Value) -> bool {
    if marked(m, PLAIN_MARK, key) {
        false
    } else {
        marked(m, QUOTED_MARK, key) || v.as_str().is_some_and(was_quoted)
    }
}

/// Records in `m`'s marks that the field `key`, about to hold `v`, has a quoted style
/// or not, where its text alone would say otherwise.
fn set_style_mark(m: &mut Map<String, Value>, key: &str, v: &Value, quoted: bool) {
    for mark in [QUOTED_MARK, PLAIN_MARK] {
        if let Some(Value::Array(keys)) = m.get_mut(mark) {
            keys.retain(|k| k.as_str() != Some(key));
        }
    }
    let Value::String(s) = v else { return };
    if was_quoted(s) == quoted {
        return;
    }
    let mark = if quoted { QUOTED_MARK } else { PLAIN_MARK };
    if let Value::Array(keys) = m.entry(mark).or_insert_with(|| Value::Array(Vec::new())) {
        keys.push(Value::String(key.to_string()));
    }
}

/// The patch's spelling of `key` in `m`, if marked.
fn spelled(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(SPELLING_MARK)?.get(key)?.as_str().map(str::to_string)
}

/// Merges `patch` into `target`, both whole objects of kind `gvk` (the target's), using
/// Kubernetes merge keys and the `$patch` directives. `target` is changed in place. The
/// caller restores the target's name, namespace and kind afterwards as Kustomize does.
pub fn merge(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    gvk: &Gvk,
    api: OpenApi<'_>,
) -> std::result::Result<Outcome, SmpError> {
    let outcome = merge_marked(target, patch, gvk, api);
    strip_marks(target);
    outcome
}

/// Removes every style mark ([`QUOTED_MARK`], ...) from `m`.
fn strip_marks(m: &mut Map<String, Value>) {
    fn value(v: &mut Value) {
        match v {
            Value::Object(o) => strip_marks(o),
            Value::Array(items) => items.iter_mut().for_each(value),
            _ => {}
        }
    }
    m.retain(|k, _| !is_mark(k));
    m.values_mut().for_each(value);
}

/// [`merge`], leaving in `target` the style marks ([`QUOTED_MARK`], [`PLAIN_MARK`]) the
/// caller put there or the merge wrote, for the caller to take out.
pub fn merge_marked(
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
        if origin.contains_key(key) || is_mark(key) {
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
        if (skip_directive && key == DIRECTIVE) || is_mark(key) {
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
                // The result has the target's style, or the patch's for a new field.
                let quoted = match dest.get(key) {
                    Some(old) => quoted_style(dest, key, old),
                    None => quoted_style(origin, key, ov),
                };
                let nv = match (dest.get(key), nv) {
                    (Some(Value::String(_)), nv @ (Value::Number(_) | Value::Bool(_)))
                        if quoted =>
                    {
                        Value::String(
                            spelled(origin, key).unwrap_or_else(|| scalar_text(&nv).into_owned()),
                        )
                    }
                    (_, nv) => nv,
                };
                if !nv.is_object() && !nv.is_array() {
                    set_style_mark(dest, key, &nv, quoted);
                }
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
        if is_mark(key) {
            continue;
        }
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

    /// Inside a list element matched by key, a number replacing a string marked quoted
    /// becomes the patch's spelling; a plain-marked one (`!!str 4`) stays a number;
    /// [`merge`] leaves no mark behind. kubectl kustomize agrees
    /// (`kagentctl_smp_list_element_keeps_target_style`).
    #[test]
    fn marks_keep_the_target_style_in_lists() {
        let mut t = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n    workingDir: '4'\n");
        let p = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: b\n  - name: a\n    image: 31\n    workingDir: 5\n");
        let mut marked = t.clone();
        let c = &mut marked["spec"]["containers"][0];
        c[QUOTED_MARK] = serde_json::json!(["image"]);
        c[PLAIN_MARK] = serde_json::json!(["workingDir"]);
        let mut p_marked = p.clone();
        p_marked["spec"]["containers"][1][SPELLING_MARK] = serde_json::json!({"image": "0x1F"});
        let gvk = gvk_of(&t);
        merge_marked(&mut marked, &p_marked, &gvk, OpenApi::BUILTIN).unwrap();
        let a = &marked["spec"]["containers"][1];
        assert_eq!(a["image"], "0x1F");
        assert_eq!(a["workingDir"], 5);
        // Without marks the text decides, and nothing is left behind.
        merge(&mut t, &p, &gvk, OpenApi::BUILTIN).unwrap();
        assert_eq!(t["spec"]["containers"][1]["image"], 31);
        assert_eq!(t["spec"]["containers"][1]["workingDir"], "5");
        assert!(!serde_json::to_string(&t).unwrap().contains('\u{0}'));
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
}
