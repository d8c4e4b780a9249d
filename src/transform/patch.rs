//! `patches`, `patchesStrategicMerge` and `patchesJson6902`: strategic-merge patches by id
//! or by target selector, and JSON 6902 operation lists by target selector.

use serde_json::{Map, Value};

use super::fieldpath::{scalar_text, Seg};
use super::scalar_style::{self, ListStyles, PatchStyles};
use super::selector::{effective_namespace, Compiled};
use super::smp::{self, Outcome};
use super::TransformResult;
use crate::kustomization::Selector;
use crate::resource::{Gvk, ResId, ResMap, Spelling};
use crate::schema::openapi::OpenApi;
use crate::yaml::{go_float_text, parse_documents, Limits};

/// A parsed patch: strategic-merge documents or one JSON 6902 operation list.
#[derive(Debug, Clone)]
pub enum PatchBody {
    /// Strategic-merge patches (objects).
    Strategic(Vec<SmPatch>),
    /// A JSON 6902 patch.
    Json(json_patch::Patch),
}

/// A strategic-merge patch document.
#[derive(Debug, Clone)]
pub struct SmPatch {
    /// The patch object.
    pub obj: Map<String, Value>,
    /// Plain numbers and booleans written otherwise than they print (`0x1F`), by
    /// mapping-key path: a value replacing a quoted string keeps this text.
    pub spellings: Vec<(Vec<String>, String)>,
    /// Plain `.inf` and `.nan` scalars: where they land, the object cannot be printed.
    pub non_finite: Vec<crate::resource::Undecodable>,
    /// Strings written quoted that would be strings plain too, by mapping-key path (a
    /// field the patch creates keeps the patch's style).
    pub quoted: Vec<Vec<String>>,
    /// Strings, numbers and booleans written with an explicit tag, by mapping-key path.
    pub tagged: Vec<Vec<String>>,
    /// Strings under lists written quoted, by path with list positions.
    pub list_quoted: Vec<Vec<crate::yaml::parse::PathStep>>,
    /// Strings under lists written with a tag, by path with list positions.
    pub list_tagged: Vec<Vec<crate::yaml::parse::PathStep>>,
    /// Numbers and booleans under lists spelled otherwise than they print.
    pub list_spellings: Vec<(Vec<crate::yaml::parse::PathStep>, String)>,
    /// Annotations written as plain scalars, with their text (see
    /// [`crate::resource::Resource::plain_annotations`]; not when the patch's metadata
    /// is copied as text).
    pub plain_annotations: Vec<(String, String)>,
}

impl SmPatch {
    fn styles(&self) -> PatchStyles<'_> {
        PatchStyles {
            quoted: &self.quoted,
            tagged: &self.tagged,
        }
    }
}

impl From<Map<String, Value>> for SmPatch {
    fn from(obj: Map<String, Value>) -> SmPatch {
        SmPatch {
            obj,
            spellings: Vec::new(),
            non_finite: Vec::new(),
            quoted: Vec::new(),
            tagged: Vec::new(),
            list_quoted: Vec::new(),
            list_tagged: Vec::new(),
            list_spellings: Vec::new(),
            plain_annotations: Vec::new(),
        }
    }
}

/// Parses patch text, deciding like Kustomize whether it is strategic-merge or JSON 6902.
pub fn parse(text: &str, source: &str) -> Result<PatchBody, String> {
    parse_with(text, source, false, false)
}

/// Parses the patch of a `patches:` entry (or `PatchTransformer`) that has a `target`:
/// Kustomize copies such a patch's labels and annotations as text onto a copy per selected
/// object, so they are read as the text written (a null is the text `null`), as under
/// `patchesStrategicMerge:`.
pub fn parse_targeted(text: &str, source: &str) -> Result<PatchBody, String> {
    parse_with(text, source, true, false)
}

/// Parses a patch listed under `patchesStrategicMerge:` (or given to the builtin
/// PatchStrategicMergeTransformer): Kustomize reads its labels and annotations as the
/// text written, and a null there is the text `null`, not a deletion.
pub fn parse_legacy_smp(text: &str, source: &str) -> Result<PatchBody, String> {
    parse_with(text, source, true, true)
}

