//! The recorder: attributes what each build step changed in each object to that step.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::locate::{self, Files, Parsed};
use super::positions::Pos;
use super::scope::{Fields, Scope};
use super::{
    At, Body, Follow, Key, Loc, Node, Origin, Prior, Provenance, Record, StepDesc, StepInfo,
    StepKind,
};
use crate::check::lines::{split_path, Step as Seg};
use crate::resource::Resource;

/// The path to the value being compared, as links on the stack: nothing is allocated
/// unless an origin is computed.
#[derive(Clone, Copy)]
enum Link<'a> {
    Root,
    Key(&'a Link<'a>, &'a str),
    Index(&'a Link<'a>, usize),
}

impl Link<'_> {
    fn steps(&self) -> Vec<Seg> {
        let mut out = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Link::Root => break,
                Link::Key(p, k) => {
                    out.push(Seg::Key((*k).to_string()));
                    cur = p;
                }
                Link::Index(p, i) => {
                    out.push(Seg::Index(*i));
                    cur = p;
                }
            }
        }
        out.reverse();
        out
    }
}

/// A resource file's name as recorded, and the positions of its documents (with the
/// line each starts on).
type FilePositions = (Arc<PathBuf>, Vec<(usize, Pos)>);

/// Fewest objects worth comparing on several threads.
const PARALLEL_MIN: usize = 256;

/// Records the origin of every value while a build runs (see the module docs).
#[derive(Debug, Default)]
pub struct Recorder {
    prov: Provenance,
    files: Files,
}

/// How a step's values are found in its source.
enum Lookup {
    /// Only the step's kustomization line is known.
    None,
    /// A strategic-merge patch (documents matched to objects by kind and name); `offset`
    /// is the kustomization line an inline patch starts after.
    Patch(Arc<Parsed>, usize),
    /// JSON 6902 operations (document 0).
    Json(Arc<Parsed>, usize),
    /// Key/value pairs of a kustomization (`labels[0].pairs`, `commonAnnotations`), with
    /// the location of each pair's key worked out once.
    Pairs(Arc<Parsed>, Vec<Seg>, Vec<(String, Option<Loc>)>),
    /// A generator entry of a kustomization.
    Generator(Arc<Parsed>, Vec<Seg>),
}

struct Cx<'a> {
    step: u32,
    kind: StepKind,
    lookup: &'a Lookup,
    /// For patches: the patch document matching the object.
    patch_doc: Option<usize>,
    obj: &'a Map<String, Value>,
    /// For `images:`: each entry's image name and step.
    images: &'a [(&'a str, u32)],
    prov: &'a Provenance,
    names: &'a HashMap<String, Arc<Follow>>,
}

impl Recorder {
    /// A recorder with no steps yet.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// The recorded steps, to read the origins on the resources.
    pub fn finish(self) -> Provenance {
        self.prov
    }

    /// Records step `desc` on the objects it may have changed.
    pub fn observe(&mut self, rs: &mut [Resource], desc: StepDesc) {
        self.observe_in(rs, Scope::default(), desc);
    }

    /// Records step `desc`, which may have changed only what `scope` says.
    pub fn observe_in(&mut self, rs: &mut [Resource], scope: Scope, desc: StepDesc) {
        let step = self.push_step(&desc);
        if desc.kind == StepKind::Resource {
            self.observe_resources(rs, step);
            return;
        }
        self.compare(rs, scope, &desc, step, &[]);
    }

    /// Records one `images:` list applied in one go: `entries` describe its entries in
    /// order, each labelled with its image name; each image value changed (or named by an
    /// entry) is attributed to the entry naming the image it had.
    pub fn observe_images(&mut self, rs: &mut [Resource], scope: Scope, entries: Vec<StepDesc>) {
        let Some(first) = entries.first() else {
            return;
        };
        let first = first.clone();
        let steps: Vec<u32> = entries.iter().map(|d| self.push_step(d)).collect();
        let table: Vec<(&str, u32)> = entries
            .iter()
            .zip(steps)
            .map(|(d, s)| (d.label.as_str(), s))
            .collect();
        let step = table.first().map_or(0, |t| t.1);
        self.compare(rs, scope, &first, step, &table);
    }

