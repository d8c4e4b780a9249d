//! RBAC roles: wildcards and access to Secrets.

use serde_json::Value;

use super::finding;
use crate::check::schema::{path_of, PathPart};
use crate::check::{Finding, Object, ResourceRef};

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Checks the rules of a Role or ClusterRole.
pub(super) fn check(obj: &Object, res: &ResourceRef, out: &mut Vec<Finding>) {
    if !matches!(res.kind.as_str(), "Role" | "ClusterRole")
        || !res.api_version.starts_with("rbac.authorization.k8s.io/")
    {
        return;
    }
    let Some(rules) = obj.value.get("rules").and_then(Value::as_array) else {
        return;
    };
    for (i, r) in rules.iter().enumerate() {
        let at = |field: &str| {
            path_of(&[
                PathPart::Key("rules"),
                PathPart::Index(i),
                PathPart::Key(field),
            ])
        };
        let verbs = strings(r.get("verbs"));
        let resources = strings(r.get("resources"));
        let groups = strings(r.get("apiGroups"));
        for (field, list) in [("verbs", &verbs), ("resources", &resources)] {
            if list.contains(&"*") {
                out.push(finding(
                    "rbac-wildcard",
                    obj,
                    res,
                    at(field),
                    format!(
                        "rule {i} grants `*` {field}: every {} now and in future API versions",
                        if field == "verbs" { "verb" } else { "resource" }
                    ),
                    format!("list the {field} the workload needs explicitly"),
                ));
            }
        }
        let core = groups.iter().any(|g| g.is_empty() || *g == "*");
        let named = !strings(r.get("resourceNames")).is_empty();
        if core && !named && resources.contains(&"secrets") {
            let what = if verbs.is_empty() {
                String::new()
            } else {
                format!(" ({})", verbs.join(", "))
            };
            out.push(finding(
                "rbac-secrets",
                obj,
                res,
                at("resources"),
                format!("rule {i} grants access to Secrets{what}: every Secret in its scope, including other workloads' credentials"),
                "mount the Secrets the workload needs instead of reading them through the API, or limit the rule with resourceNames".into(),
            ));
        }
    }
}
