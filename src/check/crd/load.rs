//! Reading CustomResourceDefinition manifests (`check --crd FILE_OR_DIR`): every served
//! version's `openAPIV3Schema`, keyed by `group/version/kind`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{structure, CrdSet};
use crate::check::lines::{field_lines, DocLines};
use crate::error::{Error, Result};

/// The YAML/JSON files of `path`: the file itself, or those under a directory (sorted).
fn files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(path).sort_by_file_name() {
        let e = e.map_err(|e| {
            let p = e.path().unwrap_or(path).to_path_buf();
            Error::io(p, e.into())
        })?;
        let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("");
        if e.file_type().is_file() && matches!(ext, "yaml" | "yml" | "json") {
            out.push(e.into_path());
        }
    }
    Ok(out)
}

/// Reads the CRDs of every file (or directory) in `paths` into a set. A path that holds
/// no CustomResourceDefinition, or a CRD version without a schema, is an error.
pub fn read(paths: &[PathBuf]) -> Result<CrdSet> {
    let mut set = CrdSet::default();
    for path in paths {
        let mut found = 0;
        for file in files(path)? {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            let docs = crate::yaml::parse_documents(&text, crate::yaml::Limits::default())
                .map_err(|e| Error::yaml(&file, e))?;
            let mut lines: Option<Vec<DocLines>> = None;
            for d in docs {
                if d.value.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                    continue;
                }
                let all = lines.get_or_insert_with(|| field_lines(&text));
                let doc_lines = all.iter().find(|l| l.start == d.line);
                let mut fallback = DocLines::default();
                fallback.start = d.line;
                let doc_lines = doc_lines.unwrap_or(&fallback);
                found += add_crd(&mut set, &d.value, &file, doc_lines)?;
            }
        }
        if found == 0 {
            return Err(Error::Usage(format!(
                "{}: no CustomResourceDefinition (apiextensions.k8s.io/v1) found; --crd takes CRD manifests, a file or a directory of them",
                path.display()
            )));
        }
    }
    Ok(set)
}

fn add_crd(set: &mut CrdSet, crd: &Value, file: &Path, lines: &DocLines) -> Result<usize> {
    let line = lines.start.max(1);
    let at = format!("{}:{line}", file.display());
    let bad = |what: &str| {
        Error::invalid(
            file,
            format!("line {line}: CustomResourceDefinition {what}"),
        )
    };
    let api_version = crd.get("apiVersion").and_then(Value::as_str);
    if api_version != Some("apiextensions.k8s.io/v1") {
        return Err(bad(&format!(
            "has apiVersion {}; only apiextensions.k8s.io/v1 is read (v1beta1 was removed in Kubernetes 1.22)",
            api_version.map_or("(none)".to_string(), |v| format!("{v:?}"))
        )));
    }
    let spec = crd.get("spec").ok_or_else(|| bad("has no spec"))?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("has no spec.group"))?;
    let kind = spec
        .get("names")
        .and_then(|n| n.get("kind"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("has no spec.names.kind"))?;
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            bad(&format!(
                "{kind} has no spec.versions (apiextensions.k8s.io/v1 is required)"
            ))
        })?;
    let located = |(field, what): structure::Problem| {
        Error::invalid(
            file,
            format!(
                "line {}: CustomResourceDefinition {kind}: {field} {what}",
                lines.line_of(&field).max(1)
            ),
        )
    };
    let mut n = 0;
    for (i, v) in versions.iter().enumerate() {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("{kind}: a version has no name")))?;
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let schema = v
            .get("schema")
            .and_then(|s| s.get("openAPIV3Schema"))
            .filter(|s| s.is_object())
            .ok_or_else(|| {
                bad(&format!(
                    "{group}/{name} {kind} has no schema.openAPIV3Schema: its resources cannot be validated"
                ))
            })?;
        structure::check_crd(crd).map_err(located)?;
        let schema_at = format!("spec.versions[{i}].schema.openAPIV3Schema");
        structure::check_schema(schema, &schema_at).map_err(located)?;
        let gv = format!("{group}/{name}");
        if let Some(other) = set.origin(&gv, kind).filter(|o| **o != at) {
            return Err(bad(&format!(
                "{gv} {kind} is defined a second time (first at {other})"
            )));
        }
        set.insert(&gv, kind, schema.clone(), at.clone());
        n += 1;
    }
    Ok(n)
}
