//! Resources, their ids, and the id-indexed resource map that flows through the build.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

/// Annotation recording where an object came from (`buildMetadata: [originAnnotations]`).
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
/// Annotation listing the transformers that ran (`buildMetadata: [transformerAnnotations]`).
pub const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

/// Group, version and kind of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Gvk {
    /// API group (`""` for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`apps/v1`, `v1`) and pairs it with `kind`.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// The identity of a resource: group/version/kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (`""` when unset).
    pub namespace: String,
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.gvk.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.gvk.kind, self.namespace, self.name)
        }
    }
}

impl ResId {
    /// Kustomize's `ResId.String()`: `Kind.version.group/name.namespace`, with
    /// Kustomize's placeholders for empty parts (the spelling of its messages).
    pub fn kustomize_string(&self) -> String {
        id_string(
            &self.gvk.kind,
            &self.gvk.version,
            &self.gvk.group,
            &self.name,
            &self.namespace,
        )
    }
}

/// Kustomize's placeholder spelling of the id parts: `[noKind]`, `[noVer]`, `[noGrp]`,
/// `[noName]`, `[noNs]` in messages.
pub fn or_placeholder<'a>(part: &'a str, placeholder: &'a str) -> &'a str {
    if part.is_empty() {
        placeholder
    } else {
        part
    }
}

/// Kustomize's `Gvk.String()`: `Kind.version.group` with placeholders.
pub fn gvk_string(kind: &str, version: &str, group: &str) -> String {
    format!(
        "{}.{}.{}",
        or_placeholder(kind, "[noKind]"),
        or_placeholder(version, "[noVer]"),
        or_placeholder(group, "[noGrp]")
    )
}

/// Kustomize's `ResId.String()` from its parts: `Kind.version.group/name.namespace`.
pub fn id_string(kind: &str, version: &str, group: &str, name: &str, namespace: &str) -> String {
    format!(
        "{}/{}.{}",
        gvk_string(kind, version, group),
        or_placeholder(name, "[noName]"),
        or_placeholder(namespace, "[noNs]")
    )
}

/// Where a resource came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The file (or the kustomization, for generated objects).
    pub path: Arc<PathBuf>,
    /// 1-based line where its document starts.
    pub line: usize,
}

/// How a generated object combines with an existing one of the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// Not generated, or `behavior: create`.
    #[default]
    Create,
    /// `behavior: merge`.
    Merge,
    /// `behavior: replace`.
    Replace,
}

/// One object in the build, with the bookkeeping transformations need.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The object itself (always a JSON object).
    pub obj: Map<String, Value>,
    /// Where it was read or generated.
    pub origin: Origin,
    /// Earlier ids, oldest first, as names, namespaces and kinds changed.
    pub prev_ids: Vec<ResId>,
    /// The object wants a content-hash name suffix.
    pub needs_hash: bool,
    /// Generator behavior, for merging generated objects.
    pub behavior: Behavior,
    /// Name prefixes applied so far (outermost last).
    pub prefixes: Vec<String>,
    /// Name suffixes applied so far (outermost last).
    pub suffixes: Vec<String>,
    /// Fields written as nothing at all (`key:`) in the source: strategic merges drop them.
    pub empty_nulls: Vec<Vec<String>>,
    /// Strings (and numbers and booleans) written with an explicit tag (`!!str 4`, `!!float 1`)
    /// in the source, by mapping-key path.
    pub tagged_strings: Vec<Vec<String>>,
    /// Quoted strings of the source that would be strings unquoted too (see
    /// [`crate::yaml::parse::Document::quoted_strings`]).
    pub quoted_strings: Vec<Vec<String>>,
    /// Strings whose node is plain though their text would not be a string plain: a
    /// strategic merge put a patch's `"4"` (or `!!str 4`) under a plain target's style
    /// (see [`crate::transform::scalar_style`]).
    pub plain_strings: Vec<Vec<String>>,
    /// Strings under lists written quoted whose text would be a string plain too, with
    /// list positions (see [`crate::yaml::parse::Document::list_quoted`]).
    pub list_quoted: Vec<Vec<crate::yaml::parse::PathStep>>,
    /// Strings under lists whose node is not quoted though their text would need quotes
    /// (`!!str 4`, or a patch's `"4"` merged under a plain style), with list positions.
    pub list_plain: Vec<Vec<crate::yaml::parse::PathStep>>,
    /// Annotations written as plain scalars in the source, with the text written (read
    /// back as YAML values by a JSON 6902 patch while they still hold that text; a
    /// transformer that writes an annotation writes a string).
    pub plain_annotations: Vec<(String, String)>,
    /// Fields that hold one shared value, as in Kustomize (see [`SharedValue`]).
    pub shared: Vec<SharedValue>,
    /// Scalars written with text their field's type cannot hold (see [`Undecodable`]).
    pub undecodable: Vec<Undecodable>,
    /// Numbers whose text in Kustomize differs from how their value prints (see
    /// [`Spelling`]).
    pub spellings: Vec<Spelling>,
    /// Fields created under null nodes, in the order created (see [`Hidden`]).
    pub hidden: Vec<Hidden>,
    /// Who wrote each value, when the build records provenance (else `None`).
    pub prov: Option<Box<crate::provenance::model::Record>>,
}

