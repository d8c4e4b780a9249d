//! Container and pod hardening: privileged containers, privilege escalation, host
//! namespaces, sensitive hostPath volumes, added and not-dropped capabilities.

use serde_json::Value;

use super::{container_path, containers, finding, pod_path, Pod};
use crate::check::schema::PathPart;
use crate::check::{Finding, Object, ResourceRef};

/// Capabilities a container may add without a finding.
pub const ALLOWED_CAPABILITIES: &[&str] = &["NET_BIND_SERVICE"];

/// Host paths whose mount gives a container control over the node (the path itself or
/// anything below it).
pub const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/run",
    "/run",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/run/docker.sock",
    "/run/containerd",
    "/var/run/crio",
];

fn sensitive(path: &str) -> Option<&'static str> {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    // The most specific entry that the path is, or is below.
    SENSITIVE_HOST_PATHS
        .iter()
        .filter(|s| {
            if **s == "/" {
                p == "/"
            } else {
                p == **s || p.starts_with(&format!("{s}/"))
            }
        })
        .max_by_key(|s| s.len())
        .copied()
}

fn cap_name(c: &str) -> String {
    let u = c.to_ascii_uppercase();
    u.strip_prefix("CAP_").map(str::to_string).unwrap_or(u)
}

/// Checks the hardening rules on one pod.
pub(super) fn check(obj: &Object, res: &ResourceRef, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    for (field, what) in [
        ("hostNetwork", "the node's network namespace"),
        ("hostPID", "the node's process namespace"),
        ("hostIPC", "the node's IPC namespace"),
    ] {
        if pod.spec.get(field).and_then(Value::as_bool) == Some(true) {
            out.push(finding(
                "host-namespaces",
                obj,
                res,
                pod_path(pod, &[PathPart::Key(field)]),
                format!("{field}: true shares {what} with the pod"),
                format!("remove {field} (or set it to false)"),
            ));
        }
    }
    if let Some(vols) = pod.spec.get("volumes").and_then(Value::as_array) {
        for (i, v) in vols.iter().enumerate() {
            let Some(path) = v
                .get("hostPath")
                .and_then(|h| h.get("path"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            if let Some(s) = sensitive(path) {
                let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
                out.push(finding(
                    "host-path",
                    obj,
                    res,
                    pod_path(
                        pod,
                        &[
                            PathPart::Key("volumes"),
                            PathPart::Index(i),
                            PathPart::Key("hostPath"),
                            PathPart::Key("path"),
                        ],
                    ),
                    format!("volume {name} mounts the host path {path:?} (under {s}), which gives the pod control over the node"),
                    "use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of the host path".into(),
                ));
            }
        }
    }
    for c in containers(pod) {
        let sc = c.value.get("securityContext");
        let get = |k: &str| sc.and_then(|s| s.get(k));
        let what = c.what();
        let privileged = get("privileged").and_then(Value::as_bool) == Some(true);
        if privileged {
            out.push(finding(
                "privileged",
                obj,
                res,
                container_path(pod, &c, &["securityContext", "privileged"]),
                format!("{what} is privileged: it has every capability and access to the node's devices"),
                format!("remove securityContext.privileged from {what}; add only the capabilities it needs"),
            ));
        }
        if c.list != "ephemeralContainers"
            && get("allowPrivilegeEscalation").and_then(Value::as_bool) != Some(false)
        {
            let msg = if get("allowPrivilegeEscalation").is_some() {
                format!("{what} allows privilege escalation")
            } else {
                format!("{what} does not set allowPrivilegeEscalation: false, so a setuid binary can gain privileges")
            };
            out.push(finding(
                "privilege-escalation",
                obj,
                res,
                container_path(pod, &c, &["securityContext", "allowPrivilegeEscalation"]),
                msg,
                format!("set securityContext.allowPrivilegeEscalation: false on {what}"),
            ));
        }
        let caps = get("capabilities");
        let list = |k: &str| -> Vec<String> {
            caps.and_then(|c| c.get(k))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(cap_name).collect())
                .unwrap_or_default()
        };
        let added: Vec<String> = list("add")
            .into_iter()
            .filter(|c| !ALLOWED_CAPABILITIES.contains(&c.as_str()))
            .collect();
        if !added.is_empty() {
            out.push(finding(
                "capabilities-added",
                obj,
                res,
                container_path(pod, &c, &["securityContext", "capabilities", "add"]),
                format!("{what} adds the capabilit{} {}", if added.len() == 1 { "y" } else { "ies" }, added.join(", ")),
                format!("remove them from securityContext.capabilities.add (only {} is allowed without an exemption)", ALLOWED_CAPABILITIES.join(", ")),
            ));
        }
        if c.list != "ephemeralContainers"
            && !privileged
            && !list("drop").iter().any(|d| d == "ALL")
        {
            out.push(finding(
                "capabilities-drop-all",
                obj,
                res,
                container_path(pod, &c, &["securityContext", "capabilities", "drop"]),
                format!("{what} does not drop ALL capabilities, so it keeps the runtime's defaults (e.g. NET_RAW)"),
                format!("set securityContext.capabilities.drop: [ALL] on {what} and add back only what it needs"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_paths() {
        assert_eq!(sensitive("/"), Some("/"));
        assert_eq!(sensitive("/etc/"), Some("/etc"));
        assert_eq!(
            sensitive("/var/run/docker.sock"),
            Some("/var/run/docker.sock")
        );
        assert_eq!(sensitive("/var/lib/kubelet/pods"), Some("/var/lib/kubelet"));
        assert_eq!(sensitive("/data/cache"), None);
        assert_eq!(sensitive("/etcd-data"), None);
        assert_eq!(cap_name("cap_sys_admin"), "SYS_ADMIN");
    }
}
