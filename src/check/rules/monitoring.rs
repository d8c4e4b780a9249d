//! Prometheus Operator rules: a ServiceMonitor selects a rendered Service
//! (`servicemonitor-service`) and each endpoint names a port that Service has
//! (`servicemonitor-port`); ServiceMonitors, PodMonitors and PrometheusRules carry the
//! labels the environment's Prometheus selects them by (`prometheus-selector-label`).

use serde_json::Value;

use super::{finding, get, labels_of, name_of, namespace_of, Ctx};
use crate::check::policy::selector_matches;
use crate::check::schema::{suggest, PathPart::Index, PathPart::Key};
use crate::check::{Finding, Object};

/// The namespaces a ServiceMonitor looks in: `namespaceSelector.matchNames`, every
/// namespace with `any: true` (`None`), else its own.
fn namespaces(sm: &Value) -> Option<Vec<String>> {
    let sel = get(sm, &["spec", "namespaceSelector"]);
    if sel.and_then(|s| s.get("any")).and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let names: Vec<String> = sel
        .and_then(|s| s.get("matchNames"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        Some(vec![namespace_of(sm).to_string()])
    } else {
        Some(names)
    }
}

/// The Services a ServiceMonitor selects.
pub fn selected_services<'a>(cx: &Ctx<'a>, sm: &Value) -> Vec<&'a Object> {
    let Some(selector) = get(sm, &["spec", "selector"]) else {
        return Vec::new();
    };
    let ns = namespaces(sm);
    cx.of_kind("Service")
        .filter(|s| {
            ns.as_ref()
                .is_none_or(|ns| ns.iter().any(|n| n == namespace_of(&s.value)))
                && selector_matches(selector, labels_of(&s.value))
        })
        .collect()
}

/// The names of a Service's ports.
pub fn port_names(svc: &Value) -> Vec<String> {
    get(svc, &["spec", "ports"])
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn check(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for sm in cx.of_kind("ServiceMonitor") {
        let services = selected_services(cx, &sm.value);
        if services.is_empty() {
            let sel = get(&sm.value, &["spec", "selector"])
                .map(|s| s.to_string())
                .unwrap_or_else(|| "{}".into());
            out.push(finding(
                "servicemonitor-service",
                sm,
                &[Key("spec"), Key("selector")],
                format!(
                    "selects no rendered Service (selector {sel}, namespaces {}): Prometheus scrapes nothing",
                    namespaces(&sm.value).map_or("any".into(), |n| n.join(", "))
                ),
                "make spec.selector match the labels of the metrics Service (and spec.namespaceSelector its namespace)".into(),
            ));
            continue;
        }
        let Some(endpoints) = get(&sm.value, &["spec", "endpoints"]).and_then(Value::as_array)
        else {
            continue;
        };
        for (i, ep) in endpoints.iter().enumerate() {
            let Some(port) = ep.get("port").and_then(Value::as_str) else {
                continue;
            };
            let mut known: Vec<String> = Vec::new();
            for s in &services {
                known.extend(port_names(&s.value));
            }
            if known.iter().any(|k| k == port) {
                continue;
            }
            known.sort();
            known.dedup();
            let svc_names: Vec<&str> = services.iter().map(|s| name_of(&s.value)).collect();
            let fix = match suggest(port, known.iter()) {
                Some(s) => format!("rename the endpoint's port {port:?} to {s:?}"),
                None if known.is_empty() => {
                    "name the Service's metrics port and use that name here".into()
                }
                None => format!("use one of the Service's port names: {}", known.join(", ")),
            };
            out.push(finding(
                "servicemonitor-port",
                sm,
                &[Key("spec"), Key("endpoints"), Index(i), Key("port")],
                format!(
                    "endpoint port {port:?} is not a port name of Service {} (it has: {}): the target is never scraped",
                    svc_names.join(", "),
                    if known.is_empty() { "no named ports".into() } else { known.join(", ") }
                ),
                fix,
            ));
        }
    }
    let wanted = &cx.policy.prometheus_selector;
    if wanted.is_empty() {
        return;
    }
    for obj in cx.objects.iter().filter(|o| {
        matches!(
            super::kind_of(&o.value),
            "ServiceMonitor" | "PodMonitor" | "PrometheusRule"
        ) && super::group_of(super::str_at(&o.value, &["apiVersion"])) == "monitoring.coreos.com"
    }) {
        let labels = labels_of(&obj.value);
        for (k, v) in wanted {
            let have = labels.get(k).and_then(Value::as_str);
            if have == Some(v.as_str()) {
                continue;
            }
            let message = match have {
                Some(h) => format!(
                    "label {k}: {h:?}, but the environment's Prometheus selects {k}: {v:?}: it ignores this object"
                ),
                None => format!(
                    "no label {k}: the environment's Prometheus selects {k}: {v:?} and ignores this object"
                ),
            };
            out.push(finding(
                "prometheus-selector-label",
                obj,
                &[Key("metadata"), Key("labels"), Key(k)],
                message,
                format!(
                    "add the label {k}: {v:?} in the environment (a patch adding /metadata/labels/{} to group monitoring.coreos.com, as overlays/staging does), or correct prometheusSelector in {} if Prometheus selects otherwise",
                    k.replace('~', "~0").replace('/', "~1"),
                    cx.policy_name()
                ),
            ));
        }
    }
}
