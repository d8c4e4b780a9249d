//! What a builtin step may change, worked out before it runs, so that the recorder
//! compares only that: the objects a patch targets or a patch or `replicas:` entry names,
//! and the fields a namespace, prefix, suffix, label or annotation step writes (its field
//! specs). Steps not listed here may change anything.

use serde_json::Value;

use crate::kustomization::Selector;
use crate::resource::ResMap;
use crate::schema::FieldSpec;
use crate::transform::builtin::Builtin;
use crate::transform::patch::{self, PatchBody, SmPatch};

/// What a step may change.
#[derive(Debug, Default)]
pub struct Scope {
    /// For each object, whether the step may change it (`None`: any).
    pub objects: Option<Vec<bool>>,
    /// The fields it may change (`None`: any).
    pub fields: Option<Fields>,
}

/// A tree of field paths: the fields under a path's end may all change; elsewhere only
/// the members named. A path goes through every item of a list on its way.
#[derive(Debug, Default)]
pub struct Fields {
    /// Everything under here may change.
    pub whole: bool,
    /// Members that lead to fields that may change.
    pub members: Vec<(String, Fields)>,
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

    /// The union of the paths of `specs`, plus `extra`.
    fn of(specs: &[FieldSpec], extra: &[&str]) -> Fields {
        let mut f = Fields::default();
        for s in specs {
            f.add(&s.path);
        }
        for p in extra {
            f.add(p);
        }
        f
    }
}

/// What step `b` may change in `m`.
pub fn scope(m: &ResMap, b: &Builtin<'_>) -> Scope {
    let fields = match b {
        // Objects' own namespaces and role binding subjects are set beside the field specs.
        Builtin::Namespace { field_specs, .. } => {
            Some(Fields::of(field_specs, &["metadata/namespace", "subjects"]))
        }
        Builtin::PrefixSuffix { field_specs, .. } | Builtin::Pairs { field_specs, .. } => {
            Some(Fields::of(field_specs, &[]))
        }
        _ => None,
    };
    Scope {
        objects: may_change(m, b),
        fields,
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
