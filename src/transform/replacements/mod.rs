//! Kustomize's `replacements:`: copy a field of one source object into fields of the
//! selected target objects (Kustomize's ReplacementTransformer and its `replacement`
//! filter, v5.5.0).
//!
//! Field paths use kyaml's dotted syntax: `spec.template.spec.containers.0.image`,
//! `spec.containers.[name=nginx].image`, `metadata.annotations.[a.b/c]`, `*` for every
//! element of a list. Sources are looked up the way kyaml's `PathGetter` does (`[k=v]`
//! compares exactly, `-` is the last element); targets are matched the way its
//! `PathMatcher` does (`[k=v]` is an unanchored regular expression, `*` is allowed, and
//! missing fields are created only with `options.create`).
//!
//! Selection is by id only, exactly as Kustomize compares (`kind: Deployment|StatefulSet`
//! is a literal kind, not a pattern), against the current and every previous id of an
//! object; labels and annotations narrow targets further.
//!
//! This module applies replacements; `decode.rs` holds the entry types and their
//! decoding, which the loader side (`plugins`) calls before any transformer runs.

use regex::Regex;
use serde_json::{Map, Value};

use super::fieldpath::{
    atoi, is_list_index, lookup_at, node_at_mut, node_string, scalar_text, split_index_name_value,
    split_smart, wrong_kind, Seg, DEFAULT_FIELD_PATH,
};
use super::metadata::stringify_annotations;
use super::selector::{effective_namespace, plain_namespace, LabelSelector};
use super::TransformResult;
use crate::resource::{Hidden, ResId, ResMap, Resource, Spelling, Undecodable};
use crate::yaml::parse::resolve_plain;

mod decode;

pub(crate) use decode::decode_replacement;
pub use decode::{FieldOptions, IdSelector, Replacement, Selector, Source, Target};

impl IdSelector {
    fn is_empty(&self) -> bool {
        self.group.is_empty()
            && self.version.is_empty()
            && self.kind.is_empty()
            && self.name.is_empty()
            && self.namespace.is_empty()
    }

    /// Kustomize's `ResId.IsSelectedBy`: literal name and group/version/kind; a
    /// namespace is compared with `eff_ns`, the id's effective namespace (see
    /// [`object_ids`]), an unset or `default` one counting as `default`.
    pub fn selects(&self, id: &ResId, eff_ns: &str) -> bool {
        if !self.name.is_empty() && self.name != id.name {
            return false;
        }
        if !self.namespace.is_empty() && plain_namespace(&self.namespace) != eff_ns {
            return false;
        }
        (self.group.is_empty() || self.group == id.gvk.group)
            && (self.version.is_empty() || self.version == id.gvk.version)
            && (self.kind.is_empty() || self.kind == id.gvk.kind)
    }
}

/// What kind of node to create for a missing path part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Scalar,
    Map,
    Seq,
}

fn kind_of(v: &Value) -> NodeKind {
    match v {
        Value::Object(_) => NodeKind::Map,
        Value::Array(_) => NodeKind::Seq,
        _ => NodeKind::Scalar,
    }
}

fn part_kind(next: Option<&String>, leaf: NodeKind) -> NodeKind {
    match next {
        None => leaf,
        Some(n) if n.is_empty() => leaf,
        Some(n) if is_list_index(n) || atoi(n).is_some_and(|i| i >= 0) => NodeKind::Seq,
        Some(_) => NodeKind::Map,
    }
}

fn new_node(kind: NodeKind) -> Value {
    match kind {
        NodeKind::Scalar => Value::Null,
        NodeKind::Map => Value::Object(Map::new()),
        NodeKind::Seq => Value::Array(Vec::new()),
    }
}

/// One field a target path reached.
struct Found {
    /// Where it is (`None`: created under a null node, where kyaml loses it), in the
    /// object or, with `root`, in that hidden field's value.
    at: Option<Vec<Seg>>,
    /// It was just created (a new scalar has no type yet: its text decides it).
    fresh: bool,
    /// The lost node, for the write that goes nowhere.
    lost: Value,
    /// The field created under a null node it lies in (an index into [`Finds::roots`]).
    root: Option<usize>,
}

/// What a target path reached: the fields, and the fields created under null nodes of
/// the object (kept hidden there, see [`Hidden`]).
#[derive(Default)]
struct Finds {
    found: Vec<Found>,
    roots: Vec<Hidden>,
}