/// A scalar a replacement wrote with text its field's type cannot hold (`nginx` into an
/// integer, `5` over a timestamp): Kustomize keeps the field's type and fails when it
/// next decodes the object (printing it, a JSON 6902 patch), unless a patch replaced the
/// field first.
#[derive(Debug, Clone, PartialEq)]
pub struct Undecodable {
    /// Where the scalar is.
    pub(crate) at: Vec<crate::transform::fieldpath::Seg>,
    /// The text written (the field holds it as a string until then).
    pub text: String,
    /// The type the field kept (`!!int`, `!!timestamp`, ...).
    pub tag: &'static str,
}

/// A number whose text in Kustomize's node is not the one kagentctl would give its value:
/// after a JSON 6902 patch every number is a float64 written back as `%g` (`1e+06`,
/// `1.2345678901234567e+19`), and a replacement writes the text it copies. A replacement,
/// a var or a delimiter copies this text; it holds while the field keeps `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spelling {
    /// Where the number is.
    pub(crate) at: Vec<crate::transform::fieldpath::Seg>,
    /// The value it had when the text was recorded.
    pub value: Value,
    /// The node's text.
    pub text: String,
    /// The node has no tag (a replacement created it): its text decides its type when
    /// it is read, and Kustomize's vars step makes it a string wherever a var reference
    /// may be (see [`crate::transform::vars`]).
    pub untyped: bool,
}

/// A field a replacement with `create` made under a node that is null: kyaml appends it
/// to the null node, which still prints as null, so the field stays hidden until a
/// field-spec transformer that creates fields (labels, annotations, namespace, ...)
/// reaches the node and turns it into a map, showing every field hidden there (see
/// `crate::transform::hidden`). Any other change of the node drops them.
#[derive(Debug, Clone, PartialEq)]
pub struct Hidden {
    /// Where the null node is.
    pub(crate) at: Vec<crate::transform::fieldpath::Seg>,
    /// The field's name.
    pub key: String,
    /// The field's value.
    pub value: Value,
}

impl Spelling {
    /// The text of the scalar `v` at `at` in an object with `spellings`: the recorded
    /// spelling while the field still holds the value it was recorded with, else the
    /// text its value prints as.
    pub(crate) fn text_at(
        spellings: &[Spelling],
        at: &[crate::transform::fieldpath::Seg],
        v: &Value,
    ) -> String {
        spellings
            .iter()
            .rev()
            .find(|s| s.at == at && s.value == *v)
            .map_or_else(
                || crate::transform::fieldpath::scalar_text(v),
                |s| s.text.clone(),
            )
    }
}