/// `raw_metadata`: labels and annotations read as text; `legacy`: a `patchesStrategicMerge`
/// file (an empty first document is allowed).
fn parse_with(
    text: &str,
    source: &str,
    raw_metadata: bool,
    legacy: bool,
) -> Result<PatchBody, String> {
    let limits = Limits {
        raw_labels: raw_metadata,
        record_non_finite: true,
        ..Limits::default()
    };
    let docs = parse_documents(text, limits)
        .map_err(|e| format!("unable to parse SM or JSON patch from {source}: {e}"))?;
    // Kustomize also reads the text as a JSON patch through its first document only: an
    // empty first document (`---` then `---`) is a null JSON patch, so a file with objects
    // after it qualifies as both kinds of patch.
    let empty_first = docs.len() > 1 && docs[0].value.is_null();
    let docs: Vec<crate::yaml::Document> =
        docs.into_iter().filter(|d| !d.value.is_null()).collect();
    if empty_first && !legacy && !docs.is_empty() {
        return Err(format!(
            "illegally qualifies as both an SM and JSON patch (its first document is empty): {source}"
        ));
    }
    if docs.len() == 1 && docs[0].value.is_array() {
        return json_ops(text, source).map(PatchBody::Json);
    }
    if docs.is_empty() {
        return Err(format!(
            "illegally qualifies as both an SM and JSON patch (it is empty): {source}"
        ));
    }
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let (plain, spellings) = (doc.plain_annotations, doc.plain_spellings);
        let null_tagged = doc.null_tagged_annotations;
        let styles = (doc.quoted_strings, doc.tagged_strings);
        let lists = (doc.list_quoted, doc.list_tagged, doc.list_spellings);
        let non_finite: Vec<_> = doc
            .non_finite
            .into_iter()
            .map(|(at, text)| crate::resource::Undecodable::non_finite(&at, text))
            .collect();
        match doc.value {
            Value::Object(mut m) => {
                let mut plain_texts = Vec::new();
                if raw_metadata {
                    drop_empty_metadata_maps(&mut m);
                } else {
                    null_annotations_delete(&mut m, &plain, &null_tagged);
                    let annotations = m
                        .get("metadata")
                        .and_then(|md| md.get("annotations"))
                        .and_then(Value::as_object);
                    for k in plain {
                        if let Some(Value::String(text)) = annotations.and_then(|a| a.get(&k)) {
                            plain_texts.push((k, text.clone()));
                        }
                    }
                }
                let doc = SmPatch {
                    obj: m,
                    spellings,
                    non_finite,
                    quoted: styles.0,
                    tagged: styles.1,
                    list_quoted: lists.0,
                    list_tagged: lists.1,
                    list_spellings: lists.2,
                    plain_annotations: plain_texts,
                };
                expand_list(doc, &mut out)
            }
            _ => return Err(format!("unable to parse SM or JSON patch from {source}")),
        }
    }
    Ok(PatchBody::Strategic(out))
}

/// A JSON 6902 operation list as Kustomize reads it: text that starts with `[` is JSON;
/// anything else is YAML read by go-yaml v2 (YAML 1.1 booleans, timestamps kept as
/// written, repeated keys allowed), first document only.
fn json_ops(text: &str, source: &str) -> Result<json_patch::Patch, String> {
    let bad = |e: String| format!("unable to parse SM or JSON patch from {source}: {e}");
    let value: Value = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|e| bad(e.to_string()))?
    } else {
        crate::yaml::parse::parse_first_document(text, Limits::kustomization())
            .map_err(|e| bad(e.to_string()))?
            .map(|d| d.value)
            .unwrap_or(Value::Null)
    };
    serde_json::from_value(value).map_err(|e| bad(e.to_string()))
}

