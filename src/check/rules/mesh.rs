//! Istio rules, in a render where the mesh is on (an `*.istio.io` object, or a Namespace
//! labelled for sidecar injection): mutual TLS is STRICT (`mesh-mtls-strict`), every
//! Service port declares its protocol (`mesh-port-protocol`), and the metrics port that a
//! ServiceMonitor scrapes is reachable by the scraper under the AuthorizationPolicies
//! (`mesh-scraper-access`).

use serde_json::{Map, Value};

use super::monitoring::selected_services;
use super::{finding, get, kind_of, labels_of, name_of, namespace_of, pod_labels_of, str_at, Ctx};
use crate::check::policy::selector_matches;
use crate::check::schema::{PathPart::Index, PathPart::Key};
use crate::check::{Finding, Object};

/// Protocol prefixes of Service port names that Istio understands (`<protocol>[-suffix]`).
const PROTOCOL_PREFIXES: &[&str] = &[
    "http", "http2", "https", "grpc", "grpc-web", "mongo", "mysql", "redis", "tcp", "tls", "udp",
];

/// Whether a Service port's name tells Istio its protocol.
pub fn name_declares_protocol(name: &str) -> bool {
    PROTOCOL_PREFIXES.iter().any(|p| {
        name == *p
            || name
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('-'))
    })
}

/// Whether the mesh is on in this render.
pub fn mesh_on(objects: &[Object]) -> bool {
    objects.iter().any(|o| {
        let group = super::group_of(str_at(&o.value, &["apiVersion"]));
        group.ends_with("istio.io")
            || (kind_of(&o.value) == "Namespace"
                && (labels_of(&o.value)
                    .get("istio-injection")
                    .and_then(Value::as_str)
                    == Some("enabled")
                    || labels_of(&o.value).contains_key("istio.io/rev")))
    })
}

pub(super) fn check(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if !mesh_on(cx.objects) {
        return;
    }
    mtls(cx, out);
    protocols(cx, out);
    scraper(cx, out);
}

fn mtls(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let pas: Vec<&Object> = cx
        .of_kind("PeerAuthentication")
        .filter(|o| super::group_of(str_at(&o.value, &["apiVersion"])) == "security.istio.io")
        .collect();
    for pa in &pas {
        let mode = str_at(&pa.value, &["spec", "mtls", "mode"]);
        let namespace_wide = get(&pa.value, &["spec", "selector"]).is_none_or(Value::is_null);
        let weak = match mode {
            "PERMISSIVE" | "DISABLE" => true,
            // UNSET inherits; at namespace level that is the mesh default, PERMISSIVE.
            "" | "UNSET" => namespace_wide,
            _ => false,
        };
        if weak {
            out.push(finding(
                "mesh-mtls-strict",
                pa,
                &[Key("spec"), Key("mtls"), Key("mode")],
                format!(
                    "mTLS mode is {}: plaintext connections are accepted{}",
                    if mode.is_empty() {
                        "unset (PERMISSIVE, the mesh default)"
                    } else {
                        mode
                    },
                    if namespace_wide {
                        " by every workload in the namespace"
                    } else {
                        ""
                    }
                ),
                "set spec.mtls.mode: STRICT".into(),
            ));
        }
        if let Some(ports) = get(&pa.value, &["spec", "portLevelMtls"]).and_then(Value::as_object) {
            for (port, v) in ports {
                let m = str_at(v, &["mode"]);
                if matches!(m, "PERMISSIVE" | "DISABLE") {
                    out.push(finding(
                        "mesh-mtls-strict",
                        pa,
                        &[Key("spec"), Key("portLevelMtls"), Key(port), Key("mode")],
                        format!("mTLS mode of port {port} is {m}: plaintext connections to it are accepted"),
                        format!("set the mode of port {port} to STRICT, or remove the port-level override"),
                    ));
                }
            }
        }
    }
    // Every namespace with meshed workloads needs a namespace-wide STRICT policy (or one
    // mesh-wide, which a render of this tree does not hold).
    let mut namespaces: Vec<&str> = cx
        .objects
        .iter()
        .filter(|o| super::is_workload(kind_of(&o.value)))
        .map(|o| namespace_of(&o.value))
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    for ns in namespaces {
        let covered = pas.iter().any(|pa| {
            namespace_of(&pa.value) == ns
                && get(&pa.value, &["spec", "selector"]).is_none_or(Value::is_null)
        });
        if covered {
            continue;
        }
        let Some(w) = cx
            .objects
            .iter()
            .find(|o| super::is_workload(kind_of(&o.value)) && namespace_of(&o.value) == ns)
        else {
            continue;
        };
        out.push(finding(
            "mesh-mtls-strict",
            w,
            &[Key("metadata"), Key("namespace")],
            format!("no namespace-wide PeerAuthentication in namespace {ns:?}: Istio's default is PERMISSIVE, which accepts plaintext"),
            format!("add a security.istio.io/v1 PeerAuthentication named default in namespace {ns:?} with spec.mtls.mode: STRICT (the mesh component has one)"),
        ));
    }
}