impl Undecodable {
    /// A plain `.inf` or `.nan` read at `at` (a float JSON cannot hold).
    pub fn non_finite(at: &[crate::yaml::parse::PathStep], text: String) -> Undecodable {
        use crate::transform::fieldpath::Seg;
        use crate::yaml::parse::PathStep;
        Undecodable {
            at: at
                .iter()
                .map(|s| match s {
                    PathStep::Key(k) => Seg::Key(k.clone()),
                    PathStep::Index(i) => Seg::Idx(*i),
                })
                .collect(),
            text,
            tag: "!!float",
        }
    }
}

impl Resource {
    /// Fails as Kustomize does when it decodes an object holding an [`Undecodable`]
    /// scalar that nothing replaced since.
    pub fn check_decodable(&self) -> Result<(), String> {
        for u in &self.undecodable {
            let mut cur = Some(&self.obj);
            let mut v: Option<&Value> = None;
            for seg in &u.at {
                v = match (seg, v) {
                    (crate::transform::fieldpath::Seg::Key(k), None) => cur.and_then(|m| m.get(k)),
                    (crate::transform::fieldpath::Seg::Key(k), Some(Value::Object(m))) => m.get(k),
                    (crate::transform::fieldpath::Seg::Idx(i), Some(Value::Array(a))) => a.get(*i),
                    _ => None,
                };
                cur = None;
                if v.is_none() {
                    break;
                }
            }
            // A `.inf` moves with its list element (a strategic merge reorders lists):
            // look for its text anywhere in the object.
            let still_there = if u.tag == "!!float" {
                fn holds(v: &Value, text: &str) -> bool {
                    match v {
                        Value::String(s) => s == text,
                        Value::Array(a) => a.iter().any(|x| holds(x, text)),
                        Value::Object(m) => m.values().any(|x| holds(x, text)),
                        _ => false,
                    }
                }
                self.obj.values().any(|x| holds(x, &u.text))
            } else {
                v.and_then(Value::as_str) == Some(u.text.as_str())
            };
            if still_there {
                let why = if u.tag == "!!float" {
                    "JSON cannot hold it: quote it to keep it as text"
                } else {
                    "a replacement wrote it into a field of that type"
                };
                return Err(format!(
                    "{} ({}): cannot decode {:?} as a {} ({why})",
                    self.id(),
                    self.origin.path.display(),
                    u.text,
                    u.tag
                ));
            }
        }
        Ok(())
    }
}

/// One value held by several fields of an object.
///
/// Kustomize's label and annotation transformers write one YAML node into every field
/// they create for a key; a later transformer that updates one of those fields in place
/// (labels, annotations, a strategic-merge patch) therefore changes all of them. A JSON
/// 6902 patch rebuilds the object, after which the fields are independent again.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedValue {
    /// Mapping-key paths of the fields holding the value.
    pub paths: Vec<Vec<String>>,
    /// The value they all hold.
    pub value: Value,
}

/// The value at a path of mapping keys.
fn get_path<'a>(obj: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (last, init) = path.split_last()?;
    let mut cur = obj;
    for k in init {
        cur = cur.get(k)?.as_object()?;
    }
    cur.get(last)
}

/// The value at a path of mapping keys, for writing.
fn get_path_mut<'a>(obj: &'a mut Map<String, Value>, path: &[String]) -> Option<&'a mut Value> {
    let (last, init) = path.split_last()?;
    let mut cur = obj;
    for k in init {
        cur = cur.get_mut(k)?.as_object_mut()?;
    }
    cur.get_mut(last)
}

/// Reads a string at a path of object keys.
pub fn get_str<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, init) = path.split_last()?;
    let mut cur = obj;
    for k in init {
        cur = cur.get(*k)?.as_object()?;
    }
    cur.get(*last)?.as_str()
}