/// Annotations are read as the text written, but in a strategic-merge patch an annotation
/// whose node is null deletes, as in Kustomize (kyaml's field setter clears a field whose
/// value is tagged `!!null`): one written as a plain null (`~`, `null`, nothing) or with an
/// explicit `!!null` tag, whatever its text (`!!null ""`, `!!null x`, a `!!null` block
/// scalar). A quoted or otherwise tagged one (`""`, `!!str null`) stays text.
fn null_annotations_delete(m: &mut Map<String, Value>, plain: &[String], null_tagged: &[String]) {
    if let Some(Value::Object(a)) = m
        .get_mut("metadata")
        .and_then(|md| md.get_mut("annotations"))
    {
        for (k, v) in a.iter_mut() {
            let null_text = matches!(v.as_str(), Some("" | "~" | "null" | "Null" | "NULL"));
            if (null_text && plain.iter().any(|p| p == k)) || null_tagged.iter().any(|p| p == k) {
                *v = Value::Null;
            }
        }
    }
}

/// Kustomize copies the labels and annotations of a patch it applies to selected objects
/// as string maps, and an empty map (or a null, or no map) removes the field from the patch,
/// so it leaves the target's labels or annotations alone.
fn drop_empty_metadata_maps(m: &mut Map<String, Value>) {
    if let Some(Value::Object(md)) = m.get_mut("metadata") {
        for key in ["labels", "annotations"] {
            let empty = md
                .get(key)
                .is_some_and(|v| v.as_object().is_none_or(Map::is_empty));
            if empty {
                md.remove(key);
            }
        }
    }
}

fn expand_list(doc: SmPatch, out: &mut Vec<SmPatch>) {
    let m = &doc.obj;
    let is_list = m
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && m.get("items").is_some_and(Value::is_array);
    if !is_list {
        out.push(doc);
        return;
    }
    if let Some(Value::Array(items)) = m.get("items") {
        for it in items {
            if let Value::Object(o) = it {
                expand_list(SmPatch::from(o.clone()), out);
            }
        }
    }
}

fn patch_id(p: &Map<String, Value>) -> ResId {
    let s = |path: &[&str]| crate::resource::get_str(p, path).unwrap_or("").to_string();
    ResId {
        gvk: Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
    }
}

fn ids_equal(a: &ResId, b: &ResId) -> bool {
    a.gvk == b.gvk && a.name == b.name && effective_namespace(a) == effective_namespace(b)
}

/// Applies JSON 6902 operations as Go's json-patch (Kustomize's) does: a `replace` of a
/// missing key of an object adds it, where RFC 6902 (and the json-patch crate) fail.
fn apply_ops(doc: &mut Value, ops: &json_patch::Patch) -> Result<(), json_patch::PatchError> {
    for op in &ops.0 {
        if let json_patch::PatchOperation::Replace(r) = op {
            let path = r.path.as_str();
            if let Some((parent, last)) = path.rsplit_once('/') {
                let key = last.replace("~1", "/").replace("~0", "~");
                let missing = doc
                    .pointer(parent)
                    .and_then(Value::as_object)
                    .is_some_and(|o| !o.contains_key(&key));
                if missing {
                    let add = json_patch::PatchOperation::Add(json_patch::AddOperation {
                        path: r.path.clone(),
                        value: r.value.clone(),
                    });
                    json_patch::patch_unsafe(doc, std::slice::from_ref(&add))?;
                    continue;
                }
            }
        }
        json_patch::patch_unsafe(doc, std::slice::from_ref(op))?;
    }
    Ok(())
}

/// Options of a `patches:` entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatchOptions {
    /// The patch may rename its target.
    pub allow_name_change: bool,
    /// The patch may change its target's kind.
    pub allow_kind_change: bool,
}