    /// Adds a step to the record; its index.
    fn push_step(&mut self, desc: &StepDesc) -> u32 {
        let configured = match desc.kind {
            StepKind::HashSuffix | StepKind::NameReference | StepKind::Var
                if desc.field.is_empty() =>
            {
                None
            }
            _ => self.files.field(&desc.kfile, &desc.field),
        };
        let step = self.prov.steps.len() as u32;
        self.prov.steps.push(StepInfo {
            kind: desc.kind,
            configured,
            label: desc.label.clone(),
            component: desc.component,
        });
        step
    }

    /// Compares the objects `scope` marks (all when `None`) with their records after step
    /// `step`, described by `desc`.
    fn compare(
        &mut self,
        rs: &mut [Resource],
        scope: Scope,
        desc: &StepDesc,
        step: u32,
        images: &[(&str, u32)],
    ) {
        let lookup = self.lookup(desc);
        let names = if desc.kind == StepKind::NameReference {
            self.names(rs)
        } else {
            HashMap::new()
        };
        let prov = &self.prov;
        // An `images:` entry claims the image fields naming its image even when it wrote
        // the value they had: those objects are compared whatever their fingerprint.
        let image_names: Vec<&str> = images.iter().map(|(n, _)| *n).collect();
        let objects = scope.objects.filter(|s| s.len() == rs.len());
        let fields = scope.fields.filter(|(_, which)| which.len() == rs.len());
        let leaves = scope.leaves.filter(|l| l.len() == rs.len());
        let one = |(i, r): (usize, &mut Resource)| {
            let stored = r.prov.as_ref().map(|p| p.fingerprint);
            if let (Some(leaves), Some(rec)) = (&leaves, r.prov.as_mut()) {
                // Only these scalars may have changed.
                let cx = Cx {
                    step,
                    kind: desc.kind,
                    lookup: &lookup,
                    patch_doc: None,
                    obj: &r.obj,
                    images,
                    prov,
                    names: &names,
                };
                for path in &leaves[i] {
                    update_at(&mut rec.root, &r.obj, path, &Link::Root, &cx);
                }
                if leaves[i].is_empty() {
                    debug_assert!(
                        stored.is_none_or(|f| f == UNKNOWN || f == fingerprint(&r.obj, &[]).0),
                        "images changed {} outside the fields found",
                        r.id()
                    );
                } else {
                    rec.fingerprint = UNKNOWN;
                }
                return;
            }
            if let Some(objects) = &objects {
                if !objects[i] {
                    debug_assert!(
                        stored.is_none_or(|f| f == UNKNOWN || f == fingerprint(&r.obj, &[]).0),
                        "step {:?} {} changed {} outside its scope",
                        desc.kind,
                        desc.field,
                        r.id()
                    );
                    return;
                }
            } else if fields.is_none() && stored.is_some_and(|f| f != UNKNOWN) {
                let (fingerprint, names_image) = fingerprint(&r.obj, &image_names);
                if !names_image && stored == Some(fingerprint) {
                    return;
                }
            }
            let patch_doc = match &lookup {
                Lookup::Patch(p, _) => Some(patch_doc(p, r)),
                _ => None,
            };
            let cx = Cx {
                step,
                kind: desc.kind,
                lookup: &lookup,
                patch_doc,
                obj: &r.obj,
                images,
                prov,
                names: &names,
            };
            let path = Link::Root;
            let mut fp = Fingerprint::new(&[]);
            match &mut r.prov {
                Some(rec) => match &fields {
                    // Only the step's fields are compared: the fingerprint is unknown.
                    Some((trees, which)) => {
                        if let Some(f) = which.get(i).and_then(|t| trees.get(*t)) {
                            // Debug builds compare the whole maps the step reaches too:
                            // the narrowed compare must find the same changes.
                            #[cfg(debug_assertions)]
                            let wide = {
                                let mut root = rec.root.clone();
                                update_fields(&mut root, &r.obj, &f.widened(), &path, &cx);
                                value_of(&root)
                            };
                            update_fields(&mut rec.root, &r.obj, f, &path, &cx);
                            #[cfg(debug_assertions)]
                            debug_assert!(
                                value_of(&rec.root) == wide,
                                "step {:?} {} changed {} outside the keys it writes",
                                desc.kind,
                                desc.field,
                                serde_json::to_string(&r.obj).unwrap_or_default()
                            );
                        }
                        rec.fingerprint = UNKNOWN;
                    }
                    None => {
                        update_map(&mut rec.root, &r.obj, &path, &cx, &mut fp);
                        rec.fingerprint = fp.hash;
                    }
                },
                None => {
                    let root = fresh_map(&r.obj, &path, &cx);
                    fp.map(&r.obj);
                    r.prov = Some(Box::new(Record {
                        root,
                        fingerprint: fp.hash,
                    }));
                }
            }
        };
        if rs.len() >= PARALLEL_MIN {
            use rayon::prelude::*;
            rs.par_iter_mut().enumerate().for_each(one);
        } else {
            rs.iter_mut().enumerate().for_each(one);
        }
    }

