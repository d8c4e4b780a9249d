//! Field-level provenance: which file, line and build step wrote each value of a rendered
//! object, and which values it overwrote.
//!
//! The build describes each of its steps to an optional [`Recorder`] (see
//! `BuildOptions::provenance`); when there is none, the hook costs one `None` check per
//! step. The recorder compares each object the step touched with the values it recorded
//! before and attributes every changed scalar, added list item and added map to the step,
//! keeping the values it replaced. The record lives on each resource
//! ([`crate::resource::Resource::prov`]), so it follows the object through renames,
//! merges and sorting.

pub mod blame;
pub mod cli;
mod locate;
pub mod model;
pub mod path;
mod positions;
mod record;
pub mod scope;
pub mod why;

use std::fmt;
use std::path::Path;

use serde_json::Value;

pub use model::*;
pub use record::Recorder;

use crate::check::lines::Step as Seg;

/// A scalar or small value as a reader sees it (`1`, `info`, `{...}`).
pub fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().any(char::is_control) || s.chars().count() > 60 => {
            let json = Value::String(s.chars().take(60).collect()).to_string();
            if s.chars().count() > 60 {
                format!("{}...\"", &json[..json.len() - 1])
            } else {
                json
            }
        }
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Array(_) => "[...]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(_) => "{...}".into(),
        other => other.to_string(),
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A blame comment: who wrote the value, and the value it replaced with its origin
/// (`overlays/prod/kustomization.yaml:28 replicas[kagent] (was 1, base/statefulset.yaml:10)`).
pub fn describe_with_prior(prov: &Provenance, n: &Node, root: &Path) -> String {
    let mut s = prov.describe(&n.origin, root, false);
    if let Some(p) = n.was().first() {
        s.push_str(&format!(
            " (was {}, {})",
            show_value(&p.value),
            prov.describe(&p.origin, root, false)
        ));
    }
    s
}

/// An origin for tools: location, step, configuring line, followed object.
pub fn origin_json(prov: &Provenance, o: &Origin, root: &Path) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(l) = prov.location(o) {
        m.insert("file".into(), rel(&l.file, root).into());
        m.insert("line".into(), l.line.into());
        if l.col > 0 {
            m.insert("column".into(), l.col.into());
        }
    }
    if let Some(s) = prov.step(o) {
        m.insert("step".into(), s.kind.name().into());
        if !s.label.is_empty() {
            m.insert("label".into(), s.label.clone().into());
        }
        if s.component {
            m.insert("component".into(), true.into());
        }
        if let Some(c) = &s.configured {
            m.insert("configuredIn".into(), c.short(root).into());
        }
    }
    if let Some(f) = &o.follows {
        m.insert(
            "follows".into(),
            serde_json::json!({"object": f.what, "origin": origin_json(prov, &f.origin, root)}),
        );
    }
    Value::Object(m)
}

/// The answer to "where did this value come from": the value, its origin and the values
/// it replaced (newest first).
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The object, `Kind namespace/name`.
    pub object: String,
    /// The field, with list items by merge key where they have one.
    pub path: String,
    /// The value now.
    pub value: Value,
    /// Its record.
    pub node: Node,
}

impl Explanation {
    /// Explains `path` (see [`path::parse`]) of resource `r`, built with provenance.
    pub fn of(r: &crate::resource::Resource, field: &str) -> Result<Explanation, String> {
        let parts = path::parse(field)?;
        let steps = path::resolve(&r.obj, &parts)?;
        let node = r
            .prov
            .as_deref()
            .and_then(|n| n.get(&steps))
            .ok_or_else(|| format!("no provenance was recorded for {field}"))?;
        let mut value = None;
        let mut cur: Option<&Value> = None;
        for s in &steps {
            cur = match (s, cur) {
                (Seg::Key(k), None) => r.obj.get(k),
                (Seg::Key(k), Some(v)) => v.get(k.as_str()),
                (Seg::Index(i), Some(v)) => v.get(*i),
                _ => None,
            };
            value = cur;
        }
        Ok(Explanation {
            object: r.id().to_string(),
            path: path::show_steps(&r.obj, &steps),
            value: value.cloned().unwrap_or(Value::Null),
            node: node.clone(),
        })
    }

    /// Text for people: the value, who set it, and each value it replaced.
    pub fn text(&self, prov: &Provenance, root: &Path) -> String {
        let mut s = format!("{} {}: {}\n", self.object, self.path, short(&self.value));
        s.push_str(&format!(
            "  set by {}\n",
            prov.describe(&self.node.origin, root, true)
        ));
        for p in self.node.was() {
            s.push_str(&format!(
                "  replaced {} from {}\n",
                short(&p.value),
                prov.describe(&p.origin, root, true)
            ));
        }
        s
    }

    /// JSON for tools.
    pub fn json(&self, prov: &Provenance, root: &Path) -> Value {
        let was: Vec<Value> = self
            .node
            .was()
            .iter()
            .map(|p| serde_json::json!({"value": p.value, "origin": origin_json(prov, &p.origin, root)}))
            .collect();
        serde_json::json!({
            "object": self.object,
            "path": self.path,
            "value": self.value,
            "origin": origin_json(prov, &self.node.origin, root),
            "was": was,
        })
    }
}

/// A value on one line, shortened.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// The resource a user named as `KIND/NAME` (kind case-insensitive; the name as rendered
/// or as first written, before prefixes and hash suffixes), in `namespace` if given.
pub fn find<'a>(
    m: &'a crate::resource::ResMap,
    target: &str,
    namespace: Option<&str>,
) -> Result<&'a crate::resource::Resource, String> {
    let Some((kind, name)) = target.split_once('/') else {
        return Err(format!(
            "name the object as KIND/NAME (e.g. StatefulSet/kagent), not {target:?}"
        ));
    };
    let pick = |exact: bool| -> Vec<&'a crate::resource::Resource> {
        m.iter()
            .filter(|r| r.kind().eq_ignore_ascii_case(kind))
            .filter(|r| namespace.is_none_or(|ns| r.namespace() == ns))
            .filter(|r| {
                if exact {
                    r.name() == name
                } else {
                    r.orig_id().name == name || r.has_had_name(name)
                }
            })
            .collect()
    };
    let mut hits = pick(true);
    if hits.is_empty() {
        hits = pick(false);
    }
    match hits.as_slice() {
        [r] => Ok(r),
        [] => {
            let same_kind: Vec<String> = m
                .iter()
                .filter(|r| r.kind().eq_ignore_ascii_case(kind))
                .map(|r| format!("{}/{}", r.kind(), r.name()))
                .collect();
            Err(if same_kind.is_empty() {
                format!("no object of kind {kind} in the build")
            } else {
                format!(
                    "no {target} in the build; there are {}",
                    same_kind.join(", ")
                )
            })
        }
        many => Err(format!(
            "{target} names {} objects (in namespaces {}); add --namespace",
            many.len(),
            many.iter()
                .map(|r| r.namespace().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Where the value at `field` (a finding's path, `spec.containers[0].image`) of `r` was
/// set: the origin of the field, or of its nearest recorded parent when it is missing.
pub fn field_location(
    r: &crate::resource::Resource,
    prov: &Provenance,
    field: &str,
) -> Option<Loc> {
    let root = r.prov.as_deref()?;
    let mut steps = crate::check::lines::split_path(field);
    loop {
        if let Some(n) = root.get(&steps) {
            return prov.location(&n.origin);
        }
        steps.pop()?;
    }
}