impl Resource {
    /// Wraps an object read from `origin`.
    pub fn new(obj: Map<String, Value>, origin: Origin) -> Resource {
        Resource {
            obj,
            origin,
            prev_ids: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            empty_nulls: Vec::new(),
            tagged_strings: Vec::new(),
            quoted_strings: Vec::new(),
            plain_strings: Vec::new(),
            list_quoted: Vec::new(),
            list_plain: Vec::new(),
            plain_annotations: Vec::new(),
            shared: Vec::new(),
            undecodable: Vec::new(),
            spellings: Vec::new(),
            hidden: Vec::new(),
            prov: None,
        }
    }

    /// The value at a path of mapping keys.
    pub fn value_at(&self, path: &[String]) -> Option<&Value> {
        get_path(&self.obj, path)
    }

    /// Records the texts of plain numbers and booleans written otherwise than they print
    /// (`0x1F`, `1e10`, `.5`, `True`), by mapping-key path: a replacement or var copies
    /// them as written (see [`Spelling`]).
    pub fn record_spellings(&mut self, written: Vec<(Vec<String>, String)>) {
        for (path, text) in written {
            if let Some(value) = get_path(&self.obj, &path).cloned() {
                self.spellings.push(Spelling {
                    at: path
                        .into_iter()
                        .map(crate::transform::fieldpath::Seg::Key)
                        .collect(),
                    value,
                    text,
                    untyped: false,
                });
            }
        }
    }

    /// The value at a path of mapping keys, for writing.
    pub fn value_at_mut(&mut self, path: &[String]) -> Option<&mut Value> {
        get_path_mut(&mut self.obj, path)
    }

    /// Whether a field exists at a path of mapping keys.
    pub fn has_path(&self, path: &[String]) -> bool {
        get_path(&self.obj, path).is_some()
    }

    /// Records that the fields at `paths` hold one shared value (the one now at the first).
    pub fn share(&mut self, paths: Vec<Vec<String>>) {
        if paths.len() < 2 {
            return;
        }
        if let Some(value) = paths.first().and_then(|p| get_path(&self.obj, p)).cloned() {
            self.shared.push(SharedValue { paths, value });
        }
    }

    /// After an in-place update: where one field of a shared value changed, the others
    /// change with it. Fields that disappeared or stopped being scalars leave their group.
    pub fn sync_shared(&mut self) {
        if self.shared.is_empty() {
            return;
        }
        let mut groups = std::mem::take(&mut self.shared);
        for g in &mut groups {
            g.paths.retain(|p| {
                get_path(&self.obj, p).is_some_and(|v| !v.is_object() && !v.is_array())
            });
            let changed = g
                .paths
                .iter()
                .filter_map(|p| get_path(&self.obj, p))
                .find(|v| **v != g.value)
                .cloned();
            if let Some(new) = changed {
                for p in &g.paths {
                    if let Some(v) = get_path_mut(&mut self.obj, p) {
                        *v = new.clone();
                    }
                }
                g.value = new;
            }
        }
        groups.retain(|g| g.paths.len() > 1);
        self.shared = groups;
    }

