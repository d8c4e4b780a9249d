//! Rendering findings as text, JSON or SARIF 2.1.0.

use std::path::Path;

use serde_json::{json, Value};

use super::{Finding, Severity};

/// The schema rule ids with a one-line description (for SARIF and docs).
pub const SCHEMA_RULES: &[(&str, &str)] = &[
    (
        "schema-unknown-field",
        "a field that the Kubernetes API does not know",
    ),
    (
        "schema-type",
        "a value of the wrong type (e.g. a quoted number)",
    ),
    ("schema-required", "a required field is missing"),
    ("schema-enum", "a value outside the field's allowed set"),
    ("schema-quantity", "a malformed resource quantity"),
    (
        "schema-name",
        "a name that is not a valid DNS label/subdomain or port name",
    ),
    (
        "schema-label",
        "an invalid label or annotation key, or label value",
    ),
    (
        "schema-unknown-kind",
        "an apiVersion/kind that a built-in API group does not serve",
    ),
    (
        "schema-not-checked",
        "a kind outside the built-in API (custom resource): not checked",
    ),
];

fn all_rules() -> impl Iterator<Item = (&'static str, &'static str)> {
    SCHEMA_RULES
        .iter()
        .chain(super::policy::RULES.iter())
        .copied()
}

/// `p` relative to the working directory when inside it, with `a/../` folded away
/// lexically, `/`-separated (as SARIF URIs want).
fn display_path(p: &Path) -> String {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            Component::CurDir => {}
            _ => parts.push(c),
        }
    }
    let norm: std::path::PathBuf = parts.iter().collect();
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|c| norm.strip_prefix(c).ok())
        .unwrap_or(&norm);
    rel.to_string_lossy().replace('\\', "/")
}

/// Plain text, one block per finding, then a summary line.
pub fn text(findings: &[Finding], checked: &[String]) -> String {
    let mut out = String::new();
    for f in findings {
        let env = f
            .env
            .as_deref()
            .map(|e| format!(" [{e}]"))
            .unwrap_or_default();
        let loc = match (&f.source.file, f.source.line) {
            (Some(file), Some(line)) => format!("  --> {}:{line}\n", display_path(file)),
            (Some(file), None) => format!("  --> {}\n", display_path(file)),
            _ => String::new(),
        };
        let at = if f.path.is_empty() {
            String::new()
        } else {
            format!(" {}", f.path)
        };
        let what = format!("{}{at}", f.resource);
        let what = what.trim_start();
        let sep = if what.is_empty() { "" } else { " " };
        out.push_str(&format!(
            "{}[{}]{env}{sep}{what}: {}\n{loc}  fix: {}\n",
            f.severity.as_str(),
            f.rule,
            f.message,
            f.fix
        ));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let notes = findings.len() - errors;
    out.push_str(&format!(
        "{}: {errors} error{}, {notes} note{} ({})\n",
        if errors == 0 { "ok" } else { "failed" },
        if errors == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" },
        checked.join(", ")
    ));
    out
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "env": f.env,
        "resource": {
            "apiVersion": f.resource.api_version,
            "kind": f.resource.kind,
            "namespace": f.resource.namespace,
            "name": f.resource.name,
            "display": f.resource.to_string(),
        },
        "path": f.path,
        "message": f.message,
        "fix": f.fix,
        "file": f.source.file.as_deref().map(display_path),
        "line": f.source.line,
    })
}

/// A JSON report: `{"version": 1, "checked": [...], "findings": [...], "summary": {...}}`.
pub fn json_report(findings: &[Finding], checked: &[String]) -> Value {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    json!({
        "version": 1,
        "checked": checked,
        "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
        "summary": {"errors": errors, "notes": findings.len() - errors},
    })
}

/// A SARIF 2.1.0 log with one run, for code-scanning upload.
pub fn sarif(findings: &[Finding], fallback_file: Option<&Path>) -> Value {
    let rules: Vec<(&str, &str)> = all_rules().collect();
    let rule_objs: Vec<Value> = rules
        .iter()
        .map(|(id, desc)| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": desc},
                "defaultConfiguration": {"level": if *id == "schema-not-checked" { "note" } else { "error" }},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let idx = rules.iter().position(|(id, _)| *id == f.rule);
            let file = f.source.file.as_deref().or(fallback_file);
            let mut loc = json!({});
            if !f.resource.is_empty() {
                let name = if f.path.is_empty() {
                    f.resource.to_string()
                } else {
                    format!("{}:{}", f.resource, f.path)
                };
                loc["logicalLocations"] = json!([{"fullyQualifiedName": name, "kind": "object"}]);
            }
            if let Some(file) = file {
                let mut phys = json!({"artifactLocation": {"uri": display_path(file)}});
                if let Some(line) = f.source.line {
                    phys["region"] = json!({"startLine": line.max(1)});
                }
                loc["physicalLocation"] = phys;
            }
            let env = f.env.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default();
            let at = if f.path.is_empty() {
                String::new()
            } else {
                format!(" {}", f.path)
            };
            let mut r = json!({
                "ruleId": f.rule,
                "level": match f.severity { Severity::Error => "error", Severity::Note => "note" },
                "message": {"text": format!("{}{at}{env}: {} Fix: {}", f.resource, f.message, f.fix).trim_start().to_string()},
                "locations": [loc],
                "properties": {"env": f.env, "path": f.path, "fix": f.fix, "resource": f.resource.to_string()},
            });
            if let Some(i) = idx {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kagentctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_objs,
            }},
            "results": results,
        }],
    })
}
