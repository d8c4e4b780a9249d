//! Grafana dashboard rules: a dashboard ConfigMap carries the Grafana sidecar's label
//! (`dashboard-label`: without it the sidecar never loads the dashboard) and holds valid
//! JSON (`dashboard-json`).
//!
//! A ConfigMap is taken for a dashboard when it has the sidecar label, its name contains
//! `dashboard`, or one of its `.json` keys holds an object with `panels`.

use serde_json::Value;

use super::{finding, get, labels_of, name_of, Ctx};
use crate::check::schema::PathPart::Key;
use crate::check::Finding;

/// The label the Grafana sidecar (kube-prometheus-stack's default) loads dashboards by.
pub const SIDECAR_LABEL: (&str, &str) = ("grafana_dashboard", "1");

fn json_keys(cm: &Value) -> Vec<(&str, &str)> {
    get(cm, &["data"])
        .and_then(Value::as_object)
        .map(|d| {
            d.iter()
                .filter(|(k, _)| k.ends_with(".json"))
                .filter_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
                .collect()
        })
        .unwrap_or_default()
}

fn looks_like_dashboard(cm: &Value) -> bool {
    labels_of(cm).contains_key(SIDECAR_LABEL.0)
        || name_of(cm).contains("dashboard")
        || json_keys(cm).iter().any(|(_, text)| {
            serde_json::from_str::<Value>(text).is_ok_and(|v| v.get("panels").is_some())
        })
}

pub(super) fn check(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for cm in cx.of_kind("ConfigMap") {
        if !looks_like_dashboard(&cm.value) {
            continue;
        }
        let (k, v) = SIDECAR_LABEL;
        let have = labels_of(&cm.value).get(k).and_then(Value::as_str);
        if have != Some(v) {
            out.push(finding(
                "dashboard-label",
                cm,
                &[Key("metadata"), Key("labels"), Key(k)],
                match have {
                    Some(h) => format!("dashboard ConfigMap has {k}: {h:?}; the Grafana sidecar loads {k}: {v:?} only"),
                    None => format!("dashboard ConfigMap has no {k} label: the Grafana sidecar never loads it"),
                },
                format!("add the label {k}: \"{v}\" (configMapGenerator options.labels)"),
            ));
        }
        let keys = json_keys(&cm.value);
        if keys.is_empty() {
            out.push(finding(
                "dashboard-json",
                cm,
                &[Key("data")],
                "dashboard ConfigMap has no .json key: there is no dashboard to load".into(),
                "generate it from the dashboard file, e.g. files: [kagent.json=dashboard.json]"
                    .into(),
            ));
        }
        for (key, text) in keys {
            if let Err(e) = serde_json::from_str::<Value>(text) {
                out.push(finding(
                    "dashboard-json",
                    cm,
                    &[Key("data"), Key(key)],
                    format!("{key} is not valid JSON: {e} (line and column inside the dashboard file)"),
                    "fix the dashboard file (export it again from Grafana, or run it through `jq .`)".into(),
                ));
            }
        }
    }
}
