//! The recorder: attributes what each build step changed in each object to that step.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::locate::{self, Files, Parsed};
use super::{Body, Follow, Loc, Node, Origin, Prior, Provenance, StepDesc, StepInfo, StepKind};
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
    /// Objects read from resource files: each at its own document.
    Resources,
    /// A strategic-merge patch (documents matched to objects by kind and name); `offset`
    /// is the kustomization line an inline patch starts after.
    Patch(Arc<Parsed>, usize),
    /// JSON 6902 operations (document 0).
    Json(Arc<Parsed>, usize),
    /// Key/value pairs of a kustomization (`labels[0].pairs`, `commonAnnotations`).
    Pairs(Arc<Parsed>, Vec<Seg>),
    /// A generator entry of a kustomization.
    Generator(Arc<Parsed>, Vec<Seg>),
}

struct Cx<'a> {
    step: u32,
    kind: StepKind,
    label: &'a str,
    lookup: &'a Lookup,
    /// For resource files: the document of the object being recorded.
    doc: Option<(Arc<Parsed>, usize)>,
    /// For patches: the patch document matching the object.
    patch_doc: Option<usize>,
    obj: &'a Map<String, Value>,
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
        let lookup = self.lookup(&desc);
        // Resource files, read once before the objects are compared (maybe in parallel).
        let mut docs: Vec<Option<(Arc<Parsed>, usize)>> = Vec::new();
        if matches!(lookup, Lookup::Resources) {
            for r in rs.iter() {
                let p = self.files.get(&r.origin.path);
                let doc = p.docs.iter().position(|(_, l)| l.start == r.origin.line);
                docs.push(doc.map(|d| (p, d)));
            }
        }
        let names = if desc.kind == StepKind::NameReference {
            self.names(rs)
        } else {
            HashMap::new()
        };
        let prov = &self.prov;
        let one = |(i, r): (usize, &mut Resource)| {
            let patch_doc = match &lookup {
                Lookup::Patch(p, _) => Some(patch_doc(p, r)),
                _ => None,
            };
            let cx = Cx {
                step,
                kind: desc.kind,
                label: &desc.label,
                lookup: &lookup,
                doc: docs.get(i).cloned().flatten(),
                patch_doc,
                obj: &r.obj,
                prov,
                names: &names,
            };
            let path = Link::Root;
            match &mut r.prov {
                Some(node) => update_map(node, &r.obj, &path, &cx),
                None => {
                    let node = fresh_map(&r.obj, &path, &cx);
                    r.prov = Some(Box::new(node));
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

    fn lookup(&mut self, desc: &StepDesc) -> Lookup {
        let field = split_path(&desc.field);
        match desc.kind {
            StepKind::Resource => Lookup::Resources,
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
                Lookup::Pairs(self.files.get(&desc.kfile), field)
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
            && v.as_str().is_some_and(|s| image_name(s) == self.label)
    }

    fn origin(&self, link: &Link, old: Option<&Origin>, new: &Value) -> Origin {
        let steps = link.steps();
        let path = steps.as_slice();
        let mut follows = None;
        let at = match self.lookup {
            Lookup::None => None,
            Lookup::Resources => self
                .doc
                .as_ref()
                .and_then(|(p, d)| locate::deepest(p, *d, path)),
            Lookup::Patch(p, offset) => {
                let doc = self.patch_doc.unwrap_or(0);
                let ppath = p
                    .docs
                    .get(doc)
                    .map(|(v, _)| locate::patch_path(v, self.obj, path))
                    .unwrap_or_default();
                locate::deepest(p, doc, &ppath).map(|l| shift(l, *offset))
            }
            Lookup::Json(p, offset) => p
                .docs
                .first()
                .and_then(|(ops, _)| locate::json_op_path(ops, path))
                .and_then(|pp| locate::deepest(p, 0, &pp))
                .map(|l| shift(l, *offset)),
            Lookup::Pairs(p, base) => match path.last() {
                Some(Seg::Key(k)) => {
                    let mut s = base.clone();
                    s.push(Seg::Key(k.clone()));
                    p.loc(0, &s)
                }
                _ => None,
            },
            Lookup::Generator(p, entry) => match path {
                [Seg::Key(f), Seg::Key(k)] if f == "data" || f == "binaryData" => {
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
            step: self.step,
            at,
            follows,
        }
    }
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

fn fresh(v: &Value, path: &Link, cx: &Cx) -> Node {
    let origin = cx.origin(path, None, v);
    let body = match v {
        Value::Object(m) => return fresh_map_with(m, path, cx, origin),
        Value::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                items.push(fresh(x, &Link::Index(path, i), cx));
            }
            Body::Seq(items)
        }
        scalar => Body::Leaf(scalar.clone()),
    };
    Node {
        origin,
        was: Vec::new(),
        body,
    }
}

fn fresh_map(m: &Map<String, Value>, path: &Link, cx: &Cx) -> Node {
    let origin = cx.origin(path, None, &Value::Null);
    fresh_map_with(m, path, cx, origin)
}

fn fresh_map_with(m: &Map<String, Value>, path: &Link, cx: &Cx, origin: Origin) -> Node {
    let mut fields = BTreeMap::new();
    for (k, x) in m {
        fields.insert(k.clone(), fresh(x, &Link::Key(path, k), cx));
    }
    Node {
        origin,
        was: Vec::new(),
        body: Body::Map(fields),
    }
}

fn update_map(node: &mut Node, m: &Map<String, Value>, path: &Link, cx: &Cx) {
    let Body::Map(fields) = &mut node.body else {
        replace(node, &Value::Object(m.clone()), path, cx);
        return;
    };
    if fields.len() != m.len() || fields.keys().zip(m.keys()).any(|(a, b)| a != b) {
        fields.retain(|k, _| m.contains_key(k));
    }
    for (k, x) in m {
        let path = Link::Key(path, k);
        match fields.get_mut(k) {
            Some(n) => update(n, x, &path, cx),
            None => {
                fields.insert(k.clone(), fresh(x, &path, cx));
            }
        }
    }
}

fn update(node: &mut Node, v: &Value, path: &Link, cx: &Cx) {
    match (&mut node.body, v) {
        (Body::Leaf(old), new) if !new.is_object() && !new.is_array() => {
            if old != new || cx.rewrites(path, new) {
                let origin = cx.origin(path, Some(&node.origin), new);
                let prior = Prior {
                    value: std::mem::replace(old, new.clone()),
                    origin: std::mem::replace(&mut node.origin, origin),
                };
                node.was.insert(0, prior);
            }
        }
        (Body::Map(_), Value::Object(m)) => update_map(node, m, path, cx),
        (Body::Seq(items), Value::Array(a)) => update_seq(items, a, path, cx),
        _ => replace(node, v, path, cx),
    }
}

/// A value of another shape took the place of `node`'s.
fn replace(node: &mut Node, v: &Value, path: &Link, cx: &Cx) {
    let mut new = fresh(v, path, cx);
    let old = std::mem::replace(
        node,
        Node {
            origin: new.origin.clone(),
            was: Vec::new(),
            body: Body::Leaf(Value::Null),
        },
    );
    new.was.push(Prior {
        value: value_of(&old),
        origin: old.origin,
    });
    new.was.extend(old.was);
    *node = new;
}

/// The value a record describes (for the values a list or map replaced).
fn value_of(n: &Node) -> Value {
    match &n.body {
        Body::Leaf(v) => v.clone(),
        Body::Map(m) => Value::Object(m.iter().map(|(k, n)| (k.clone(), value_of(n))).collect()),
        Body::Seq(s) => Value::Array(s.iter().map(value_of).collect()),
    }
}

/// The identity of a recorded list item (see [`locate::identity`]).
fn node_identity(n: &Node) -> Option<(&'static str, &Value)> {
    match &n.body {
        Body::Leaf(v) => locate::identity(v),
        Body::Map(m) => locate::ITEM_KEYS
            .iter()
            .find_map(|k| match m.get(*k).map(|n| &n.body) {
                Some(Body::Leaf(v)) => Some((*k, v)),
                _ => None,
            }),
        Body::Seq(_) => None,
    }
}

/// Matches new list items to recorded ones (same merge key or equal scalar, else the same
/// position), so items a patch inserted do not shift the origins of the others.
fn update_seq(items: &mut Vec<Node>, a: &[Value], path: &Link, cx: &Cx) {
    let same_ids = items.len() == a.len()
        && items
            .iter()
            .zip(a)
            .all(|(n, v)| node_identity(n) == locate::identity(v));
    if same_ids {
        for (i, (n, v)) in items.iter_mut().zip(a).enumerate() {
            update(n, v, &Link::Index(path, i), cx);
        }
        return;
    }
    let mut old: Vec<Option<Node>> = std::mem::take(items).into_iter().map(Some).collect();
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
                .filter(|n| id.is_none() || node_identity(n).is_none())
                .map(|_| i)
        });
        let node = match found.and_then(|j| old.get_mut(j).and_then(Option::take)) {
            Some(mut n) => {
                update(&mut n, v, path, cx);
                n
            }
            None => fresh(v, path, cx),
        };
        items.push(node);
    }
}

/// The name part of an image reference (without tag or digest).
fn image_name(s: &str) -> &str {
    let s = s.split_once('@').map_or(s, |(n, _)| n);
    match s.rsplit_once(':') {
        Some((n, tag)) if !tag.contains('/') => n,
        _ => s,
    }
}