fn protocols(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for svc in cx.of_kind("Service") {
        let Some(ports) = get(&svc.value, &["spec", "ports"]).and_then(Value::as_array) else {
            continue;
        };
        for (i, p) in ports.iter().enumerate() {
            let app = p.get("appProtocol").and_then(Value::as_str).unwrap_or("");
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            if !app.is_empty() || name_declares_protocol(name) {
                continue;
            }
            let number = p.get("port").map(|v| v.to_string()).unwrap_or_default();
            out.push(finding(
                "mesh-port-protocol",
                svc,
                &[Key("spec"), Key("ports"), Index(i)],
                format!(
                    "port {} declares no protocol (no appProtocol, and the name {} has no Istio protocol prefix): Istio treats it as opaque TCP, so HTTP routing, retries and HTTP authorization rules do not apply",
                    if name.is_empty() { number.clone() } else { format!("{name} ({number})") },
                    if name.is_empty() { "is empty".to_string() } else { format!("{name:?}") }
                ),
                "add appProtocol: http (or grpc, tcp...) to the port, or name it with a protocol prefix such as http-<name>".into(),
            ));
        }
    }
}

/// The container port number a Service port reaches on the pods it selects.
fn target_port_number(svc_port: &Value, workloads: &[&Object]) -> Option<i64> {
    match svc_port.get("targetPort").or_else(|| svc_port.get("port")) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => workloads.iter().find_map(|w| {
            get(&w.value, &["spec", "template", "spec", "containers"])
                .and_then(Value::as_array)?
                .iter()
                .filter_map(|c| c.get("ports").and_then(Value::as_array))
                .flatten()
                .find(|cp| cp.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|cp| cp.get("containerPort"))
                .and_then(Value::as_i64)
        }),
        _ => None,
    }
}

/// Whether an AuthorizationPolicy value (`*`, `prefix*`, `*suffix` or exact) matches `want`.
fn value_matches(pattern: &str, want: &str) -> bool {
    pattern == "*"
        || pattern == want
        || pattern
            .strip_suffix('*')
            .is_some_and(|pre| want.starts_with(pre))
        || pattern
            .strip_prefix('*')
            .is_some_and(|suf| want.ends_with(suf))
}

/// Whether `list` (strings) holds a value matching `want`.
fn list_has(v: Option<&Value>, want: &str) -> bool {
    v.and_then(Value::as_array).is_some_and(|l| {
        l.iter()
            .filter_map(Value::as_str)
            .any(|p| value_matches(p, want))
    })
}

/// Whether a positive field (`ports`, `principals`...) allows `want`: absent, or matching.
fn list_allows(v: Option<&Value>, want: &str) -> bool {
    v.is_none_or(|_| list_has(v, want))
}