/// Applies a strategic-merge patch to the resource at `i`; returns false when the patch
/// deleted it.
fn apply_smp_at(
    m: &mut ResMap,
    i: usize,
    patch: &Map<String, Value>,
    sp: &SmPatch,
    opts: PatchOptions,
    api: OpenApi<'_>,
) -> TransformResult<bool> {
    let (spellings, non_finite) = (&sp.spellings, &sp.non_finite);
    let Some(r) = m.get_mut(i) else {
        return Ok(true);
    };
    let (name, ns, kind) = (
        r.name().to_string(),
        r.namespace().to_string(),
        r.kind().to_string(),
    );
    if opts.allow_name_change || opts.allow_kind_change {
        r.remember_id();
    }
    let gvk = r.gvk();
    let replaced = replaced_strings(&r.obj, patch);
    let styles = scalar_style::plan(r, patch, sp.styles());
    // The styles of strings under lists are marked in place for the merge, which keeps
    // the marks up to date; they are taken out again after it.
    let marked_patch;
    let patch =
        if sp.list_quoted.is_empty() && sp.list_tagged.is_empty() && sp.list_spellings.is_empty() {
            patch
        } else {
            let mut p = patch.clone();
            let styles = ListStyles {
                quoted: &sp.list_quoted,
                plain: &sp.list_tagged,
            };
            scalar_style::mark(&mut p, styles, &sp.list_spellings);
            marked_patch = p;
            &marked_patch
        };
    let target_styles = ListStyles {
        quoted: &r.list_quoted,
        plain: &r.list_plain,
    };
    scalar_style::mark(&mut r.obj, target_styles, &[]);
    let merged = smp::merge_marked(&mut r.obj, patch, &gvk, api);
    (r.list_quoted, r.list_plain) = scalar_style::take_marks(&mut r.obj);
    let outcome = merged.map_err(|e| format!("{}: {e}", r.id()))?;
    restyle_replaced(r, replaced, spellings, &sp.tagged);
    scalar_style::record(r, styles);
    // An annotation the patch wrote plain is read back as YAML by a later JSON patch.
    for (k, text) in &sp.plain_annotations {
        let now = r.metadata_map("annotations").and_then(|a| a.get(k));
        if now.and_then(Value::as_str) == Some(text.as_str()) {
            r.plain_annotations.retain(|(x, _)| x != k);
            r.plain_annotations.push((k.clone(), text.clone()));
        }
    }
    // A `.inf` the patch put in place makes the object unprintable, as in Kustomize.
    for u in non_finite {
        if !r.undecodable.contains(u) {
            r.undecodable.push(u.clone());
        }
    }
    r.drop_empty_nulls();
    // The merge writes scalars in place: fields sharing a value change together.
    r.sync_shared();
    // Kustomize keeps annotations as a string map: one the patch emptied disappears.
    if let Some(Value::Object(md)) = r.obj.get_mut("metadata") {
        if md
            .get("annotations")
            .is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
        {
            md.remove("annotations");
        }
    }
    if outcome == Outcome::Deleted || r.obj.is_empty() {
        return Ok(false);
    }
    if !opts.allow_kind_change {
        r.obj.insert("kind".into(), Value::String(kind));
    }
    let md = r.metadata_mut();
    if !opts.allow_name_change {
        md.insert("name".into(), Value::String(name));
    }
    if ns.is_empty() {
        md.remove("namespace");
    } else {
        md.insert("namespace".into(), Value::String(ns));
    }
    Ok(true)
}

/// A number or boolean of a patch that lands on a string of the target, by mapping-key
/// path: the patch's value and the string it replaces.
struct Replaced {
    path: Vec<String>,
    value: Value,
    old: String,
}

