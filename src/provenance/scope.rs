//! What a builtin step may change, worked out before it runs, so that the recorder
//! compares only that: the objects a patch targets or a patch or `replicas:` entry names,
//! and the fields a namespace, prefix, suffix, label or annotation step writes (its field
//! specs). Steps not listed here may change anything.

use serde_json::Value;

use crate::check::lines::Step as Seg;
use crate::kustomization::{Image, Selector};
use crate::resource::{get_str, Gvk, ResMap};
use crate::schema::FieldSpec;
use crate::transform::builtin::Builtin;
use crate::transform::patch::{self, PatchBody, SmPatch};
use crate::transform::selector::{is_simple_pattern, simple_prefix};

/// What a step may change.
#[derive(Debug, Default)]
pub struct Scope {
    /// For each object, whether the step may change it (`None`: any).
    pub objects: Option<Vec<bool>>,
    /// The fields it may change in each object: an index into the list of field trees
    /// (one per kind of object), per object (`None`: any).
    pub fields: Option<(Vec<Fields>, Vec<usize>)>,
    /// For each object, the only scalars the step may change (`None`: not known).
    pub leaves: Option<Vec<Vec<Vec<Seg>>>>,
}

/// A tree of field paths: the fields under a path's end may all change; elsewhere only
/// the members named. A path goes through every item of a list on its way.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    /// Everything under here may change.
    pub whole: bool,
    /// Members that lead to fields that may change.
    pub members: Vec<(String, Fields)>,
    /// The members apply only to a map here: a value of another shape may change whole.
    pub map_only: bool,
}

impl Fields {
    fn add(&mut self, path: &str) {
        let mut cur = self;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            let seg = seg.trim_end_matches("[]");
            if seg.contains(['\\', '[', '=']) {
                // An escaped or selecting segment: everything from here on.
                break;
            }
            let i = match cur.members.iter().position(|(k, _)| k == seg) {
                Some(i) => i,
                None => {
                    cur.members.push((seg.to_string(), Fields::default()));
                    cur.members.len() - 1
                }
            };
            cur = &mut cur.members[i].1;
        }
        cur.whole = true;
    }

    /// Narrows each path's end to members `keys` of the map there (a value of another
    /// shape is still compared whole).
    fn only(&mut self, keys: &[&str]) {
        for (_, sub) in &mut self.members {
            sub.only(keys);
        }
        if !self.whole {
            return;
        }
        self.whole = false;
        self.map_only = true;
        for k in keys {
            match self.members.iter_mut().find(|(m, _)| m == k) {
                Some((_, sub)) => sub.whole = true,
                None => self.members.push((
                    (*k).to_string(),
                    Fields {
                        whole: true,
                        ..Fields::default()
                    },
                )),
            }
        }
    }

    /// The tree before `Fields::only` narrowed it (to check the narrowing in debug builds).
    #[cfg(debug_assertions)]
    pub fn widened(&self) -> Fields {
        Fields {
            whole: self.whole || self.map_only,
            members: self
                .members
                .iter()
                .map(|(k, sub)| (k.clone(), sub.widened()))
                .collect(),
            map_only: false,
        }
    }

    /// For each object of `m`, the paths of the `specs` that select it (by its kind now
    /// or as first read), plus `extra`: one tree per kind, and each object's tree.
    fn by_kind(m: &ResMap, specs: &[FieldSpec], extra: &[&str]) -> (Vec<Fields>, Vec<usize>) {
        let mut trees: Vec<Fields> = Vec::new();
        // Objects are keyed by the text of their apiVersion and kind (nothing allocated);
        // one whose kind changed since it was read is keyed by both.
        let mut seen: Vec<((&str, &str), Option<&Gvk>, usize)> = Vec::new();
        let mut which = Vec::with_capacity(m.len());
        for r in m.iter() {
            let key = (
                get_str(&r.obj, &["apiVersion"]).unwrap_or(""),
                get_str(&r.obj, &["kind"]).unwrap_or(""),
            );
            let first = r.prev_ids.first().map(|id| &id.gvk);
            let hit = seen
                .iter()
                .find(|(k, f, _)| *k == key && *f == first)
                .map(|e| e.2);
            let i = match hit {
                Some(i) => i,
                None => {
                    let now = Gvk::from_api_version(key.0, key.1);
                    let mut f = Fields::default();
                    let selected = specs
                        .iter()
                        .filter(|s| s.selects(&now) || first.is_some_and(|g| s.selects(g)));
                    for s in selected {
                        f.add(&s.path);
                    }
                    for p in extra {
                        f.add(p);
                    }
                    trees.push(f);
                    seen.push((key, first, trees.len() - 1));
                    trees.len() - 1
                }
            };
            which.push(i);
        }
        (trees, which)
    }
}