/// Finds (and with `create`, makes) the fields a target path names (kyaml's
/// `PathMatcher`), recording where each is; returns how many there were. `trail` is the
/// path to `node` (`None` inside a lost node).
fn walk(
    node: &mut Value,
    path: &[String],
    create: Option<NodeKind>,
    fresh: bool,
    trail: &mut Option<Vec<Seg>>,
    out: &mut Finds,
) -> TransformResult<usize> {
    let Some((head, rest)) = path.split_first() else {
        out.found.push(Found {
            at: trail.clone(),
            fresh,
            lost: if trail.is_some() {
                Value::Null
            } else {
                node.clone()
            },
            root: None,
        });
        return Ok(1);
    };
    if let Some(idx) = atoi(head).filter(|i| *i >= 0) {
        let idx = usize::try_from(idx).map_err(|e| e.to_string())?;
        if node.is_null() && create.is_some() {
            // kyaml appends to the null node itself, where the element is lost.
            let mut lost = Value::Array(Vec::new());
            return walk(&mut lost, path, create, fresh, &mut None, out);
        }
        let items = match node {
            Value::Null => return Err(format!("index {idx} specified but only 0 elements found")),
            Value::Array(a) => a,
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let mut made = false;
        if let Some(leaf) = create {
            if items.len() == idx {
                items.push(new_node(part_kind(rest.first(), leaf)));
                made = true;
            }
        }
        let len = items.len();
        let Some(item) = items.get_mut(idx) else {
            return Err(format!(
                "index {idx} specified but only {len} elements found"
            ));
        };
        return descend(item, Seg::Idx(idx), rest, create, made, trail, out);
    }
    if is_list_index(head) {
        return walk_seq(node, head, rest, create, trail, out);
    }
    if head == "*" {
        return match node {
            Value::Null => Ok(0),
            Value::Array(a) => {
                let mut n = 0;
                for (i, item) in a.iter_mut().enumerate() {
                    n += descend(item, Seg::Idx(i), rest, create, false, trail, out)?;
                }
                Ok(n)
            }
            other => Err(wrong_kind("SequenceNode", other)),
        };
    }
    match node {
        Value::Object(m) => {
            let seg = Seg::Key(head.clone());
            if let Some(field) = m.get_mut(head.as_str()) {
                return descend(field, seg, rest, create, false, trail, out);
            }
            let Some(leaf) = create else {
                return Ok(0);
            };
            let field = m
                .entry(head.clone())
                .or_insert_with(|| new_node(part_kind(rest.first(), leaf)));
            descend(field, seg, rest, create, true, trail, out)
        }
        Value::Null => match create {
            // kyaml appends the new field to the null node, which still prints as null:
            // the field is hidden there (see [`Hidden`]), or lost inside a lost node.
            Some(leaf) => {
                let mut lost = new_node(part_kind(rest.first(), leaf));
                let Some(at) = trail.clone() else {
                    return walk(&mut lost, rest, create, true, &mut None, out);
                };
                let root = out.roots.len();
                out.roots.push(Hidden {
                    at,
                    key: head.clone(),
                    value: Value::Null,
                });
                let first = out.found.len();
                let n = walk(&mut lost, rest, create, true, &mut Some(Vec::new()), out)?;
                for f in &mut out.found[first..] {
                    if f.at.is_some() && f.root.is_none() {
                        f.root = Some(root);
                    }
                }
                out.roots[root].value = lost;
                Ok(n)
            }
            None => Ok(0),
        },
        other => Err(wrong_kind("MappingNode", other)),
    }
}

/// [`walk`] one level down, keeping the trail.
fn descend(
    node: &mut Value,
    seg: Seg,
    path: &[String],
    create: Option<NodeKind>,
    fresh: bool,
    trail: &mut Option<Vec<Seg>>,
    out: &mut Finds,
) -> TransformResult<usize> {
    if let Some(t) = trail.as_mut() {
        t.push(seg);
    }
    let n = walk(node, path, create, fresh, trail, out);
    if let Some(t) = trail.as_mut() {
        t.pop();
    }
    n
}

/// `[k=regex]` / `[=regex]` over a list (kyaml's `PathMatcher.doSeq`).
fn walk_seq(
    node: &mut Value,
    head: &str,
    rest: &[String],
    create: Option<NodeKind>,
    trail: &mut Option<Vec<Seg>>,
    out: &mut Finds,
) -> TransformResult<usize> {
    let (field, pattern) = split_index_name_value(head)?;
    let compile =
        || Regex::new(pattern).map_err(|e| format!("invalid regular expression in {head:?}: {e}"));
    if node.is_null() && create.is_some() {
        // As for an index: what is created under a null node is lost.
        let mut lost = Value::Array(Vec::new());
        return walk_seq(&mut lost, head, rest, create, &mut None, out);
    }
    let items = match node {
        Value::Null => return Ok(0),
        Value::Array(a) => a,
        other => return Err(wrong_kind("SequenceNode", other)),
    };
    let mut n = 0;
    if !items.is_empty() {
        let re = compile()?;
        for (i, item) in items.iter_mut().enumerate() {
            if field.is_empty() {
                if re.is_match(node_string(item).trim()) {
                    // A matching scalar element is the result, whatever path follows.
                    n += descend(item, Seg::Idx(i), &[], create, false, trail, out)?;
                }
                continue;
            }
            let Some(v) = item.as_object().and_then(|m| m.get(field)) else {
                continue;
            };
            if re.is_match(node_string(v).trim()) {
                n += descend(item, Seg::Idx(i), rest, create, false, trail, out)?;
            }
        }
    }
    if n > 0 || create.is_none() {
        return Ok(n);
    }
    // Nothing matched: append an element that the pattern, read literally, describes,
    // then match again (only the new element can match now).
    let re = compile()?;
    if !re.is_match(pattern) {
        return Ok(0);
    }
    let last = items.len();
    if field.is_empty() {
        items.push(Value::String(pattern.to_string()));
        return descend(
            &mut items[last],
            Seg::Idx(last),
            &[],
            create,
            true,
            trail,
            out,
        );
    }
    let mut m = Map::new();
    m.insert(field.to_string(), resolve_plain(pattern));
    items.push(Value::Object(m));
    if rest.len() == 1 && rest[0] == field {
        // The path ends at the field just created from the pattern: an untyped scalar.
        if let Some(t) = trail.as_mut() {
            t.push(Seg::Idx(last));
        }
        let field_node = items[last].as_object_mut().and_then(|m| m.get_mut(field));
        let n = match field_node {
            Some(f) => descend(
                f,
                Seg::Key(field.to_string()),
                &[],
                create,
                true,
                trail,
                out,
            ),
            None => Ok(0),
        };
        if let Some(t) = trail.as_mut() {
            t.pop();
        }
        return n;
    }
    descend(
        &mut items[last],
        Seg::Idx(last),
        rest,
        create,
        false,
        trail,
        out,
    )
}

fn node_at<'a>(node: &'a Value, at: &[Seg]) -> Option<&'a Value> {
    let mut cur = node;
    for seg in at {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get(k)?,
            (Seg::Idx(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

// ---------------------------------------------------------------------------------------
// Applying.

/// The type a scalar keeps when only its text is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    /// A scalar created by the replacement: its text decides its type.
    Untyped,
    /// A string written plain that reads as a timestamp (go-yaml's `!!timestamp`).
    Timestamp,
}

fn tag_of(v: &Value, fresh: bool) -> Tag {
    if fresh {
        return Tag::Untyped;
    }
    match v {
        Value::String(_) => Tag::Str,
        Value::Number(n) if n.is_i64() || n.is_u64() => Tag::Int,
        Value::Number(_) => Tag::Float,
        Value::Bool(_) => Tag::Bool,
        _ => Tag::Null,
    }
}

/// A scalar of type `tag` with text `text`, as the YAML decoder reads it back; `Err` with
/// the type's name when it cannot hold that text (the field then holds the text, and
/// Kustomize fails when it next decodes the object: see [`Undecodable`]).
fn typed(text: &str, tag: Tag) -> Result<Value, &'static str> {
    let plain = resolve_plain(text);
    let ok = match tag {
        Tag::Str => return Ok(Value::String(text.to_string())),
        // An untyped scalar reads as go-yaml reads a plain one: a timestamp is a time,
        // printed as Go prints it.
        Tag::Untyped => {
            return Ok(match plain {
                Value::String(s) => Value::String(crate::yaml::timestamp_text(&s).unwrap_or(s)),
                other => other,
            })
        }
        Tag::Timestamp => {
            return crate::yaml::timestamp_text(text)
                .map(Value::String)
                .ok_or("!!timestamp")
        }
        Tag::Null => plain.is_null(),
        Tag::Int => plain.as_number().is_some_and(|n| n.is_i64() || n.is_u64()),
        Tag::Float => plain.is_number(),
        Tag::Bool => plain.is_boolean(),
    };
    if ok {
        Ok(plain)
    } else {
        Err(match tag {
            Tag::Int => "!!int",
            Tag::Float => "!!float",
            Tag::Null => "!!null",
            _ => "!!bool",
        })
    }
}

/// Whether the string at `at` in `r` was written as a plain timestamp (read as Go prints
/// it; not quoted, not tagged, outside lists).
fn is_timestamp(r: &Resource, at: &[Seg], v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let mut path = Vec::with_capacity(at.len());
    for seg in at {
        match seg {
            Seg::Key(k) => path.push(k.clone()),
            Seg::Idx(_) => return false,
        }
    }
    crate::yaml::timestamp_text(s).as_deref() == Some(s)
        && !r.quoted_strings.contains(&path)
        && !r.tagged_strings.contains(&path)
        && !r.plain_strings.contains(&path)
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// What [`set_field`] wrote into a scalar: the node's text, and when the field's type
/// cannot hold it, that type.
struct Written {
    text: String,
    bad: Option<&'static str>,
}

/// Writes `value` into the target field `t` (Kustomize's `setFieldValue`); `cur`: the
/// field's text (split by a delimiter); `timestamp`: the field is a plain timestamp.
/// Returns what a scalar field now holds (`None`: the field became the copied node).
fn set_field(
    t: &mut Value,
    cur: &str,
    fresh: bool,
    timestamp: bool,
    value: &Copied,
    opts: &FieldOptions,
) -> TransformResult<Option<Written>> {
    let text = value.text();
    let tag = |t: &Value| {
        if timestamp && !fresh {
            Tag::Timestamp
        } else {
            tag_of(t, fresh)
        }
    };
    let write = |t: &mut Value, text: String| match typed(&text, tag(t)) {
        Ok(v) => {
            *t = v;
            Some(Written { text, bad: None })
        }
        Err(ty) => {
            *t = Value::String(text.clone());
            Some(Written {
                text,
                bad: Some(ty),
            })
        }
    };
    if !opts.delimiter.is_empty() {
        if !is_scalar(t) {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let mut parts: Vec<&str> = cur.split(opts.delimiter.as_str()).collect();
        match usize::try_from(opts.index) {
            Err(_) => parts.insert(0, &text),
            Ok(i) if i >= parts.len() => parts.push(&text),
            Ok(i) => parts[i] = &text,
        }
        let joined = parts.join(&opts.delimiter);
        Ok(write(t, joined))
    } else if is_scalar(t) {
        Ok(write(t, text))
    } else {
        *t = value.node.clone();
        Ok(None)
    }
}

/// Every id an object has had, current first, each with the effective namespace the
/// replacement filter compares. The filter builds the current id without looking up
/// whether the kind is cluster-scoped (an unset namespace is `default` even for a
/// ClusterRole), while a previous id keeps the effective namespace recorded when it was
/// stored, which did account for cluster scope.
pub fn object_ids(r: &Resource) -> Vec<(ResId, String)> {
    let cur = r.id();
    let ns = plain_namespace(&cur.namespace).to_string();
    let mut ids = vec![(cur, ns)];
    for p in &r.prev_ids {
        ids.push((p.clone(), effective_namespace(p).to_string()));
    }
    ids
}

fn source_text(s: &Source) -> String {
    let mut out = s.id.to_string();
    if !s.field_path.is_empty() {
        out.push(':');
        out.push_str(&s.field_path);
    }
    if !s.options.delimiter.is_empty() || s.options.create {
        out.push_str(&format!(
            ":{}({}), create={}",
            s.options.delimiter, s.options.index, s.options.create
        ));
    }
    out
}

/// Where a source field lives: the object's position and the field's path.
type SourceAt = (usize, Vec<Seg>);

/// The value a replacement copies, and (when it is the source field itself rather than
/// a part of it) the object and path it lives at: kyaml copies from the live node, so a
/// target that writes into the source field changes what later targets receive.
fn source_value(m: &ResMap, s: &Source) -> TransformResult<(Copied, Option<SourceAt>)> {
    let mut found: Option<(usize, &Resource)> = None;
    for (i, r) in m.iter().enumerate() {
        if object_ids(r).iter().any(|(id, ns)| s.id.selects(id, ns)) {
            if found.is_some() {
                return Err(format!("multiple matches for selector {}", source_text(s)));
            }
            found = Some((i, r));
        }
    }
    let Some((pos, r)) = found else {
        return Err(format!("nothing selected by {}", source_text(s)));
    };
    let path = if s.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &s.field_path
    };
    let obj = Value::Object(r.obj.clone());
    let found = lookup_at(&obj, &split_smart(path, "."))
        .map_err(|e| format!("error looking up replacement source: {e}"))?;
    let (v, at) = match found {
        Some((v, at)) => (Some(v), at),
        None => (None, Vec::new()),
    };
    let missing = match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    let Some(v) = v.filter(|_| !missing) else {
        return Err(format!(
            "fieldPath `{path}` is missing for replacement source {}",
            s.id
        ));
    };
    if s.options.delimiter.is_empty() {
        let node = v.clone();
        let text = Spelling::text_at(&r.spellings, &at, v);
        let spelled = (is_scalar(v) && text != scalar_text(v)).then_some(text);
        return Ok((
            Copied {
                node,
                part: spelled,
            },
            Some((pos, at)),
        ));
    }
    if !is_scalar(v) {
        return Err("delimiter option can only be used with scalar nodes".into());
    }
    let text = Spelling::text_at(&r.spellings, &at, v);
    let parts: Vec<&str> = text.split(s.options.delimiter.as_str()).collect();
    let part = usize::try_from(s.options.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            format!(
                "options.index {} is out of bounds for value {text}",
                s.options.index
            )
        })?;
    let node = match v {
        Value::String(_) => Value::String(part.to_string()),
        _ => match resolve_plain(part) {
            Value::Null => Value::String(part.to_string()),
            x => x,
        },
    };
    let part = Some(part.to_string());
    Ok((Copied { node, part }, None))
}

fn labels_match(r: &Resource, sel: &Selector) -> TransformResult<bool> {
    for (text, field) in [
        (&sel.annotation_selector, "annotations"),
        (&sel.label_selector, "labels"),
    ] {
        if text.is_empty() {
            continue;
        }
        if !LabelSelector::parse(text)?.matches(r.metadata_map(field)) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn target_selected(r: &Resource, t: &Target, select: &Selector) -> TransformResult<bool> {
    if !labels_match(r, select)? {
        return Ok(false);
    }
    for rej in &t.reject {
        if (!rej.label_selector.is_empty() || !rej.annotation_selector.is_empty())
            && labels_match(r, rej)?
        {
            return Ok(false);
        }
    }
    let ids = object_ids(r);
    let rejected = t
        .reject
        .iter()
        .filter(|rej| !rej.id.is_empty())
        .any(|rej| ids.iter().any(|(id, ns)| rej.id.selects(id, ns)));
    Ok(!rejected && ids.iter().any(|(id, ns)| select.id.selects(id, ns)))
}

/// A copied value: the node, and its exact text when the node alone would spell it
/// otherwise (a part cut out of a scalar by a delimiter, a number read back from a JSON
/// patch: see [`crate::resource::Spelling`]).
#[derive(Debug, Clone)]
struct Copied {
    node: Value,
    part: Option<String>,
}

impl Copied {
    fn text(&self) -> String {
        self.part.clone().unwrap_or_else(|| scalar_text(&self.node))
    }
}

/// The value being copied: a snapshot, kept in step with the source field while a
/// target in the source object writes into it.
struct Live {
    value: Copied,
    /// Path of the source field in its object, while the value follows it.
    at: Option<Vec<Seg>>,
}

fn write_target(r: &mut Resource, live: &mut Live, is_source: bool, t: &Target) -> TransformResult {
    let default = [DEFAULT_FIELD_PATH.to_string()];
    let paths: &[String] = if t.field_paths.is_empty() {
        &default
    } else {
        &t.field_paths
    };
    let mut obj = Value::Object(std::mem::take(&mut r.obj));
    let mut out = Notes {
        spellings: std::mem::take(&mut r.spellings),
        plain_annotations: Vec::new(),
        hidden: Vec::new(),
    };
    let result = write_paths(r, &mut obj, paths, live, is_source, t, &mut out);
    if let Value::Object(m) = obj {
        r.obj = m;
    }
    r.spellings = out.spellings;
    r.plain_annotations.extend(out.plain_annotations);
    r.hidden.extend(out.hidden);
    r.undecodable.extend(result?);
    Ok(())
}

/// What writing a target records besides the object: the numbers' texts (see
/// [`Spelling`]), annotations created untyped (see [`Resource::plain_annotations`]) and
/// fields created under null nodes (see [`Hidden`]).
struct Notes {
    spellings: Vec<Spelling>,
    plain_annotations: Vec<(String, String)>,
    hidden: Vec<Hidden>,
}

/// The key of an annotation the write at `at` created.
fn new_annotation(at: &[Seg], fresh: bool) -> Option<String> {
    match at {
        [Seg::Key(md), Seg::Key(a), Seg::Key(k)]
            if fresh && md == "metadata" && a == "annotations" =>
        {
            Some(k.clone())
        }
        _ => None,
    }
}

/// Writes the value into every field `paths` name in `obj` (the object of `r`, taken
/// out); returns the scalars written that their fields' types cannot hold.
fn write_paths(
    r: &Resource,
    obj: &mut Value,
    paths: &[String],
    live: &mut Live,
    is_source: bool,
    t: &Target,
    out: &mut Notes,
) -> TransformResult<Vec<Undecodable>> {
    let create = t.options.create.then(|| kind_of(&live.value.node));
    let mut bad = Vec::new();
    for fp in paths {
        let what = if create.is_some() {
            format!("unable to find or create field {fp:?} in replacement target")
        } else {
            format!("unable to find field {fp:?} in replacement target")
        };
        // First find (and create) every field, then write them, as kyaml does.
        let mut finds = Finds::default();
        match walk(
            obj,
            &split_smart(fp, "."),
            create,
            false,
            &mut Some(Vec::new()),
            &mut finds,
        ) {
            Ok(0) => return Err(what),
            Ok(_) => {}
            Err(e) => return Err(format!("{what}: {e}")),
        }
        let Finds { found, mut roots } = finds;
        for f in found {
            if is_source {
                if let Some(v) = live.at.as_deref().and_then(|at| node_at(obj, at)) {
                    if *v != live.value.node {
                        live.value = Copied {
                            node: v.clone(),
                            part: None,
                        };
                    }
                }
            }
            let Some(at) = f.at else {
                let mut lost = f.lost;
                let cur = scalar_text(&lost);
                set_field(&mut lost, &cur, f.fresh, false, &live.value, &t.options)?;
                continue;
            };
            if let Some(root) = f.root {
                // A field created under a null node: fresh, untyped, hidden for now.
                if let Some(node) = roots
                    .get_mut(root)
                    .and_then(|h| node_at_mut(&mut h.value, &at))
                {
                    let cur = scalar_text(node);
                    set_field(node, &cur, true, false, &live.value, &t.options)?;
                }
                continue;
            }
            let Some(node) = node_at_mut(obj, &at) else {
                continue;
            };
            // A plain `.inf` is a float whose type the field keeps (as for numbers).
            let inf = node.as_str().is_some_and(|t| {
                crate::yaml::parse::is_non_finite(t)
                    && r.undecodable
                        .iter()
                        .any(|u| u.tag == "!!float" && u.text == t)
            });
            if inf && !f.fresh {
                let text = if t.options.delimiter.is_empty() {
                    live.value.text()
                } else {
                    // The copied value joined into the field's own text at the delimiter.
                    let cur = scalar_text(node);
                    set_field(node, &cur, false, false, &live.value, &t.options)?;
                    scalar_text(node)
                };
                if crate::yaml::parse::resolve_plain(&text).is_number() {
                    *node = crate::yaml::parse::resolve_plain(&text);
                } else {
                    *node = Value::String(text.clone());
                    bad.push(Undecodable {
                        at: at.clone(),
                        text,
                        tag: "!!float",
                    });
                }
                continue;
            }
            let timestamp = is_timestamp(r, &at, node);
            let cur = Spelling::text_at(&out.spellings, &at, node);
            let written = set_field(node, &cur, f.fresh, timestamp, &live.value, &t.options)?;
            out.spellings.retain(|s| !s.at.starts_with(&at));
            if let Some(w) = written {
                if let Some(tag) = w.bad {
                    bad.push(Undecodable {
                        at: at.clone(),
                        text: w.text,
                        tag,
                    });
                } else if let Some(key) = new_annotation(&at, f.fresh) {
                    // An annotation is its node's text, whatever the text reads as; a
                    // later JSON patch reads the new, untyped node back as YAML.
                    *node = Value::String(w.text.clone());
                    out.plain_annotations.push((key, w.text));
                } else if f.fresh && *node != Value::String(w.text.clone())
                    || node.is_number() && scalar_text(node) != w.text
                {
                    out.spellings.push(Spelling {
                        at: at.clone(),
                        value: node.clone(),
                        text: w.text,
                        untyped: f.fresh,
                    });
                }
            }
            if is_source
                && live
                    .at
                    .as_ref()
                    .is_some_and(|src| src.len() > at.len() && src.starts_with(&at))
            {
                // The source field's ancestor was replaced: the value now comes from the
                // detached old node, which nothing changes any more.
                live.at = None;
            }
        }
        out.hidden.append(&mut roots);
    }
    if is_source {
        if let Some(v) = live.at.as_deref().and_then(|at| node_at(obj, at)) {
            live.value.node = v.clone();
        }
    }
    Ok(bad)
}

/// Applies replacements in order, each to the result of the ones before.
pub fn apply(m: &mut ResMap, reps: &[Replacement]) -> TransformResult {
    for rep in reps {
        let (Some(source), Some(targets)) = (&rep.source, &rep.targets) else {
            return Err("replacements must specify a source and at least one target".into());
        };
        let (value, at) = source_value(m, source)?;
        let (src_pos, at) = match at {
            Some((pos, at)) => (Some(pos), Some(at)),
            None => (None, None),
        };
        let mut live = Live { value, at };
        for t in targets {
            let Some(select) = &t.select else {
                return Err("target must specify resources to select".into());
            };
            for (i, r) in m.iter_mut().enumerate() {
                if target_selected(r, t, select)? {
                    write_target(r, &mut live, src_pos == Some(i), t)?;
                    // Scalars are written in place: fields sharing a value change together.
                    r.sync_shared();
                }
            }
        }
    }
    stringify_annotations(m);
    m.reindex();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resmap;
    use crate::transform::fieldpath::lookup;
    use serde_json::json;

    fn reps(v: Value) -> Vec<Replacement> {
        let Value::Array(items) = v else {
            panic!("not a list")
        };
        items
            .iter()
            .map(|i| decode_replacement(i, true, false, "r").unwrap().0)
            .collect()
    }

    /// Applies the replacements and decodes the objects, as the end of a build does.
    fn run(objs: Vec<Value>, r: Value) -> TransformResult<Vec<Value>> {
        let mut m = resmap(objs);
        apply(&mut m, &reps(r))?;
        for r in m.iter() {
            r.check_decodable()?;
        }
        Ok(m.to_values())
    }

    fn deploy(name: &str, containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn cm(name: &str, data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
    }

    #[test]
    fn splits_paths_like_kyaml() {
        assert_eq!(
            split_smart(
                "spec.template.spec.containers.[name=com.foo.app].image",
                "."
            ),
            [
                "spec",
                "template",
                "spec",
                "containers",
                "[name=com.foo.app]",
                "image"
            ]
        );
        assert_eq!(
            split_smart("metadata.annotations.[a.b/c]", "."),
            ["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(split_smart("a\\.b.c", "."), ["a.b", "c"]);
        assert_eq!(split_smart(".a.b", "."), ["a", "b"]);
    }

    #[test]
    fn copies_into_list_element_selected_by_name() {
        let out = run(
            vec![
                cm("cfg", json!({"image": "nginx:1.2"})),
                deploy("d", json!([{"name": "nginx", "image": "old"}, {"name": "side", "image": "keep"}])),
            ],
            json!([{"source": {"kind": "ConfigMap", "name": "cfg", "fieldPath": "data.image"},
                    "targets": [{"select": {"kind": "Deployment"},
                                 "fieldPaths": ["spec.template.spec.containers.[name=nginx].image"]}]}]),
        )
        .unwrap();
        let c = &out[1]["spec"]["template"]["spec"]["containers"];
        assert_eq!(c[0]["image"], "nginx:1.2");
        assert_eq!(c[1]["image"], "keep");
    }

    #[test]
    fn copies_a_recorded_spelling_and_keeps_new_annotations_as_text() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "Foo", "metadata": {"name": "src"},
                   "spec": {"big": 1e6, "s": "0777"}}),
            cm("dst", json!({"x": "1"})),
        ]);
        if let Some(r) = m.get_mut(0) {
            r.spellings.push(Spelling {
                at: vec![Seg::Key("spec".into()), Seg::Key("big".into())],
                value: json!(1e6),
                text: "1e+06".into(),
                untyped: false,
            });
        }
        let r = reps(json!([
            {"source": {"name": "src", "fieldPath": "spec.big"},
             "targets": [{"select": {"name": "dst"},
                          "fieldPaths": ["data.x", "metadata.annotations.a", "metadata.labels.l"],
                          "options": {"create": true}}]},
            {"source": {"name": "src", "fieldPath": "spec.big", "options": {"delimiter": "+", "index": 1}},
             "targets": [{"select": {"name": "dst"}, "fieldPaths": ["data.y"], "options": {"create": true}}]},
            {"source": {"name": "src", "fieldPath": "spec.s"},
             "targets": [{"select": {"name": "dst"}, "fieldPaths": ["metadata.annotations.o"],
                          "options": {"create": true}}]}
        ]));
        apply(&mut m, &r).unwrap();
        let out = m.to_values();
        assert_eq!(out[1]["data"]["x"], "1e+06");
        assert_eq!(out[1]["data"]["y"], json!(6));
        assert_eq!(out[1]["metadata"]["annotations"]["a"], "1e+06");
        assert_eq!(out[1]["metadata"]["annotations"]["o"], "0777");
        assert!(out[1]["metadata"]["labels"]["l"].is_f64());
        // The label holds the text it was written with, for a later copy.
        let dst = m.get(1).unwrap();
        assert!(dst.spellings.iter().any(|s| s.text == "1e+06"));
        assert!(dst
            .plain_annotations
            .contains(&("o".to_string(), "0777".to_string())));
    }

    #[test]
    fn default_field_path_is_the_name() {
        let out = run(
            vec![cm("src", json!({})), cm("dst", json!({"x": "y"}))],
            json!([{"source": {"name": "src"},
                    "targets": [{"select": {"name": "dst"}, "fieldPaths": ["data.x"]}]}]),
        )
        .unwrap();
        assert_eq!(out[1]["data"]["x"], "src");
    }

    #[test]
    fn selection_is_literal_not_a_pattern() {
        let out = run(
            vec![
                cm("src", json!({"a": "1"})),
                deploy("d", json!([{"name": "c"}])),
            ],
            json!([{"source": {"name": "src", "fieldPath": "data.a"},
                    "targets": [{"select": {"kind": "Deployment|ConfigMap"},
                                 "fieldPaths": ["metadata.annotations.x"],
                                 "options": {"create": true}}]}]),
        )
        .unwrap();
        assert!(out[1]["metadata"].get("annotations").is_none());
    }

    #[test]
    fn reject_by_id_and_by_label() {
        let mut d2 = deploy("d2", json!([{"name": "c", "image": "i"}]));
        d2["metadata"]["labels"] = json!({"skip": "yes"});
        let out = run(
            vec![
                cm("src", json!({"img": "new"})),
                deploy("d1", json!([{"name": "c", "image": "i"}])),
                d2,
                deploy("d3", json!([{"name": "c", "image": "i"}])),
            ],
            json!([{"source": {"name": "src", "fieldPath": "data.img"},
                    "targets": [{"select": {"kind": "Deployment"},
                                 "reject": [{"name": "d1"}, {"labelSelector": "skip=yes"}],
                                 "fieldPaths": ["spec.template.spec.containers.0.image"]}]}]),
        )
        .unwrap();
        let img = |i: usize| out[i]["spec"]["template"]["spec"]["containers"][0]["image"].clone();
        assert_eq!(img(1), "i");
        assert_eq!(img(2), "i");
        assert_eq!(img(3), "new");
    }

    #[test]
    fn delimiter_and_index_on_source_and_target() {
        let out = run(
            vec![
                cm("src", json!({"host": "svc.ns.svc.cluster.local"})),
                cm("dst", json!({"url": "http://old:80", "list": "a,b"})),
            ],
            json!([
                {"source": {"name": "src", "fieldPath": "data.host", "options": {"delimiter": ".", "index": 1}},
                 "targets": [{"select": {"name": "dst"}, "fieldPaths": ["data.url"],
                              "options": {"delimiter": ":", "index": 1}}]},
                {"source": {"name": "src", "fieldPath": "data.host", "options": {"delimiter": ".", "index": 0}},
                 "targets": [{"select": {"name": "dst"}, "fieldPaths": ["data.list"],
                              "options": {"delimiter": ",", "index": -1}},
                             {"select": {"name": "dst"}, "fieldPaths": ["data.list"],
                              "options": {"delimiter": ",", "index": 9}}]}
            ]),
        )
        .unwrap();
        assert_eq!(out[1]["data"]["url"], "http:ns:80");
        assert_eq!(out[1]["data"]["list"], "svc,a,b,svc");
    }

    #[test]
    fn source_index_out_of_bounds_is_an_error() {
        let err = run(
            vec![cm("src", json!({"a": "x.y"})), cm("dst", json!({"b": "z"}))],
            json!([{"source": {"name": "src", "fieldPath": "data.a", "options": {"delimiter": ".", "index": 5}},
                    "targets": [{"select": {"name": "dst"}, "fieldPaths": ["data.b"]}]}]),
        )
        .unwrap_err();
        assert!(err.contains("out of bounds"), "{err}");
    }

    #[test]
    fn missing_target_field_errors_unless_create() {
        let objs = || vec![cm("src", json!({"a": "8080"})), cm("dst", json!({}))];
        let r = |create: bool| {
            json!([{"source": {"name": "src", "fieldPath": "data.a"},
                    "targets": [{"select": {"name": "dst"}, "fieldPaths": ["data.port", "spec.ports.[name=http].port"],
                                 "options": {"create": create}}]}])
        };
        let err = run(objs(), r(false)).unwrap_err();
        assert!(err.contains("unable to find field \"data.port\""), "{err}");
        let out = run(objs(), r(true)).unwrap();
        // A created scalar takes the type its text reads as; an existing one keeps its own.
        assert_eq!(out[1]["data"]["port"], json!(8080));
        assert_eq!(
            out[1]["spec"]["ports"],
            json!([{"name": "http", "port": 8080}])
        );
        let out = run(
            objs(),
            json!([{"source": {"name": "src", "fieldPath": "data.a"},
                    "targets": [{"select": {"name": "dst"}, "fieldPaths": ["spec.ports.[name=http].name"],
                                 "options": {"create": true}}]}]),
        )
        .unwrap();
        assert_eq!(out[1]["spec"]["ports"], json!([{"name": 8080}]));
    }

    #[test]
    fn scalar_targets_keep_their_type() {
        let out = run(
            vec![
                cm("src", json!({"n": "5", "word": "abc"})),
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                       "spec": {"replicas": 1, "label": "x"}}),
            ],
            json!([{"source": {"name": "src", "fieldPath": "data.n"},
                    "targets": [{"select": {"name": "d"}, "fieldPaths": ["spec.replicas", "spec.label"]}]},
                   {"source": {"name": "src", "fieldPath": "data.word"},
                    "targets": [{"select": {"name": "d"}, "fieldPaths": ["spec.replicas"]}]}]),
        );
        let err = out.unwrap_err();
        assert!(err.contains("!!int"), "{err}");
        let out = run(
            vec![
                cm("src", json!({"n": "5"})),
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                       "spec": {"replicas": 1, "label": "x"}}),
            ],
            json!([{"source": {"name": "src", "fieldPath": "data.n"},
                    "targets": [{"select": {"name": "d"}, "fieldPaths": ["spec.replicas", "spec.label"]}]}]),
        )
        .unwrap();
        assert_eq!(out[1]["spec"]["replicas"], json!(5));
        assert_eq!(out[1]["spec"]["label"], json!("5"));
    }

    #[test]
    fn writing_into_the_source_field_changes_the_value_for_later_targets() {
        let out = run(
            vec![deploy(
                "d",
                json!([{"name": "a", "image": "nginx:1.0"}, {"name": "b", "image": "busybox"}]),
            )],
            json!([{"source": {"name": "d", "fieldPath": "spec.template.spec.containers.0.image"},
                    "targets": [{"select": {"name": "d"},
                                 "fieldPaths": ["spec.template.spec.containers.*.image"],
                                 "options": {"delimiter": ":", "index": 2}}]}]),
        )
        .unwrap();
        let c = &out[0]["spec"]["template"]["spec"]["containers"];
        assert_eq!(c[0]["image"], "nginx:1.0:nginx:1.0");
        assert_eq!(c[1]["image"], "busybox:nginx:1.0:nginx:1.0");
    }

    #[test]
    fn null_targets() {
        let objs = || {
            vec![
                cm("src", json!({"v": "x"})),
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"a": null, "b": null, "c": null, "d": null}}),
            ]
        };
        let r = |paths: Value| {
            json!([{"source": {"name": "src", "fieldPath": "data.v"},
                    "targets": [{"select": {"kind": "Pod"}, "fieldPaths": paths,
                                 "options": {"create": true}}]}])
        };
        // What is created under a null field is lost; the field stays null.
        let out = run(
            objs(),
            r(json!(["spec.a.0", "spec.b.[name=x].v", "spec.c.k"])),
        )
        .unwrap();
        assert_eq!(
            out[1]["spec"],
            json!({"a": null, "b": null, "c": null, "d": null})
        );
        // A null scalar cannot take a string.
        let err = run(objs(), r(json!(["spec.d"]))).unwrap_err();
        assert!(err.contains("!!null"), "{err}");
    }

    #[test]
    fn non_scalar_values_replace_whole_fields() {
        let out = run(
            vec![
                deploy("a", json!([{"name": "x", "image": "i"}])),
                deploy("b", json!([])),
            ],
            json!([{"source": {"name": "a", "fieldPath": "spec.template.spec.containers"},
                    "targets": [{"select": {"name": "b"}, "fieldPaths": ["spec.template.spec.containers"]}]}]),
        )
        .unwrap();
        assert_eq!(
            out[1]["spec"]["template"]["spec"]["containers"][0]["name"],
            "x"
        );
    }

    #[test]
    fn source_must_match_exactly_one_object() {
        let objs = || vec![cm("a", json!({})), cm("b", json!({}))];
        let err = run(
            objs(),
            json!([{"source": {"kind": "ConfigMap"}, "targets": [{"select": {"name": "a"}}]}]),
        )
        .unwrap_err();
        assert!(err.starts_with("multiple matches"), "{err}");
        let err = run(
            objs(),
            json!([{"source": {"name": "zzz"}, "targets": [{"select": {"name": "a"}}]}]),
        )
        .unwrap_err();
        assert!(err.starts_with("nothing selected"), "{err}");
        let err = run(
            objs(),
            json!([{"source": {"name": "a", "fieldPath": "data.none"}, "targets": [{"select": {"name": "b"}}]}]),
        )
        .unwrap_err();
        assert!(err.contains("is missing for replacement source"), "{err}");
        let err = run(objs(), json!([{"source": {"name": "a"}}])).unwrap_err();
        assert!(err.contains("at least one target"), "{err}");
        let err = run(
            objs(),
            json!([{"source": {"name": "a"}, "targets": [{"fieldPaths": ["x"]}]}]),
        )
        .unwrap_err();
        assert!(err.contains("must specify resources to select"), "{err}");
    }

    #[test]
    fn previous_names_select_too() {
        let mut m = resmap(vec![cm("a", json!({"v": "1"})), cm("b", json!({"v": "0"}))]);
        if let Some(r) = m.get_mut(0) {
            r.set_name("pre-a");
        }
        m.reindex();
        apply(
            &mut m,
            &reps(
                json!([{"source": {"name": "a", "fieldPath": "metadata.name"},
                           "targets": [{"select": {"name": "b"}, "fieldPaths": ["data.v"]}]}]),
            ),
        )
        .unwrap();
        assert_eq!(m.to_values()[1]["data"]["v"], "pre-a");
    }

    #[test]
    fn namespaces_compare_without_cluster_scope() {
        let cr = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                        "metadata": {"name": "cr"}});
        let out = run(
            vec![cm("src", json!({"v": "x"})), cr],
            json!([{"source": {"name": "src", "namespace": "default", "fieldPath": "data.v"},
                    "targets": [{"select": {"kind": "ClusterRole", "namespace": "default"},
                                 "fieldPaths": ["metadata.labels.v"], "options": {"create": true}}]}]),
        )
        .unwrap();
        assert_eq!(out[1]["metadata"]["labels"]["v"], "x");
    }

    #[test]
    fn wildcard_and_regex_list_matching_in_targets() {
        let out = run(
            vec![
                cm("src", json!({"v": "new"})),
                deploy("d", json!([
                    {"name": "a", "env": [{"name": "APP_URL", "value": "x"}, {"name": "OTHER", "value": "y"}]},
                    {"name": "b", "env": [{"name": "APP_URL", "value": "z"}]}
                ])),
            ],
            json!([{"source": {"name": "src", "fieldPath": "data.v"},
                    "targets": [{"select": {"kind": "Deployment"},
                                 "fieldPaths": ["spec.template.spec.containers.*.env.[name=^APP].value"]}]}]),
        )
        .unwrap();
        let c = &out[1]["spec"]["template"]["spec"]["containers"];
        assert_eq!(c[0]["env"][0]["value"], "new");
        assert_eq!(c[0]["env"][1]["value"], "y");
        assert_eq!(c[1]["env"][0]["value"], "new");
    }

    #[test]
    fn source_list_lookup_is_exact() {
        let obj =
            json!({"a": [{"name": "nginx-x", "v": 1}, {"name": "nginx", "v": 2}], "b": ["p", "q"]});
        let get = |p: &str| lookup(&obj, &split_smart(p, ".")).unwrap().cloned();
        assert_eq!(get("a.[name=nginx].v"), Some(json!(2)));
        assert_eq!(get("a.-.v"), Some(json!(2)));
        assert_eq!(get("b.[=q]"), Some(json!("q")));
        assert_eq!(get("a.5"), None);
        assert!(lookup(&obj, &split_smart("a.*", ".")).is_err());
        assert!(lookup(&obj, &split_smart("b.x", ".")).is_err());
    }

    #[test]
    fn map_keys_with_dots_in_brackets() {
        let out = run(
            vec![cm("src", json!({"v": "x"})), cm("dst", json!({}))],
            json!([{"source": {"name": "src", "fieldPath": "data.v"},
                    "targets": [{"select": {"name": "dst"},
                                 "fieldPaths": ["metadata.annotations.[example.com/key]"],
                                 "options": {"create": true}}]}]),
        )
        .unwrap();
        assert_eq!(out[1]["metadata"]["annotations"]["example.com/key"], "x");
        let out = run(
            vec![cm("src", json!({"v": "8080"})), cm("dst", json!({}))],
            json!([{"source": {"name": "src", "fieldPath": "data.v"},
                    "targets": [{"select": {"name": "dst"},
                                 "fieldPaths": ["metadata.annotations.port", "metadata.labels.port"],
                                 "options": {"create": true}}]}]),
        )
        .unwrap();
        assert_eq!(out[1]["metadata"]["annotations"]["port"], "8080");
        assert_eq!(out[1]["metadata"]["labels"]["port"], json!(8080));
    }

    #[test]
    fn strict_decoding_of_inline_entries() {
        let bad = json!({"source": {"name": "a", "labelSelector": "x=y"}, "targets": []});
        assert!(decode_replacement(&bad, true, true, "r").is_err());
        assert!(decode_replacement(&bad, false, true, "r").is_ok());
        let mixed = json!({"Source": {"Kind": "X", "FIELDPATH": "data.a"}, "targets": []});
        let (r, _) = decode_replacement(&mixed, true, true, "r").unwrap();
        let s = r.source.unwrap();
        assert_eq!((s.id.kind.as_str(), s.field_path.as_str()), ("X", "data.a"));
    }
}