    /// Records objects just read from resource files: each value at its position in its
    /// document (files read once, for their positions only, and not kept).
    fn observe_resources(&mut self, rs: &mut [Resource], step: u32) {
        let mut files: HashMap<Arc<PathBuf>, FilePositions> = HashMap::new();
        for r in rs.iter() {
            if !files.contains_key(&r.origin.path) {
                let text = std::fs::read_to_string(r.origin.path.as_path()).unwrap_or_default();
                let name = Arc::new(crate::load::clean(&r.origin.path));
                files.insert(r.origin.path.clone(), (name, locate::positions(&text)));
            }
        }
        for r in rs.iter_mut() {
            let doc = files.get(&r.origin.path).and_then(|(name, docs)| {
                let (_, pos) = docs.iter().find(|(start, _)| *start == r.origin.line)?;
                Some((name, pos))
            });
            let origin = Origin {
                step,
                at: None,
                follows: None,
            };
            let root = match (&doc, Value::Object(std::mem::take(&mut r.obj))) {
                (Some((name, pos)), obj) => {
                    let n = from_source(&obj, Some(pos), name, origin, None);
                    r.obj = into_map(obj);
                    n
                }
                (None, obj) => {
                    let n = from_source(&obj, None, &Arc::default(), origin, None);
                    r.obj = into_map(obj);
                    n
                }
            };
            let (fingerprint, _) = fingerprint(&r.obj, &[]);
            r.prov = Some(Box::new(Record { root, fingerprint }));
        }
    }

    fn lookup(&mut self, desc: &StepDesc) -> Lookup {
        let field = split_path(&desc.field);
        match desc.kind {
            StepKind::StrategicMergePatch | StepKind::Json6902Patch => {
                let (parsed, offset) = match &desc.source {
                    Some(file) => (self.files.get(file), 0),
                    None => {
                        let k = self.files.get(&desc.kfile);
                        let mut inline_field = field.clone();
                        // A patchesStrategicMerge entry is the patch text itself.
                        if !desc.field.starts_with("patchesStrategicMerge") {
                            inline_field.push(Seg::Key("patch".into()));
                        }
                        match locate::inline(&k, &inline_field) {
                            Some(x) => x,
                            None => return Lookup::None,
                        }
                    }
                };
                let is_json = parsed.docs.first().is_some_and(|(v, _)| v.is_array());
                if is_json {
                    Lookup::Json(parsed, offset)
                } else {
                    Lookup::Patch(parsed, offset)
                }
            }
            StepKind::Labels | StepKind::Annotations => {
                let p = self.files.get(&desc.kfile);
                let keys = match p.value(0, &field) {
                    Some(Value::Object(m)) => m
                        .keys()
                        .map(|k| (k.clone(), pair_loc(&p, &field, k)))
                        .collect(),
                    _ => Vec::new(),
                };
                Lookup::Pairs(p, field, keys)
            }
            StepKind::Generator => Lookup::Generator(self.files.get(&desc.kfile), field),
            _ => Lookup::None,
        }
    }