/// What step `b` may change in `m`.
pub fn scope(m: &ResMap, b: &Builtin<'_>) -> Scope {
    let fields = match b {
        // Objects' own namespaces and role binding subjects are set beside the field specs.
        Builtin::Namespace { field_specs, .. } => Some(Fields::by_kind(
            m,
            field_specs,
            &["metadata/namespace", "subjects"],
        )),
        Builtin::PrefixSuffix { field_specs, .. } => Some(Fields::by_kind(m, field_specs, &[])),
        // Label and annotation steps write only their own keys in the maps they reach.
        Builtin::Pairs { field_specs, pairs } => {
            let (mut trees, which) = Fields::by_kind(m, field_specs, &[]);
            let keys: Vec<&str> = pairs.keys().map(String::as_str).collect();
            for t in &mut trees {
                t.only(&keys);
            }
            Some((trees, which))
        }
        _ => None,
    };
    let leaves = match b {
        Builtin::ImageTag {
            images,
            field_specs,
        } => image_fields(m, images, field_specs),
        _ => None,
    };
    Scope {
        objects: may_change(m, b),
        fields,
        leaves,
    }
}

/// For each object, the `image` fields an `images:` list may rewrite: those naming one of
/// its images (by the prefix Kustomize's match starts with). `None` when the list or its
/// field specs are not that simple (a pattern name, a field not named `image`).
fn image_fields(m: &ResMap, images: &[Image], specs: &[FieldSpec]) -> Option<Vec<Vec<Vec<Seg>>>> {
    let names: Vec<&str> = images
        .iter()
        .map(|i| i.name.as_deref().unwrap_or(""))
        .collect();
    let simple = names.iter().all(|n| is_simple_pattern(n))
        && specs
            .iter()
            .all(|s| s.path.ends_with("/image") || s.path == "image");
    if !simple {
        return None;
    }
    let named = |v: &str| names.iter().any(|n| simple_prefix(n, v).is_some());
    Some(
        m.iter()
            .map(|r| {
                let mut out = Vec::new();
                let mut path = Vec::new();
                for (k, v) in &r.obj {
                    path.push(Part::Key(k));
                    find_images(k, v, &named, &mut path, &mut out);
                    path.pop();
                }
                out
            })
            .collect(),
    )
}

/// A step of the path being walked, borrowed from the object (owned only when found).
#[derive(Clone, Copy)]
enum Part<'a> {
    Key(&'a str),
    Index(usize),
}

/// Collects the paths of `image` fields under `v` (at `path`, member `key` of its map)
/// whose value `named` accepts.
fn find_images<'a>(
    key: &str,
    v: &'a Value,
    named: &dyn Fn(&str) -> bool,
    path: &mut Vec<Part<'a>>,
    out: &mut Vec<Vec<Seg>>,
) {
    match v {
        Value::String(s) if key == "image" && named(s) => out.push(
            path.iter()
                .map(|p| match p {
                    Part::Key(k) => Seg::Key((*k).to_string()),
                    Part::Index(i) => Seg::Index(*i),
                })
                .collect(),
        ),
        Value::Object(m) => {
            for (k, x) in m {
                path.push(Part::Key(k));
                find_images(k, x, named, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Part::Index(i));
                find_images("", x, named, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// For each object of `m`, whether step `b` may change it; `None` when it may change any.
fn may_change(m: &ResMap, b: &Builtin<'_>) -> Option<Vec<bool>> {
    match b {
        Builtin::StrategicMergeById(docs) => Some(named(m, docs)),
        Builtin::Patch(p) => match (&p.body, &p.target) {
            (_, Some(t)) => selected(m, t),
            (PatchBody::Strategic(docs), None) => Some(named(m, docs)),
            (PatchBody::Json(_), None) => None,
        },
        Builtin::Json6902 { target, .. } => selected(m, target),
        Builtin::ReplicaCount { replica, .. } => {
            Some(m.iter().map(|r| r.has_had_name(&replica.name)).collect())
        }
        _ => None,
    }
}

/// Objects that have had the name of one of `docs` (patches applied by their own id
/// find their object among those).
fn named(m: &ResMap, docs: &[SmPatch]) -> Vec<bool> {
    let names: Vec<&str> = docs
        .iter()
        .map(|d| {
            d.obj
                .get("metadata")
                .and_then(|md| md.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
        })
        .collect();
    m.iter()
        .map(|r| names.iter().any(|n| r.has_had_name(n)))
        .collect()
}

/// The objects `target` selects (as the patch selects them).
fn selected(m: &ResMap, target: &Selector) -> Option<Vec<bool>> {
    let idx = patch::select(m, target).ok()?;
    let mut mask = vec![false; m.len()];
    for i in idx {
        if let Some(x) = mask.get_mut(i) {
            *x = true;
        }
    }
    Some(mask)
}