/// The patch's numbers and booleans (outside lists) whose field in `obj` holds a string.
fn replaced_strings(obj: &Map<String, Value>, patch: &Map<String, Value>) -> Vec<Replaced> {
    fn walk(
        obj: &Map<String, Value>,
        patch: &Map<String, Value>,
        path: &mut Vec<String>,
        out: &mut Vec<Replaced>,
    ) {
        for (k, pv) in patch {
            let Some(dv) = obj.get(k) else { continue };
            match (dv, pv) {
                (Value::String(old), Value::Number(_) | Value::Bool(_)) => {
                    let mut p = path.clone();
                    p.push(k.clone());
                    out.push(Replaced {
                        path: p,
                        value: pv.clone(),
                        old: old.clone(),
                    });
                }
                (Value::Object(d), Value::Object(p)) => {
                    path.push(k.clone());
                    walk(d, p, path, out);
                    path.pop();
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(obj, patch, &mut Vec::new(), &mut out);
    out
}

/// kyaml gives a scalar from a patch the style of the scalar it replaces: a number or
/// boolean landing on a string written quoted (not tagged) prints as a string, with the
/// patch's text (`0x1F`); on a plain or tagged one it stays a number.
fn restyle_replaced(
    r: &mut crate::resource::Resource,
    replaced: Vec<Replaced>,
    spellings: &[(Vec<String>, String)],
    tagged: &[Vec<String>],
) {
    for rep in replaced {
        let quoted = crate::yaml::parse::QuotedScalars {
            quoted: &r.quoted_strings,
            tagged: &r.tagged_strings,
            plain: &r.plain_strings,
        }
        .is_quoted(&rep.path, &rep.old);
        let text = || {
            spellings
                .iter()
                .find(|(p, _)| *p == rep.path)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| crate::transform::fieldpath::scalar_text(&rep.value))
        };
        let Some(cur) = r.value_at_mut(&rep.path) else {
            continue;
        };
        // The merge either put the value or (the target looked quoted) its text.
        let landed = *cur == rep.value
            || cur.as_str().is_some_and(|c| {
                c == crate::transform::fieldpath::scalar_text(&rep.value)
                    || *c == *rep.value.to_string()
            });
        if landed {
            // A value written with an explicit tag (`!!float 1`) keeps its type.
            *cur = if quoted && !tagged.contains(&rep.path) {
                Value::String(text())
            } else {
                rep.value
            };
        }
    }
}

/// Applies strategic-merge patches without a target: each finds its resource by id.
pub fn apply_smp_by_id(
    m: &mut ResMap,
    patches: &[SmPatch],
    opts: PatchOptions,
    api: OpenApi<'_>,
) -> TransformResult {
    for sp in patches {
        let p = &sp.obj;
        let pid = patch_id(p);
        let matches: Vec<usize> = m
            .iter()
            .enumerate()
            .filter(|(_, r)| r.has_had_name(&pid.name) && r.any_id(|id| ids_equal(id, &pid)))
            .map(|(i, _)| i)
            .collect();
        let i = match matches.as_slice() {
            [i] => *i,
            [] => {
                return Err(format!(
                    "no resource matches strategic merge patch \"{}\"",
                    pid.kustomize_string()
                ))
            }
            _ => {
                return Err(format!(
                    "multiple resources match strategic merge patch \"{}\"",
                    pid.kustomize_string()
                ))
            }
        };
        if !apply_smp_at(m, i, p, sp, opts, api)? {
            m.remove(i);
        }
    }
    m.reindex();
    Ok(())
}

/// Indices of the resources `target` selects.
pub fn select(m: &ResMap, target: &Selector) -> TransformResult<Vec<usize>> {
    let sel = Compiled::new(target)?;
    Ok(m.iter()
        .enumerate()
        .filter(|(_, r)| sel.matches(r))
        .map(|(i, _)| i)
        .collect())
}

/// Applies one strategic-merge patch to every resource `target` selects.
pub fn apply_smp_to_target(
    m: &mut ResMap,
    patch: &SmPatch,
    target: &Selector,
    opts: PatchOptions,
    api: OpenApi<'_>,
) -> TransformResult {
    let selected = select(m, target)?;
    let mut deleted = Vec::new();
    for i in selected {
        let mut p = patch.obj.clone();
        if let Some(r) = m.get(i) {
            if let Some(av) = r.obj.get("apiVersion") {
                p.insert("apiVersion".into(), av.clone());
            }
        }
        if !apply_smp_at(m, i, &p, patch, opts, api)? {
            deleted.push(i);
        }
    }
    for i in deleted.into_iter().rev() {
        m.remove(i);
    }
    m.reindex();
    Ok(())
}

/// Applies a JSON 6902 patch to every resource `target` selects (a `patches:` entry or a
/// PatchTransformer).
pub fn apply_json6902(
    m: &mut ResMap,
    ops: &json_patch::Patch,
    target: &Selector,
) -> TransformResult {
    json6902(m, ops, target, true)
}

/// Applies a JSON 6902 patch as `patchesJson6902:` and the PatchJson6902Transformer do:
/// to the object without Kustomize's internal annotations, so a patch adding under a
/// missing `metadata.annotations` fails.
pub fn apply_json6902_legacy(
    m: &mut ResMap,
    ops: &json_patch::Patch,
    target: &Selector,
) -> TransformResult {
    json6902(m, ops, target, false)
}

fn json6902(
    m: &mut ResMap,
    ops: &json_patch::Patch,
    target: &Selector,
    internal_annotations: bool,
) -> TransformResult {
    let selected = select(m, target)?;
    for i in selected {
        let Some(r) = m.get_mut(i) else { continue };
        // The patch works on the object's JSON: decoding it fails as at the end, and so
        // does an annotation still written as a plain `.inf` (a float JSON cannot hold).
        r.check_decodable()?;
        if let Some((k, _)) = r.plain_annotations.iter().find(|(k, text)| {
            crate::yaml::parse::is_non_finite(text)
                && r.metadata_map("annotations")
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
                    == Some(text.as_str())
        }) {
            return Err(format!(
                "{}: annotation {k:?} is written as a plain {:?}, a float a JSON patch cannot read (Kustomize fails: json: unsupported value); quote it",
                r.id(),
                r.metadata_map("annotations")
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ));
        }
        r.undecodable.clear();
        // The PatchTransformer's objects carry internal annotations while building, and
        // so does any object whose id was recorded before (namespace, prefix, suffix):
        // `metadata.annotations` exists for the patch; restore that, then tidy up.
        let with_internal = internal_annotations || !r.prev_ids.is_empty();
        r.remember_id();
        let added = with_internal && !r.metadata_mut().contains_key("annotations");
        if added {
            r.metadata_mut()
                .insert("annotations".into(), Value::Object(Map::new()));
        }
        // Kustomize applies the patch to a JSON copy: no field shares a value afterwards,
        // every scalar gets the style its value needs (a quoted `"x"` is plain again),
        // and annotations written as plain scalars come back as YAML prints their values.
        r.shared.clear();
        r.quoted_strings.clear();
        r.tagged_strings.clear();
        r.plain_strings.clear();
        r.list_quoted.clear();
        r.list_plain.clear();
        reread_plain_annotations(r);
        let mut v = Value::Object(std::mem::take(&mut r.obj));
        // Not `json_patch::patch`: its rollback after a failed operation can itself fail
        // (a `move` that removed its source but could not add) and then panics. A
        // failure fails the build, so the half-patched object is never used.
        let res = apply_ops(&mut v, ops);
        r.spellings.clear();
        reread_numbers(&mut v, &mut Vec::new(), &mut r.spellings);
        super::hidden::forget(r);
        // A field written as nothing (`key:`) comes back an explicit null, which a later
        // strategic merge keeps.
        r.empty_nulls.clear();
        match v {
            Value::Object(o) => r.obj = o,
            _ => return Err(format!("{}: a JSON patch must leave an object", r.id())),
        }
        if let Some(Value::Object(md)) = r.obj.get_mut("metadata") {
            if md
                .get("annotations")
                .is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
            {
                md.remove("annotations");
            }
            // Kustomize reads the annotations back through Go's float64 and prints
            // numbers as Go does (`1e+10`, `1.234567e+06`).
            if let Some(Value::Object(a)) = md.get_mut("annotations") {
                for v in a.values_mut() {
                    if let Value::Number(n) = v {
                        *v = Value::String(go_float_text(n.as_f64().unwrap_or(0.0)));
                    }
                }
            }
        }
        res.map_err(|e| format!("{}: applying JSON 6902 patch: {e}", r.id()))?;
    }
    // Annotations the patch wrote as other scalars read back as strings.
    super::metadata::stringify_annotations(m);
    m.reindex();
    Ok(())
}

/// Annotations written as plain scalars after Kustomize's JSON round trip: the value
/// go-yaml reads (`~` is null, `1e10` a float, `2024-01-01` a time) printed back as text
/// (`null`, `1e+10`, `2024-01-01T00:00:00Z`; numbers pass through float64).
fn reread_plain_annotations(r: &mut crate::resource::Resource) {
    if r.plain_annotations.is_empty() {
        return;
    }
    let keys = std::mem::take(&mut r.plain_annotations);
    let Some(Value::Object(a)) = r
        .obj
        .get_mut("metadata")
        .and_then(|md| md.get_mut("annotations"))
    else {
        return;
    };
    for (k, written) in keys {
        match a.get_mut(&k) {
            Some(Value::String(text)) if *text == written => {
                *text = match crate::yaml::parse::resolve_plain(text) {
                    Value::Null => "null".to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => go_float_text(n.as_f64().unwrap_or(0.0)),
                    Value::String(s) => crate::yaml::timestamp_text(&s).unwrap_or(s),
                    _ => continue,
                };
            }
            _ => {}
        }
    }
}

/// Kustomize patches the object's JSON and reads it back through Go's float64 (integers
/// beyond 2^53 lose precision), and go-yaml writes every number back as `%g` text: `3` is
/// an integer again, `1e+06` and `1.2345678901234567e+19` are floats. Records, in
/// `spellings`, the numbers whose text is not how kagentctl spells the value (a
/// replacement, a var or a delimiter copies that text).
fn reread_numbers(v: &mut Value, at: &mut Vec<Seg>, spellings: &mut Vec<Spelling>) {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            let text = go_float_text(f);
            let int = text.strip_prefix('-').unwrap_or(&text);
            let number = if text != "-0" && int.bytes().all(|b| b.is_ascii_digit()) {
                text.parse::<i64>().ok().map(serde_json::Number::from)
            } else {
                serde_json::Number::from_f64(f)
            };
            if let Some(number) = number {
                *n = number;
            }
            if scalar_text(v) != text {
                spellings.push(Spelling {
                    at: at.clone(),
                    value: v.clone(),
                    text,
                    untyped: false,
                });
            }
        }
        Value::Array(a) => {
            for (i, item) in a.iter_mut().enumerate() {
                at.push(Seg::Idx(i));
                reread_numbers(item, at, spellings);
                at.pop();
            }
        }
        Value::Object(o) => {
            for (k, item) in o.iter_mut() {
                at.push(Seg::Key(k.clone()));
                reread_numbers(item, at, spellings);
                at.pop();
            }
        }
        _ => {}
    }
}

/// A patch as loaded: its body and where it came from, for messages.
#[derive(Debug, Clone)]
pub struct LoadedPatch {
    /// Parsed body.
    pub body: PatchBody,
    /// Which resources it targets (`None`: by the patch's own id).
    pub target: Option<Selector>,
    /// Name/kind change options.
    pub options: PatchOptions,
    /// `[path: "x"]` or `[patch: "..."]`.
    pub source: String,
}

/// Applies one `patches:` entry, merging with the schema `api`.
pub fn apply(m: &mut ResMap, p: &LoadedPatch, api: OpenApi<'_>) -> TransformResult {
    match (&p.body, &p.target) {
        (PatchBody::Strategic(docs), None) => apply_smp_by_id(m, docs, p.options, api),
        (PatchBody::Strategic(docs), Some(t)) => {
            if docs.len() > 1 {
                return Err(format!(
                    "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: {}",
                    p.source
                ));
            }
            match docs.first() {
                Some(d) => apply_smp_to_target(m, d, t, p.options, api),
                None => Ok(()),
            }
        }
        (PatchBody::Json(ops), Some(t)) => apply_json6902(m, ops, t),
        (PatchBody::Json(_), None) => {
            Err(format!("must specify a target for JSON patch {}", p.source))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resmap;
    use serde_json::json;

    #[test]
    fn numbers_read_back_as_go_floats() {
        let mut v =
            json!({"a": 3, "b": 1000000, "c": 1.5, "d": [12345678901234567890_u64, -0.0, 5.0]});
        let mut spellings = Vec::new();
        reread_numbers(&mut v, &mut Vec::new(), &mut spellings);
        assert_eq!(v["a"], json!(3));
        assert!(v["b"].is_f64());
        assert_eq!(v["d"][2], json!(5));
        let texts: Vec<(&[Seg], &str)> = spellings
            .iter()
            .map(|s| (s.at.as_slice(), s.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                (&[Seg::Key("b".into())][..], "1e+06"),
                (
                    &[Seg::Key("d".into()), Seg::Idx(0)][..],
                    "1.2345678901234567e+19"
                ),
            ]
        );
    }

    fn two_deployments() -> ResMap {
        resmap([
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"tier": "front"}},
                   "spec": {"replicas": 1}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db"}, "spec": {"replicas": 1}}),
        ])
    }

    #[test]
    fn text_is_classified_as_strategic_or_json() {
        assert!(matches!(
            parse("- op: add\n  path: /a\n  value: 1\n", "t"),
            Ok(PatchBody::Json(_))
        ));
        assert!(
            matches!(parse("kind: X\nmetadata: {name: a}\n", "t"), Ok(PatchBody::Strategic(d)) if d.len() == 1)
        );
        assert!(parse("# only a comment\n", "t").is_err());
    }

    /// kubectl: in an untargeted patch a `!!null`-tagged annotation deletes whatever its
    /// text; under a target (or `patchesStrategicMerge`) it is the text written.
    #[test]
    fn null_tagged_annotations_delete_only_untargeted() {
        let text = "kind: X\nmetadata:\n  name: a\n  annotations:\n    t: !!null x\n    e: !!null\n    s: !!str null\n    q: \"\"\n";
        let annotations = |body: PatchBody| match body {
            PatchBody::Strategic(d) => d[0].obj["metadata"]["annotations"].clone(),
            PatchBody::Json(_) => panic!("expected a strategic-merge patch"),
        };
        let a = annotations(parse(text, "t").unwrap());
        assert_eq!(a, json!({"t": null, "e": null, "s": "null", "q": ""}));
        let a = annotations(parse_targeted(text, "t").unwrap());
        assert_eq!(a, json!({"t": "x", "e": "", "s": "null", "q": ""}));
    }

    #[test]
    fn strategic_patch_by_id_keeps_the_name_and_needs_a_match() {
        let mut m = two_deployments();
        let p = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 3}});
        let docs = vec![SmPatch::from(p.as_object().cloned().unwrap())];
        apply_smp_by_id(&mut m, &docs, PatchOptions::default(), OpenApi::BUILTIN).unwrap();
        assert_eq!(m.get(0).unwrap().obj["spec"]["replicas"], 3);
        let p =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nope"}});
        let e = apply_smp_by_id(
            &mut m,
            &[SmPatch::from(p.as_object().cloned().unwrap())],
            PatchOptions::default(),
            OpenApi::BUILTIN,
        )
        .unwrap_err();
        assert!(
            e.contains("no resource matches strategic merge patch"),
            "{e}"
        );
    }

    #[test]
    fn json_patch_by_label_selector_and_regex_name() {
        let mut m = two_deployments();
        let PatchBody::Json(ops) =
            parse("- op: replace\n  path: /spec/replicas\n  value: 7\n", "t").unwrap()
        else {
            panic!("expected a JSON patch");
        };
        let by_label = Selector {
            label_selector: Some("tier=front".into()),
            ..Default::default()
        };
        apply_json6902(&mut m, &ops, &by_label).unwrap();
        assert_eq!(m.get(0).unwrap().obj["spec"]["replicas"], 7);
        assert_eq!(m.get(1).unwrap().obj["spec"]["replicas"], 1);
        let by_regex = Selector {
            name: Some("d.*".into()),
            kind: Some("Deployment".into()),
            ..Default::default()
        };
        apply_json6902(&mut m, &ops, &by_regex).unwrap();
        assert_eq!(m.get(1).unwrap().obj["spec"]["replicas"], 7);
        // No empty annotations map is left behind by the internal-annotations emulation.
        assert!(m.get(1).unwrap().obj["metadata"]
            .get("annotations")
            .is_none());
    }
}
