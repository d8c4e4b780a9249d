//! `diff --explain`: for each changed field of a diff, the source location responsible on
//! each side, from builds with provenance.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{origin_json, path, Node, Provenance};
use crate::diff::{Entry, Report, Status};
use crate::resource::{ResMap, Resource};

/// One side of a diff, built with provenance.
#[derive(Debug, Default)]
pub struct Side {
    /// The objects, with their records.
    pub resources: ResMap,
    /// The steps of the build.
    pub prov: Provenance,
    /// The directory file names are shown relative to (the tree's root).
    pub root: PathBuf,
}

impl Side {
    /// Builds `dir` with provenance; file names relative to `root`.
    pub fn build(
        dir: &Path,
        root: &Path,
        opts: &crate::build::BuildOptions,
    ) -> crate::error::Result<Side> {
        let opts = crate::build::BuildOptions {
            provenance: true,
            ..opts.clone()
        };
        let out = crate::build::build_with_warnings(dir, &opts)?;
        Ok(Side {
            resources: out.resources,
            prov: out.provenance.unwrap_or_default(),
            root: crate::load::clean(root),
        })
    }

    fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.kind() == kind && r.namespace() == namespace && r.name() == name)
    }

    /// The record of `field` of an object, or of its nearest recorded parent.
    fn node<'a>(&self, r: &'a Resource, field: &str) -> Option<&'a Node> {
        let parts = path::parse(field).ok()?;
        let root = r.prov.as_deref()?;
        (0..=parts.len()).rev().find_map(|n| {
            let steps = path::resolve(&r.obj, &parts[..n]).ok()?;
            root.get(&steps)
        })
    }

    fn describe(&self, r: Option<&Resource>, field: &str) -> Option<(String, Value)> {
        let n = self.node(r?, field)?;
        Some((
            self.prov.describe(&n.origin, &self.root, false),
            origin_json(&self.prov, &n.origin, &self.root),
        ))
    }
}

/// The explanation of one changed field.
#[derive(Debug, Clone)]
pub struct FieldWhy {
    /// `StatefulSet kagent/kagent`.
    pub object: String,
    /// The field, as the diff names it.
    pub path: String,
    /// The diff's line for it (`spec.replicas: 5 -> 6`).
    pub line: String,
    /// Who set the old value (text, JSON).
    pub old: Option<(String, Value)>,
    /// Who set the new value.
    pub new: Option<(String, Value)>,
}

/// The explanations of every changed field of `report` (changed objects only: an added or
/// removed object comes from one side as a whole).
pub fn explain(report: &Report, old: Option<&Side>, new: Option<&Side>) -> Vec<FieldWhy> {
    let mut out = Vec::new();
    for e in report
        .entries
        .iter()
        .filter(|e| e.status == Status::Changed)
    {
        out.extend(entry(e, old, new));
    }
    out
}

fn entry(e: &Entry, old: Option<&Side>, new: Option<&Side>) -> Vec<FieldWhy> {
    let k = &e.key;
    let old_ns = e.old_namespace.unwrap_or(k.namespace);
    let old_name = e.old_name.unwrap_or(k.name);
    let old_r = old.and_then(|s| s.find(k.kind, old_ns, old_name));
    let new_r = new.and_then(|s| s.find(k.kind, k.namespace, k.name));
    e.fields
        .iter()
        .map(|f| FieldWhy {
            object: format!("{} {}", k.kind, display_name(k.namespace, k.name)),
            path: f.path.clone(),
            line: f.line(),
            old: old.and_then(|s| s.describe(old_r, &f.path)),
            new: new.and_then(|s| s.describe(new_r, &f.path)),
        })
        .collect()
}

fn display_name(ns: &str, name: &str) -> String {
    if ns.is_empty() {
        name.to_string()
    } else {
        format!("{ns}/{name}")
    }
}

const NONE: &str = "(not there)";

/// The text of one side's origin.
fn side(o: &Option<(String, Value)>) -> &str {
    o.as_ref().map_or(NONE, |(t, _)| t.as_str())
}

/// The explanations as text, appended to a text diff.
pub fn text(label: &str, whys: &[FieldWhy]) -> String {
    let mut s = format!("\nwhy ({label}):\n");
    let mut last = "";
    for w in whys {
        if w.object != last {
            s.push_str(&format!("  {}\n", w.object));
            last = &w.object;
        }
        s.push_str(&format!("    {}\n", w.line));
        s.push_str(&format!("      old: {}\n", side(&w.old)));
        s.push_str(&format!("      new: {}\n", side(&w.new)));
    }
    s
}

/// The explanations as a markdown table, appended to a markdown diff.
pub fn markdown(label: &str, whys: &[FieldWhy]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut s = format!(
        "\n#### Why: {}\n\n| object | field | old set by | new set by |\n|---|---|---|---|\n",
        cell(label)
    );
    for w in whys {
        s.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            cell(&w.object),
            cell(&w.line),
            cell(side(&w.old)),
            cell(side(&w.new))
        ));
    }
    s
}

/// The explanations as JSON values.
pub fn json(label: &str, whys: &[FieldWhy]) -> Value {
    let fields: Vec<Value> = whys
        .iter()
        .map(|w| {
            serde_json::json!({
                "object": w.object,
                "path": w.path,
                "old": w.old.as_ref().map(|(_, j)| j.clone()),
                "new": w.new.as_ref().map(|(_, j)| j.clone()),
            })
        })
        .collect();
    serde_json::json!({"label": label, "fields": fields})
}