    /// `apiVersion` and `kind`.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(
            get_str(&self.obj, &["apiVersion"]).unwrap_or(""),
            get_str(&self.obj, &["kind"]).unwrap_or(""),
        )
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        get_str(&self.obj, &["kind"]).unwrap_or("")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        get_str(&self.obj, &["metadata", "name"]).unwrap_or("")
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        get_str(&self.obj, &["metadata", "namespace"]).unwrap_or("")
    }

    /// The current id.
    pub fn id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// The id it had when first loaded.
    pub fn orig_id(&self) -> ResId {
        self.prev_ids.first().cloned().unwrap_or_else(|| self.id())
    }

    /// The `metadata` map, created when missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let md = self
            .obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        match md {
            Value::Object(m) => m,
            _ => unreachable!("metadata was just made an object"),
        }
    }

    /// Removes the fields that were empty in the source and are still null, as a strategic
    /// merge in Kustomize does.
    pub fn drop_empty_nulls(&mut self) {
        for path in std::mem::take(&mut self.empty_nulls) {
            let Some((last, init)) = path.split_last() else {
                continue;
            };
            let mut cur = Some(&mut self.obj);
            for k in init {
                cur = match cur.and_then(|m| m.get_mut(k)) {
                    Some(Value::Object(m)) => Some(m),
                    _ => None,
                };
            }
            if let Some(m) = cur {
                if m.get(last).is_some_and(Value::is_null) {
                    m.remove(last);
                }
            }
        }
    }

    /// Records the current id as a previous one before a rename.
    pub fn remember_id(&mut self) {
        let id = self.id();
        if self.prev_ids.last() != Some(&id) {
            self.prev_ids.push(id);
        }
    }

    /// Sets `metadata.name`, remembering the old id.
    pub fn set_name(&mut self, name: &str) {
        self.remember_id();
        self.metadata_mut()
            .insert("name".into(), Value::String(name.to_string()));
    }

    /// Sets annotation `key` to `value`, creating `metadata.annotations` (or replacing it
    /// when it is not a mapping).
    pub fn set_annotation(&mut self, key: &str, value: String) {
        let md = self.metadata_mut();
        let a = md
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if !a.is_object() {
            *a = Value::Object(Default::default());
        }
        if let Value::Object(a) = a {
            a.insert(key.to_string(), Value::String(value));
        }
    }

    /// A string-valued map under `metadata` (`labels`, `annotations`).
    pub fn metadata_map(&self, field: &str) -> Option<&Map<String, Value>> {
        self.obj
            .get("metadata")?
            .as_object()?
            .get(field)?
            .as_object()
    }

    /// `metadata.labels` as pairs.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata_map("labels")
            .into_iter()
            .flat_map(|m| m.iter())
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
    }

    /// Whether the resource is or was called `name` (a cheap test before [`Resource::any_id`]).
    pub fn has_had_name(&self, name: &str) -> bool {
        self.name() == name || self.prev_ids.iter().any(|id| id.name == name)
    }

    /// API group and version, split from `apiVersion` without allocating.
    pub fn group_version(&self) -> (&str, &str) {
        let av = get_str(&self.obj, &["apiVersion"]).unwrap_or("");
        av.rsplit_once('/').unwrap_or(("", av))
    }

    /// Whether any id this resource has had (current or previous) satisfies `f`.
    pub fn any_id(&self, mut f: impl FnMut(&ResId) -> bool) -> bool {
        f(&self.id()) || self.prev_ids.iter().any(f)
    }
}

/// The resources of a build, in insertion order, indexed by current id.
///
/// The index is built lazily: [`ResMap::reindex`] only drops it, and the next
/// [`ResMap::append`] rebuilds it, so transformers can call `reindex` freely.
#[derive(Debug, Default, Clone)]
pub struct ResMap {
    items: Vec<Resource>,
    /// Current id to position; `None` until needed after a change.
    index: Option<HashMap<ResId, usize>>,
}

impl ResMap {
    /// An empty map.
    pub fn new() -> Self {
        ResMap::default()
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Resources in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.items.iter()
    }

    /// The resources in order, as a slice.
    pub fn as_slice(&self) -> &[Resource] {
        &self.items
    }

    /// Resources in order, as a mutable slice. Call [`ResMap::reindex`] after renaming any.
    pub fn as_mut_slice(&mut self) -> &mut [Resource] {
        &mut self.items
    }