    /// Current object names with the origin of each name, for name references.
    fn names(&self, rs: &[Resource]) -> HashMap<String, Arc<Follow>> {
        let mut out = HashMap::new();
        for r in rs {
            let Some(node) = r.prov.as_deref() else {
                continue;
            };
            let Some(n) = node.get(&[Seg::Key("metadata".into()), Seg::Key("name".into())]) else {
                continue;
            };
            out.entry(r.name().to_string()).or_insert_with(|| {
                Arc::new(Follow {
                    what: format!("{} {}", r.kind(), r.name()),
                    origin: n.origin.clone(),
                })
            });
        }
        out
    }
}

/// The document of a patch file that applies to `r`: the one naming its kind and (current
/// or earlier) name, else the first.
fn patch_doc(p: &Parsed, r: &Resource) -> usize {
    let hit = p.docs.iter().position(|(v, _)| {
        let name = v
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str);
        let kind = v.get("kind").and_then(Value::as_str);
        kind.is_none_or(|k| k == r.kind()) && name.is_some_and(|n| r.has_had_name(n))
    });
    hit.unwrap_or(0)
}

impl Cx<'_> {
    /// Whether this step wrote `v` at `path` though the value did not change: an image
    /// entry that sets the tag an image already had.
    fn rewrites(&self, path: &Link, v: &Value) -> bool {
        self.kind == StepKind::Images
            && matches!(path, Link::Key(_, k) if *k == "image")
            && v.as_str().is_some_and(|s| self.image_entry(s).is_some())
    }

    /// The step of the `images:` entry naming the image of `value`.
    fn image_entry(&self, value: &str) -> Option<u32> {
        let name = image_name(value);
        self.images.iter().find(|(n, _)| *n == name).map(|e| e.1)
    }

    /// The step that wrote `new` over `old`: for an `images:` list, the entry naming the
    /// image it had (or has), else the first.
    fn writer(&self, old: &Value, new: &Value) -> u32 {
        if self.images.is_empty() {
            return self.step;
        }
        [old, new]
            .iter()
            .find_map(|v| v.as_str().and_then(|s| self.image_entry(s)))
            .unwrap_or(self.step)
    }

    fn origin(&self, link: &Link, old: Option<&Origin>, new: &Value) -> Origin {
        self.origin_by(self.step, link, old, new)
    }

    fn origin_by(&self, step: u32, link: &Link, old: Option<&Origin>, new: &Value) -> Origin {
        let mut follows = None;
        // The path is spelt out only for the lookups that need all of it.
        let at = match self.lookup {
            Lookup::None => None,
            Lookup::Patch(p, offset) => {
                let doc = self.patch_doc.unwrap_or(0);
                let steps = link.steps();
                let ppath = p
                    .docs
                    .get(doc)
                    .map(|(v, _)| locate::patch_path(v, self.obj, &steps))
                    .unwrap_or_default();
                locate::deepest(p, doc, &ppath).map(|l| shift(l, *offset))
            }
            Lookup::Json(p, offset) => p
                .docs
                .first()
                .and_then(|(ops, _)| locate::json_op_path(ops, &link.steps()))
                .and_then(|pp| locate::deepest(p, 0, &pp))
                .map(|l| shift(l, *offset)),
            Lookup::Pairs(p, base, keys) => match link {
                Link::Key(_, k) => match keys.iter().find(|(n, _)| n == k) {
                    Some((_, l)) => l.clone(),
                    None => pair_loc(p, base, k),
                },
                _ => None,
            },
            Lookup::Generator(p, entry) => match link {
                Link::Key(Link::Key(Link::Root, f), k) if *f == "data" || *f == "binaryData" => {
                    locate::generator_key(p, entry, k)
                }
                _ => None,
            },
        };
        let at = match self.kind {
            // A hash suffix points at the generator that named the object.
            StepKind::HashSuffix => old.and_then(|o| self.prov.location(o)).or(at),
            // A name reference points where the object it follows got its name.
            StepKind::NameReference => match new.as_str().and_then(|n| self.names.get(n)) {
                Some(f) => {
                    follows = Some(f.clone());
                    self.prov.location(&f.origin).or(at)
                }
                None => at,
            },
            _ => at,
        };
        Origin {
            step,
            at: at.map(At::from),
            follows,
        }
    }
}