/// Whether a negative field (`notPorts`, `notPrincipals`...) excludes `want`.
fn list_excludes(v: Option<&Value>, want: &str) -> bool {
    list_has(v, want)
}

/// Whether one AuthorizationPolicy rule matches a scrape (`GET path` on `port` by
/// `principal`, when known).
fn rule_matches(rule: &Value, principal: Option<&str>, port: &str, path: &str) -> bool {
    let from_ok = match rule.get("from").and_then(Value::as_array) {
        None => true,
        Some(froms) => froms.iter().any(|f| {
            let src = f.get("source").unwrap_or(&Value::Null);
            match principal {
                None => true,
                Some(p) => {
                    let ns = p
                        .split("/ns/")
                        .nth(1)
                        .and_then(|r| r.split('/').next())
                        .unwrap_or("");
                    list_allows(src.get("principals"), p)
                        && !list_excludes(src.get("notPrincipals"), p)
                        && list_allows(src.get("namespaces"), ns)
                        && !list_excludes(src.get("notNamespaces"), ns)
                        && src.get("ipBlocks").is_none()
                        && src.get("requestPrincipals").is_none()
                }
            }
        }),
    };
    let to_ok = match rule.get("to").and_then(Value::as_array) {
        None => true,
        Some(tos) => tos.iter().any(|t| {
            let op = t.get("operation").unwrap_or(&Value::Null);
            list_allows(op.get("ports"), port)
                && !list_excludes(op.get("notPorts"), port)
                && list_allows(op.get("methods"), "GET")
                && !list_excludes(op.get("notMethods"), "GET")
                && list_allows(op.get("paths"), path)
                && !list_excludes(op.get("notPaths"), path)
        }),
    };
    from_ok && to_ok && rule.get("when").is_none()
}

