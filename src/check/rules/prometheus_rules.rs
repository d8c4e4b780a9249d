//! PrometheusRule rules: every expression parses as PromQL (`promql-syntax`, with the
//! `promql-parser` crate), every alerting rule waits (`alert-for`) and is routed by a
//! severity label (`alert-severity`).

use serde_json::Value;

use super::{finding, get, Ctx};
use crate::check::schema::{PathPart::Index, PathPart::Key};
use crate::check::Finding;

/// Why `expr` is not valid PromQL, if it is not.
pub fn promql_error(expr: &str) -> Option<String> {
    promql_parser::parser::parse(expr).err()
}

pub(super) fn check(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for pr in cx.of_kind("PrometheusRule") {
        let Some(groups) = get(&pr.value, &["spec", "groups"]).and_then(Value::as_array) else {
            continue;
        };
        for (g, group) in groups.iter().enumerate() {
            let Some(rules) = group.get("rules").and_then(Value::as_array) else {
                continue;
            };
            for (r, rule) in rules.iter().enumerate() {
                let at = |k: &'static str| {
                    [
                        Key("spec"),
                        Key("groups"),
                        Index(g),
                        Key("rules"),
                        Index(r),
                        Key(k),
                    ]
                };
                let name = rule
                    .get("alert")
                    .or_else(|| rule.get("record"))
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let expr = match rule.get("expr") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                };
                if !expr.is_empty() {
                    if let Some(e) = promql_error(&expr) {
                        let e = e.lines().next().unwrap_or("").to_string();
                        out.push(finding(
                            "promql-syntax",
                            pr,
                            &at("expr"),
                            format!("the expression of {name} is not valid PromQL: {e}"),
                            "fix the expression (try it in Prometheus' expression browser or `promtool check rules`)".into(),
                        ));
                    }
                }
                if rule.get("alert").is_none() {
                    continue; // a recording rule: no `for`, no severity
                }
                if rule.get("for").is_none_or(Value::is_null) {
                    out.push(finding(
                        "alert-for",
                        pr,
                        &at("for"),
                        format!("alert {name} has no `for:`: it fires on the first evaluation, so a single bad scrape pages someone"),
                        format!("add for: 5m (or the time {name} must hold before it fires)"),
                    ));
                }
                let severity = rule
                    .get("labels")
                    .and_then(|l| l.get("severity"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if severity.is_empty() {
                    let mut p = at("labels").to_vec();
                    p.push(Key("severity"));
                    out.push(finding(
                        "alert-severity",
                        pr,
                        &p,
                        format!("alert {name} has no severity label: Alertmanager cannot route it"),
                        "add labels: {severity: warning} (or critical, info)".into(),
                    ));
                }
            }
        }
    }
}
