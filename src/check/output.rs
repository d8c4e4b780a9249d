//! Rendering findings as text, JSON or SARIF 2.1.0.

use std::path::Path;

use serde_json::{json, Value};

use super::{Finding, Severity};

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

/// Plain text, one block per finding, then a summary line (errors fail the run).
pub fn text(findings: &[Finding], checked: &[String]) -> String {
    text_at(findings, checked, Severity::Error)
}

/// Plain text, one block per finding (suppressed ones last, with their exemption), then
/// a summary line; `failed` when a finding reaches `min`.
pub fn text_at(findings: &[Finding], checked: &[String], min: Severity) -> String {
    let mut out = String::new();
    let (open, suppressed): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.suppressed.is_none());
    for f in open.iter().chain(suppressed.iter()) {
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
        let level = match &f.suppressed {
            Some(_) => "suppressed",
            None => f.severity.as_str(),
        };
        out.push_str(&format!(
            "{level}[{}]{env}{sep}{what}: {}\n{loc}",
            f.rule, f.message
        ));
        match &f.suppressed {
            Some(s) => {
                let origin = match (&s.origin.file, s.origin.line) {
                    (Some(file), Some(line)) => format!(" ({}:{line})", display_path(file)),
                    (Some(file), None) => format!(" ({})", display_path(file)),
                    _ => String::new(),
                };
                out.push_str(&format!(
                    "  exempted by {}: {}{origin}\n",
                    s.kind.as_str(),
                    s.reason
                ));
            }
            None => out.push_str(&format!("  fix: {}\n", f.fix)),
        }
    }
    let count = |s: Severity| open.iter().filter(|f| f.severity == s).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let warnings_text = if warnings == 0 {
        String::new()
    } else {
        format!("{warnings} warning{}, ", plural(warnings))
    };
    let suppressed_text = if suppressed.is_empty() {
        String::new()
    } else {
        format!("; {} suppressed by exemptions", suppressed.len())
    };
    out.push_str(&format!(
        "{}: {errors} error{}, {warnings_text}{notes} note{} ({}){suppressed_text}\n",
        if findings.iter().any(|f| f.fails(min)) {
            "failed"
        } else {
            "ok"
        },
        plural(errors),
        plural(notes),
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
        "suppressed": f.suppressed.as_ref().map(|s| json!({
            "kind": s.kind.as_str(),
            "reason": s.reason,
            "file": s.origin.file.as_deref().map(display_path),
            "line": s.origin.line,
        })),
    })
}

/// Counts per severity and per rule (`{"error": n, "warning": n, "note": n,
/// "suppressed": n}`), suppressed findings counted apart from their severity.
fn counts(findings: &[Finding]) -> (Value, Value) {
    use std::collections::BTreeMap;
    let mut by_rule: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut by_sev: BTreeMap<&str, usize> = ["error", "warning", "note", "suppressed"]
        .into_iter()
        .map(|k| (k, 0))
        .collect();
    for f in findings {
        let k = if f.suppressed.is_some() {
            "suppressed"
        } else {
            f.severity.as_str()
        };
        *by_sev.entry(k).or_default() += 1;
        let r = by_rule.entry(f.rule).or_insert_with(|| {
            ["error", "warning", "note", "suppressed"]
                .into_iter()
                .map(|k| (k, 0))
                .collect()
        });
        *r.entry(k).or_default() += 1;
    }
    (json!(by_sev), json!(by_rule))
}

/// A JSON report (errors fail the run): see [`json_report_at`].
pub fn json_report(findings: &[Finding], checked: &[String]) -> Value {
    json_report_at(findings, checked, Severity::Error)
}

/// A JSON report: `{"version": 1, "checked": [...], "findings": [...], "summary": {...}}`.
///
/// `summary` holds the counts of findings that are not suppressed (`errors`, `warnings`,
/// `notes`), `suppressed`, `bySeverity`, `byRule` (per rule: error / warning / note /
/// suppressed), the threshold `minSeverity` and `failed` (whether a finding reaches it).
pub fn json_report_at(findings: &[Finding], checked: &[String], min: Severity) -> Value {
    let (by_sev, by_rule) = counts(findings);
    json!({
        "version": 1,
        "checked": checked,
        "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
        "summary": {
            "errors": by_sev["error"],
            "warnings": by_sev["warning"],
            "notes": by_sev["note"],
            "suppressed": by_sev["suppressed"],
            "minSeverity": min.as_str(),
            "failed": findings.iter().any(|f| f.fails(min)),
            "bySeverity": by_sev,
            "byRule": by_rule,
        },
    })
}

/// The SARIF default level of a rule: its linter default, else note for
/// `schema-not-checked` and `policy-missing`, warning for `exemption-stale`, else error.
fn default_sarif_level(id: &str) -> (&'static str, bool) {
    match super::levels::default_level(id) {
        Some(super::Level::Off) => ("warning", false),
        Some(l) => (l.as_str(), true),
        None => match id {
            "schema-not-checked" | "policy-missing" => ("note", true),
            "exemption-stale" | "policy-unknown-env" => ("warning", true),
            _ => ("error", true),
        },
    }
}

/// A SARIF 2.1.0 log with one run, for code-scanning upload.
pub fn sarif(findings: &[Finding], fallback_file: Option<&Path>) -> Value {
    let rules: Vec<(&str, &str)> = super::all_rules().collect();
    let rule_objs: Vec<Value> = rules
        .iter()
        .map(|(id, desc)| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": desc},
                "defaultConfiguration": {
                    "level": default_sarif_level(id).0,
                    "enabled": default_sarif_level(id).1,
                },
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
                "level": f.severity.as_str(),
                "message": {"text": format!("{}{at}{env}: {} Fix: {}", f.resource, f.message, f.fix).trim_start().to_string()},
                "locations": [loc],
                "properties": {"env": f.env, "path": f.path, "fix": f.fix, "resource": f.resource.to_string()},
            });
            if let Some(i) = idx {
                r["ruleIndex"] = json!(i);
            }
            if let Some(s) = &f.suppressed {
                let mut sup = json!({
                    "kind": s.kind.sarif_kind(),
                    "status": "accepted",
                    "justification": s.reason,
                });
                if let Some(file) = &s.origin.file {
                    let mut phys = json!({"artifactLocation": {"uri": display_path(file)}});
                    if let Some(line) = s.origin.line {
                        phys["region"] = json!({"startLine": line.max(1)});
                    }
                    sup["location"] = json!({"physicalLocation": phys});
                }
                r["suppressions"] = json!([sup]);
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