fn scraper(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let principal = cx.policy.metrics_scraper.as_deref();
    let workloads: Vec<&Object> = cx
        .objects
        .iter()
        .filter(|o| super::is_workload(kind_of(&o.value)))
        .collect();
    for sm in cx.of_kind("ServiceMonitor") {
        let Some(endpoints) = get(&sm.value, &["spec", "endpoints"]).and_then(Value::as_array)
        else {
            continue;
        };
        for svc in selected_services(cx, &sm.value) {
            let Some(selector) = get(&svc.value, &["spec", "selector"]).and_then(Value::as_object)
            else {
                continue;
            };
            let sel = Value::Object(Map::from_iter([(
                "matchLabels".to_string(),
                Value::Object(selector.clone()),
            )]));
            let backends: Vec<&Object> = workloads
                .iter()
                .copied()
                .filter(|w| {
                    namespace_of(&w.value) == namespace_of(&svc.value)
                        && pod_labels_of(&w.value).is_some_and(|l| selector_matches(&sel, l))
                })
                .collect();
            for ep in endpoints {
                let Some(port_name) = ep.get("port").and_then(Value::as_str) else {
                    continue;
                };
                let Some(svc_port) = get(&svc.value, &["spec", "ports"])
                    .and_then(Value::as_array)
                    .and_then(|ps| {
                        ps.iter()
                            .find(|p| p.get("name").and_then(Value::as_str) == Some(port_name))
                    })
                else {
                    continue; // servicemonitor-port reports it
                };
                let Some(number) = target_port_number(svc_port, &backends) else {
                    continue;
                };
                let port = number.to_string();
                let path = ep.get("path").and_then(Value::as_str).unwrap_or("/metrics");
                for w in &backends {
                    let pod_labels = pod_labels_of(&w.value).cloned().unwrap_or_default();
                    let applies = |ap: &&Object| {
                        namespace_of(&ap.value) == namespace_of(&w.value)
                            && match get(&ap.value, &["spec", "selector"]) {
                                None | Some(Value::Null) => true,
                                Some(s) => selector_matches(s, &pod_labels),
                            }
                    };
                    let aps: Vec<&Object> = cx
                        .of_kind("AuthorizationPolicy")
                        .filter(|ap| applies(ap))
                        .collect();
                    fn action(ap: &Object) -> &str {
                        match str_at(&ap.value, &["spec", "action"]) {
                            "" => "ALLOW",
                            a => a,
                        }
                    }
                    let rules = |ap: &Object| -> Vec<Value> {
                        get(&ap.value, &["spec", "rules"])
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default()
                    };
                    let who = principal
                        .map_or("the scraper".to_string(), |p| format!("the scraper ({p})"));
                    if let Some(deny) = aps.iter().find(|ap| {
                        action(ap) == "DENY"
                            && rules(ap)
                                .iter()
                                .any(|r| rule_matches(r, principal, &port, path))
                    }) {
                        out.push(finding(
                            "mesh-scraper-access",
                            deny,
                            &[Key("spec"), Key("rules")],
                            format!("this DENY policy blocks {who} from port {port} ({path}) of {} {}", kind_of(&w.value), name_of(&w.value)),
                            format!("exclude port {port} (notPorts) or the scraper's principal from the DENY rule"),
                        ));
                        continue;
                    }
                    let allows: Vec<&&Object> =
                        aps.iter().filter(|ap| action(ap) == "ALLOW").collect();
                    if allows.is_empty() {
                        continue; // no ALLOW policy: Istio allows by default
                    }
                    let ok = allows.iter().any(|ap| {
                        rules(ap)
                            .iter()
                            .any(|r| rule_matches(r, principal, &port, path))
                    });
                    if !ok {
                        let ap = allows[0];
                        out.push(finding(
                            "mesh-scraper-access",
                            ap,
                            &[Key("spec"), Key("rules")],
                            format!(
                                "no rule of the ALLOW policies on {} {} lets {who} reach port {port} (GET {path}), which ServiceMonitor {} scrapes: Istio denies the scrape",
                                kind_of(&w.value),
                                name_of(&w.value),
                                name_of(&sm.value)
                            ),
                            format!(
                                "add a rule: from source principals [{}] to operation ports [\"{port}\"], methods [GET], paths [{path}]",
                                principal.unwrap_or("<the scraper's principal>")
                            ),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn istio_port_names() {
        for ok in [
            "http",
            "http-metrics",
            "grpc-web",
            "grpc-web-x",
            "tcp-db",
            "https",
        ] {
            assert!(name_declares_protocol(ok), "{ok}");
        }
        for bad in ["a2a", "metrics", "httpx", "web-http", ""] {
            assert!(!name_declares_protocol(bad), "{bad}");
        }
    }

    #[test]
    fn authorization_rules_match_like_istio() {
        let scraper = Some("cluster.local/ns/monitoring/sa/prometheus");
        let rule = json!({"from": [{"source": {"principals": ["cluster.local/ns/monitoring/*"]}}],
                          "to": [{"operation": {"ports": ["9090"], "paths": ["/metrics"]}}]});
        assert!(rule_matches(&rule, scraper, "9090", "/metrics"));
        assert!(!rule_matches(&rule, scraper, "8080", "/metrics"));
        assert!(!rule_matches(&rule, scraper, "9090", "/debug"));
        assert!(!rule_matches(
            &rule,
            Some("cluster.local/ns/other/sa/x"),
            "9090",
            "/metrics"
        ));
        let by_ns = json!({"from": [{"source": {"namespaces": ["monitoring"]}}],
                           "to": [{"operation": {"notPorts": ["8080"]}}]});
        assert!(rule_matches(&by_ns, scraper, "9090", "/metrics"));
        assert!(!rule_matches(&by_ns, scraper, "8080", "/metrics"));
        // No from/to: every request; a `when` condition is not evaluated, so not counted.
        assert!(rule_matches(&json!({}), scraper, "9090", "/metrics"));
        assert!(!rule_matches(
            &json!({"when": [{"key": "request.headers[x]", "values": ["1"]}]}),
            scraper,
            "9090",
            "/metrics"
        ));
    }
}