/// The location of key `k` of the pairs at `base` in kustomization `p`.
fn pair_loc(p: &Parsed, base: &[Seg], k: &str) -> Option<Loc> {
    let mut s = Vec::with_capacity(base.len() + 1);
    s.extend(base.iter().cloned());
    s.push(Seg::Key(k.to_string()));
    p.loc(0, &s)
}

/// A line position moved down by `offset` lines (an inline patch inside a kustomization);
/// the column is then unknown.
fn shift(l: Loc, offset: usize) -> Loc {
    if offset == 0 {
        return l;
    }
    Loc {
        line: l.line + offset,
        col: 0,
        ..l
    }
}

/// The map inside `v` (an object taken out of a resource to be read as a value).
fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The record of a value read from a file: each member at its position in `pos` (or at
/// its nearest parent's, `inherited`, when the file has no position for it).
fn from_source(
    v: &Value,
    pos: Option<&Pos>,
    file: &Arc<PathBuf>,
    origin: Origin,
    inherited: Option<&At>,
) -> Node {
    let here = match pos {
        Some(p) => Some(At::new(file.clone(), p.line, p.col)),
        None => inherited.cloned(),
    };
    let child = |x: &Value, p: Option<&Pos>| {
        let at = match p {
            Some(p) => Some(At::new(file.clone(), p.line, p.col)),
            None => here.clone(),
        };
        let o = Origin {
            step: origin.step,
            at,
            follows: None,
        };
        from_source(x, p, file, o, here.as_ref())
    };
    let body = match v {
        Value::Object(m) => Body::Map(
            m.iter()
                .map(|(k, x)| (Key::new(k), child(x, pos.and_then(|p| p.key(k)))))
                .collect(),
        ),
        Value::Array(a) => Body::Seq(
            a.iter()
                .enumerate()
                .map(|(i, x)| child(x, pos.and_then(|p| p.item(i))))
                .collect(),
        ),
        scalar => Body::Leaf(scalar.clone()),
    };
    Node::new(origin, body)
}

fn fresh(v: &Value, path: &Link, cx: &Cx) -> Node {
    let origin = cx.origin(path, None, v);
    match v {
        Value::Object(m) => fresh_map_with(m, path, cx, origin),
        Value::Array(a) => {
            let items = a
                .iter()
                .enumerate()
                .map(|(i, x)| fresh(x, &Link::Index(path, i), cx))
                .collect();
            Node::new(origin, Body::Seq(items))
        }
        scalar => Node::new(origin, Body::Leaf(scalar.clone())),
    }
}

fn fresh_map(m: &Map<String, Value>, path: &Link, cx: &Cx) -> Node {
    let origin = cx.origin(path, None, &Value::Null);
    fresh_map_with(m, path, cx, origin)
}

fn fresh_map_with(m: &Map<String, Value>, path: &Link, cx: &Cx, origin: Origin) -> Node {
    let fields = m
        .iter()
        .map(|(k, x)| (Key::new(k), fresh(x, &Link::Key(path, k), cx)))
        .collect();
    Node::new(origin, Body::Map(fields))
}

/// The fingerprint of an object compared only in part.
const UNKNOWN: u64 = super::model::UNKNOWN_FINGERPRINT;

/// Compares the members of map `m` that `fields` names with their records (everything
/// under the end of a path).
fn update_fields(node: &mut Node, m: &Map<String, Value>, fields: &Fields, path: &Link, cx: &Cx) {
    let Body::Map(have) = &mut node.body else {
        return update(
            node,
            &Value::Object(m.clone()),
            path,
            cx,
            &mut Fingerprint::off(),
        );
    };
    for (key, sub) in &fields.members {
        let found = have.binary_search_by(|(k, _)| (**k).cmp(key.as_str()));
        let path = Link::Key(path, key);
        match (m.get(key), found) {
            (Some(x), Ok(i)) => update_value_fields(&mut have[i].1, x, sub, &path, cx),
            (Some(x), Err(i)) => have.insert(i, (Key::new(key), fresh(x, &path, cx))),
            (None, Ok(i)) => {
                have.remove(i);
            }
            (None, Err(_)) => {}
        }
    }
}

/// Compares the value at `steps` under map `m` with its record (when both have it).
fn update_at(node: &mut Node, m: &Map<String, Value>, steps: &[Seg], path: &Link, cx: &Cx) {
    let Some((Seg::Key(k), rest)) = steps.split_first() else {
        return;
    };
    let (Some(v), Body::Map(have)) = (m.get(k), &mut node.body) else {
        return;
    };
    let Ok(i) = have.binary_search_by(|(key, _)| (**key).cmp(k.as_str())) else {
        return;
    };
    let path = Link::Key(path, k);
    update_value_at(&mut have[i].1, v, rest, &path, cx);
}

/// [`update_at`] for any value.
fn update_value_at(node: &mut Node, v: &Value, steps: &[Seg], path: &Link, cx: &Cx) {
    match (steps.first(), v, &mut node.body) {
        (None, _, _) => update(node, v, path, cx, &mut Fingerprint::off()),
        (Some(Seg::Key(_)), Value::Object(m), _) => update_at(node, m, steps, path, cx),
        (Some(Seg::Index(i)), Value::Array(a), Body::Seq(items)) => {
            if let (Some(x), Some(n)) = (a.get(*i), items.get_mut(*i)) {
                update_value_at(n, x, &steps[1..], &Link::Index(path, *i), cx);
            }
        }
        _ => {}
    }
}

/// [`update_fields`] for any value: lists are gone through item by item.
fn update_value_fields(node: &mut Node, v: &Value, fields: &Fields, path: &Link, cx: &Cx) {
    if fields.whole || (fields.map_only && !v.is_object()) {
        return update(node, v, path, cx, &mut Fingerprint::off());
    }
    match (&mut node.body, v) {
        (Body::Map(_), Value::Object(m)) => update_fields(node, m, fields, path, cx),
        (Body::Seq(items), Value::Array(a)) if items.len() == a.len() => {
            for (i, (n, x)) in items.iter_mut().zip(a).enumerate() {
                update_value_fields(n, x, fields, &Link::Index(path, i), cx);
            }
        }
        _ => update(node, v, path, cx, &mut Fingerprint::off()),
    }
}

/// Compares map `m` with its record, both sorted by key: members in both are compared,
/// members gone are dropped, new members recorded.
/// Fingerprints `m` on the way (as [`fingerprint`] does).
fn update_map(node: &mut Node, m: &Map<String, Value>, path: &Link, cx: &Cx, fp: &mut Fingerprint) {
    let Body::Map(fields) = &mut node.body else {
        let v = Value::Object(m.clone());
        fp.value(&v);
        replace(node, &v, path, cx);
        return;
    };
    fp.word(9);
    fp.word(m.len() as u64);
    // The common case: the same keys; compared in one pass until they differ.
    let mut same = 0;
    for ((k, n), (key, x)) in fields.iter_mut().zip(m) {
        if **k != **key {
            break;
        }
        fp.text(key);
        update(n, x, &Link::Key(path, key), cx, fp);
        same += 1;
    }
    if same == fields.len() && same == m.len() {
        return;
    }
    let mut old = fields.split_off(same).into_iter().peekable();
    for (key, x) in m.iter().skip(same) {
        fp.text(key);
        while old.next_if(|(k, _)| **k < *key.as_str()).is_some() {}
        let path = Link::Key(path, key);
        match old.next_if(|(k, _)| **k == *key.as_str()) {
            Some((k, mut n)) => {
                update(&mut n, x, &path, cx, fp);
                fields.push((k, n));
            }
            None => {
                fp.value(x);
                fields.push((Key::new(key), fresh(x, &path, cx)));
            }
        }
    }
}

/// Compares value `v` with its record, fingerprinting it on the way.
fn update(node: &mut Node, v: &Value, path: &Link, cx: &Cx, fp: &mut Fingerprint) {
    match (&mut node.body, v) {
        (Body::Map(_), Value::Object(m)) => return update_map(node, m, path, cx, fp),
        (Body::Seq(items), Value::Array(a)) => return update_seq(items, a, path, cx, fp),
        _ => fp.value(v),
    }
    match (&mut node.body, v) {
        (Body::Leaf(old), new) if !new.is_object() && !new.is_array() => {
            if old != new || cx.rewrites(path, new) {
                let step = cx.writer(old, new);
                let origin = cx.origin_by(step, path, Some(&node.origin), new);
                let prior = Prior {
                    value: std::mem::replace(old, new.clone()),
                    origin: std::mem::replace(&mut node.origin, origin),
                };
                node.replaced(prior, &[]);
            }
        }
        _ => replace(node, v, path, cx),
    }
}

/// A value of another shape took the place of `node`'s.
fn replace(node: &mut Node, v: &Value, path: &Link, cx: &Cx) {
    let mut new = fresh(v, path, cx);
    let old = std::mem::replace(node, Node::new(new.origin.clone(), Body::Leaf(Value::Null)));
    let prior = Prior {
        value: value_of(&old),
        origin: old.origin.clone(),
    };
    new.replaced(prior, old.was());
    *node = new;
}

/// The value a record describes (for the values a list or map replaced).
fn value_of(n: &Node) -> Value {
    match &n.body {
        Body::Leaf(v) => v.clone(),
        Body::Map(m) => Value::Object(
            m.iter()
                .map(|(k, n)| (k.to_string(), value_of(n)))
                .collect(),
        ),
        Body::Seq(s) => Value::Array(s.iter().map(value_of).collect()),
    }
}

/// The identity of a recorded list item (see [`locate::identity`]).
fn node_identity(n: &Node) -> Option<(&'static str, &Value)> {
    match &n.body {
        Body::Leaf(v) => locate::identity(v),
        Body::Map(_) => locate::ITEM_KEYS
            .iter()
            .find_map(|k| match n.field(k).map(|n| &n.body) {
                Some(Body::Leaf(v)) => Some((*k, v)),
                _ => None,
            }),
        Body::Seq(_) => None,
    }
}

/// Matches new list items to recorded ones (same merge key or equal scalar, else the same
/// position), so items a patch inserted do not shift the origins of the others.
fn update_seq(items: &mut Vec<Node>, a: &[Value], path: &Link, cx: &Cx, fp: &mut Fingerprint) {
    fp.word(8);
    fp.word(a.len() as u64);
    let same_ids = items.len() == a.len()
        && items
            .iter()
            .zip(a)
            .all(|(n, v)| node_identity(n) == locate::identity(v));
    if same_ids {
        for (i, (n, v)) in items.iter_mut().zip(a).enumerate() {
            update(n, v, &Link::Index(path, i), cx, fp);
        }
        return;
    }
    let mut old: Vec<Option<Node>> = std::mem::take(items).into_iter().map(Some).collect();
    let old_len = old.len();
    for (i, v) in a.iter().enumerate() {
        let path = &Link::Index(path, i);
        let id = locate::identity(v);
        let found = match id {
            Some(id) => old
                .iter()
                .position(|n| n.as_ref().is_some_and(|n| node_identity(n) == Some(id))),
            None => None,
        }
        .or_else(|| {
            old.get(i)
                .and_then(Option::as_ref)
                .filter(|n| {
                    id.is_none() || node_identity(n).is_none() || rewritten_in_place(n, a, old_len)
                })
                .map(|_| i)
        });
        let node = match found.and_then(|j| old.get_mut(j).and_then(Option::take)) {
            Some(mut n) => {
                update(&mut n, v, path, cx, fp);
                n
            }
            None => {
                fp.value(v);
                fresh(v, path, cx)
            }
        };
        items.push(node);
    }
}

/// Whether a recorded scalar item was rewritten where it stands (a var substituted into an
/// `args` entry): the list kept its length and the old value appears nowhere in it now.
fn rewritten_in_place(n: &Node, a: &[Value], old_len: usize) -> bool {
    a.len() == old_len
        && matches!(n.body, Body::Leaf(_))
        && !a.iter().any(|v| locate::identity(v) == node_identity(n))
}

/// The name part of an image reference (without tag or digest).
fn image_name(s: &str) -> &str {
    let s = s.split_once('@').map_or(s, |(n, _)| n);
    match s.rsplit_once(':') {
        Some((n, tag)) if !tag.contains('/') => n,
        _ => s,
    }
}

/// A fingerprint of an object (64-bit, word at a time: a value changed in one place always
/// changes it), and whether an `image` field names image `image`.
fn fingerprint(obj: &Map<String, Value>, image: &[&str]) -> (u64, bool) {
    let mut fp = Fingerprint::new(image);
    fp.map(obj);
    (fp.hash, fp.names_image)
}

struct Fingerprint<'a> {
    hash: u64,
    image: &'a [&'a str],
    names_image: bool,
    /// Off for comparisons of part of an object, whose fingerprint is not kept.
    on: bool,
}