    /// Resources in order, mutably. Call [`ResMap::reindex`] after renaming any.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Resource> {
        self.items.iter_mut()
    }

    /// Position of the resource whose current id is `id`.
    pub fn position(&self, id: &ResId) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(id).copied(),
            None => self.items.iter().position(|r| r.id() == *id),
        }
    }

    /// The resource at `i`.
    pub fn get(&self, i: usize) -> Option<&Resource> {
        self.items.get(i)
    }

    /// The resource at `i`, mutably.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut Resource> {
        self.items.get_mut(i)
    }

    /// Appends a resource; returns it back when its id is taken.
    pub fn append(&mut self, r: Resource) -> Result<(), Box<Resource>> {
        let id = r.id();
        let len = self.items.len();
        let index = self
            .index
            .get_or_insert_with(|| Self::build_index(&self.items));
        if index.contains_key(&id) {
            return Err(Box::new(r));
        }
        index.insert(id, len);
        self.items.push(r);
        Ok(())
    }

    /// Replaces the resource at `i`.
    pub fn replace(&mut self, i: usize, r: Resource) {
        self.items[i] = r;
        self.reindex();
    }

    /// Removes the resource at `i`.
    pub fn remove(&mut self, i: usize) -> Resource {
        let r = self.items.remove(i);
        self.reindex();
        r
    }

    /// Keeps only the resources for which `f` holds.
    pub fn retain(&mut self, f: impl FnMut(&Resource) -> bool) {
        self.items.retain(f);
        self.reindex();
    }

    /// Marks the id index stale after names or namespaces changed (it is rebuilt when
    /// next needed).
    pub fn reindex(&mut self) {
        self.index = None;
    }

    fn build_index(items: &[Resource]) -> HashMap<ResId, usize> {
        let mut index = HashMap::with_capacity(items.len());
        for (i, r) in items.iter().enumerate() {
            index.entry(r.id()).or_insert(i);
        }
        index
    }

    /// Takes all resources out, in order.
    pub fn into_vec(self) -> Vec<Resource> {
        self.items
    }

    /// Sorts resources with `cmp`.
    pub fn sort_by(&mut self, cmp: impl FnMut(&Resource, &Resource) -> std::cmp::Ordering) {
        self.items.sort_by(cmp);
        self.reindex();
    }

    /// First duplicate id, if renames made two resources collide.
    pub fn find_conflict(&self) -> Option<ResId> {
        let mut seen = std::collections::HashSet::with_capacity(self.items.len());
        for id in self.items.iter().map(Resource::id) {
            if seen.contains(&id) {
                return Some(id);
            }
            seen.insert(id);
        }
        None
    }
}

impl<'a> IntoIterator for &'a ResMap {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl ResMap {
    /// The objects as JSON values, in order.
    pub fn to_values(&self) -> Vec<Value> {
        self.items
            .iter()
            .map(|r| Value::Object(r.obj.clone()))
            .collect()
    }
}

impl ResMap {
    /// Puts the resources in the order of the given positions (a permutation).
    pub fn reorder(&mut self, order: &[usize]) {
        let mut old: Vec<Option<Resource>> = std::mem::take(&mut self.items)
            .into_iter()
            .map(Some)
            .collect();
        self.items = order
            .iter()
            .filter_map(|&i| old.get_mut(i).and_then(Option::take))
            .collect();
        self.reindex();
    }

    /// Appends every resource of `other`; fails on the first id already present.
    pub fn append_all(&mut self, other: ResMap) -> Result<(), Box<Resource>> {
        for r in other.items {
            self.append(r)?;
        }
        Ok(())
    }
}

/// A resource map of `objs` without provenance: the one test helper every transformer's
/// tests build their input with. Panics on a non-object or a repeated id.
#[cfg(test)]
pub(crate) fn resmap(objs: impl IntoIterator<Item = Value>) -> ResMap {
    let mut m = ResMap::new();
    for o in objs {
        let Value::Object(obj) = o else {
            panic!("not an object: {o}")
        };
        m.append(Resource::new(obj, Origin::default()))
            .unwrap_or_else(|r| panic!("repeated id {}", r.id()));
    }
    m
}
