//! Probes on ports their container does not declare.

use serde_json::Value;

use super::{container_path, containers, finding, Pod};
use crate::check::{Finding, Object, ResourceRef};

/// Checks the liveness, readiness and startup probes of every container.
pub(super) fn check(obj: &Object, res: &ResourceRef, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    for c in containers(pod) {
        let ports: Vec<&Value> = c
            .value
            .get("ports")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let names: Vec<&str> = ports
            .iter()
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        let numbers: Vec<i64> = ports
            .iter()
            .filter_map(|p| p.get("containerPort").and_then(Value::as_i64))
            .collect();
        let what = c.what();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(p) = c.value.get(probe) else {
                continue;
            };
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let Some(port) = p.get(handler).and_then(|h| h.get("port")) else {
                    continue;
                };
                let missing = match port {
                    Value::String(name) => match name.parse::<i64>() {
                        Ok(n) => !ports.is_empty() && !numbers.contains(&n),
                        Err(_) => !names.contains(&name.as_str()),
                    },
                    // A numeric port works without a declaration; flag it only when the
                    // container declares its ports and not this one.
                    Value::Number(n) => {
                        !ports.is_empty() && n.as_i64().is_some_and(|n| !numbers.contains(&n))
                    }
                    _ => false,
                };
                if missing {
                    let shown = match port {
                        Value::String(s) => format!("{s:?}"),
                        v => v.to_string(),
                    };
                    let declared = if ports.is_empty() {
                        "none".to_string()
                    } else {
                        ports
                            .iter()
                            .map(|p| {
                                let n = p
                                    .get("containerPort")
                                    .map(Value::to_string)
                                    .unwrap_or_default();
                                match p.get("name").and_then(Value::as_str) {
                                    Some(name) => format!("{name} ({n})"),
                                    None => n,
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    out.push(finding(
                        "probe-port",
                        obj,
                        res,
                        container_path(pod, &c, &[probe, handler, "port"]),
                        format!("{what}'s {probe} probes port {shown}, which the container does not declare (it declares: {declared})"),
                        format!("point the probe at a declared port, or add the port to {what}'s ports"),
                    ));
                }
            }
        }
    }
}