impl<'a> Fingerprint<'a> {
    fn new(image: &'a [&'a str]) -> Fingerprint<'a> {
        Fingerprint {
            hash: 0,
            image,
            names_image: false,
            on: true,
        }
    }

    /// A fingerprint that computes nothing.
    fn off() -> Fingerprint<'static> {
        Fingerprint {
            on: false,
            ..Fingerprint::new(&[])
        }
    }

    fn word(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn text(&mut self, s: &str) {
        if !self.on {
            return;
        }
        let mut chunks = s.as_bytes().chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.word(u64::from_le_bytes(b));
        }
        let mut b = [0u8; 8];
        let rest = chunks.remainder();
        b[..rest.len()].copy_from_slice(rest);
        self.word(u64::from_le_bytes(b));
        self.word(s.len() as u64);
    }

    fn map(&mut self, m: &Map<String, Value>) {
        if !self.on {
            return;
        }
        self.word(9);
        self.word(m.len() as u64);
        for (k, v) in m {
            self.text(k);
            if let ("image", Value::String(s), false) = (k.as_str(), v, self.image.is_empty()) {
                self.names_image |= self.image.contains(&image_name(s));
            }
            self.value(v);
        }
    }

    fn value(&mut self, v: &Value) {
        if !self.on {
            return;
        }
        match v {
            Value::Null => self.word(1),
            Value::Bool(b) => self.word(2 + u64::from(*b)),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    self.word(4);
                    self.word(u);
                } else if let Some(i) = n.as_i64() {
                    self.word(5);
                    self.word(i as u64);
                } else {
                    self.word(6);
                    self.word(n.as_f64().map_or(0, f64::to_bits));
                }
            }
            Value::String(s) => {
                self.word(7);
                self.text(s);
            }
            Value::Array(a) => {
                self.word(8);
                self.word(a.len() as u64);
                for x in a {
                    self.value(x);
                }
            }
            Value::Object(m) => self.map(m),
        }
    }
}
