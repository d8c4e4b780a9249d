//! Exemptions: findings an environment accepts, with the reason why.
//!
//! Two forms. In `policy.yaml`, per environment:
//!
//! ```yaml
//! environments:
//!   prod:
//!     exemptions:
//!       - rule: capabilities-drop-all
//!         resource: Deployment/*            # Kind/name or Kind/namespace/name; `*` wildcards
//!         container: istio-proxy            # optional
//!         reason: the mesh sidecar is configured by Istio
//! ```
//!
//! and on one object, the annotation `kagentctl.io/exempt: "rule-id,rule-id"` (with an
//! optional `kagentctl.io/exempt-reason`). An exempted finding is still reported, marked
//! suppressed (JSON `suppressed`, SARIF `suppressions`), and does not fail the run. An
//! exemption that covers no finding is reported as `exemption-stale`, so exemptions do not
//! outlive their reason.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{EnvPolicy, Finding, Object, PolicyFile, ResourceRef, Severity, Source};

/// The annotation that exempts one object from rules.
pub const ANNOTATION: &str = "kagentctl.io/exempt";
/// The annotation giving the reason of [`ANNOTATION`].
pub const REASON_ANNOTATION: &str = "kagentctl.io/exempt-reason";

/// The rule ids of this module, with a one-line description.
pub const RULES: &[(&str, &str)] = &[(
    "exemption-stale",
    "an exemption (policy.yaml or kagentctl.io/exempt annotation) that covers no finding",
)];

/// One exemption of `policy.yaml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// The rule id (`privilege-escalation`).
    pub rule: String,
    /// `Kind/name` or `Kind/namespace/name`; each part may use `*` wildcards (`*` alone:
    /// every resource).
    pub resource: String,
    /// Only findings about this container (wildcards allowed), e.g. a sidecar.
    #[serde(default)]
    pub container: Option<String>,
    /// Why the finding is acceptable (required, non-empty).
    pub reason: String,
    /// Where the exemption is written (filled in when the policy is read).
    #[serde(skip)]
    pub origin: Source,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// `external` (policy.yaml) or `inSource` (the object's annotation), as SARIF names them.
    pub kind: SuppressionKind,
    /// The exemption's reason.
    pub reason: String,
    /// Where the exemption is written.
    pub origin: Source,
}

/// Where an exemption comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    /// An exemption in the policy file.
    Policy,
    /// The `kagentctl.io/exempt` annotation of the object.
    Annotation,
}

impl SuppressionKind {
    /// `policy` or `annotation`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Policy => "policy",
            SuppressionKind::Annotation => "annotation",
        }
    }

    /// The SARIF `suppression.kind`: `external` or `inSource`.
    pub fn sarif_kind(self) -> &'static str {
        match self {
            SuppressionKind::Policy => "external",
            SuppressionKind::Annotation => "inSource",
        }
    }
}

/// Validates the exemptions of a freshly parsed policy and records the line of each.
pub(crate) fn locate(
    pf: &mut PolicyFile,
    lines: &super::lines::DocLines,
    path: &Path,
) -> crate::Result<()> {
    for (env, p) in pf.environments.iter_mut() {
        let unknown = super::levels::unknown_rules(p);
        if !unknown.is_empty() {
            let at = crate::settings::key_step("environments", env);
            let field = format!("{at}.rules");
            let line = lines.line_of(&field).max(1);
            return Err(crate::Error::invalid(
                path,
                format!(
                    "line {line}: {field} names unknown rule(s) {}; see docs/check.md for the rule ids",
                    unknown.join(", ")
                ),
            ));
        }
        for (i, e) in p.exemptions.iter_mut().enumerate() {
            let field = format!(
                "{}.exemptions[{i}]",
                crate::settings::key_step("environments", env)
            );
            let line = lines.line_of(&field).max(1);
            let at = format!("line {line}: {field}");
            if e.reason.trim().is_empty() {
                return Err(crate::Error::invalid(
                    path,
                    format!("{at}: an exemption needs a reason (why the finding is acceptable)"),
                ));
            }
            if e.rule.trim().is_empty() {
                return Err(crate::Error::invalid(path, format!("{at}: rule is empty")));
            }
            let parts = e.resource.split('/').count();
            if e.resource != "*" && !(2..=3).contains(&parts) {
                return Err(crate::Error::invalid(
                    path,
                    format!(
                        "{at}: resource {:?} is not Kind/name, Kind/namespace/name or *",
                        e.resource
                    ),
                ));
            }
            e.origin = Source {
                file: Some(path.to_path_buf()),
                line: Some(line),
            };
        }
    }
    Ok(())
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

impl Exemption {
    /// Whether this exemption names `res` (and, when it names a container, `container`).
    fn covers(&self, rule: &str, res: &ResourceRef, container: Option<&str>) -> bool {
        if self.rule != rule || res.is_empty() {
            return false;
        }
        let parts: Vec<&str> = self.resource.split('/').collect();
        let ok = match parts.as_slice() {
            ["*"] => true,
            [kind, name] => glob(kind, &res.kind) && glob(name, &res.name),
            [kind, ns, name] => {
                glob(kind, &res.kind) && glob(ns, &res.namespace) && glob(name, &res.name)
            }
            _ => false,
        };
        ok && match &self.container {
            None => true,
            Some(c) => container.is_some_and(|n| glob(c, n)),
        }
    }
}

/// What the exempter remembers of one object: a summary, not the document.
#[derive(Debug, Default)]
struct ObjInfo {
    /// Rules of the object's `kagentctl.io/exempt` annotation.
    rules: Vec<String>,
    reason: Option<String>,
    source: Source,
    /// Container names per list (`containers`, `initContainers`, `ephemeralContainers`).
    containers: Vec<(&'static str, Vec<String>)>,
}

type Key = (String, String, String, String);

fn key(r: &ResourceRef) -> Key {
    (
        r.api_version.clone(),
        r.kind.clone(),
        r.namespace.clone(),
        r.name.clone(),
    )
}

/// Collects what exemptions need from each object, then marks findings suppressed.
#[derive(Debug, Default)]
pub struct Exempter {
    objects: HashMap<Key, ObjInfo>,
}

const LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// The pod spec of an object, wherever its kind keeps it.
fn pod_spec(v: &Value) -> Option<&Value> {
    let spec = v.get("spec")?;
    if let Some(t) = spec.get("template").and_then(|t| t.get("spec")) {
        return Some(t);
    }
    if let Some(t) = spec
        .get("jobTemplate")
        .and_then(|j| j.get("spec"))
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"))
    {
        return Some(t);
    }
    spec.get("containers").is_some().then_some(spec)
}

/// The container a finding's path is about: `(list, index)` of the last `containers[i]`
/// step (`spec.template.spec.containers[1].image` → `("containers", 1)`).
fn container_step(path: &str) -> Option<(&'static str, usize)> {
    let mut best: Option<(usize, &'static str, usize)> = None;
    for list in LISTS {
        let pat = format!("{list}[");
        let mut from = 0;
        while let Some(i) = path[from..].find(&pat) {
            let at = from + i;
            let boundary = at == 0 || path.as_bytes()[at - 1] == b'.';
            let rest = &path[at + pat.len()..];
            if let Some(end) = rest.find(']') {
                if let (true, Ok(n)) = (boundary, rest[..end].parse::<usize>()) {
                    if best.is_none_or(|(b, ..)| at > b) {
                        best = Some((at, list, n));
                    }
                }
            }
            from = at + pat.len();
        }
    }
    best.map(|(_, l, n)| (l, n))
}

impl Exempter {
    /// Records the annotation and container names of `obj`.
    pub fn observe(&mut self, obj: &Object) {
        let v = &obj.value;
        let ann = v.get("metadata").and_then(|m| m.get("annotations"));
        let rules: Vec<String> = ann
            .and_then(|a| a.get(ANNOTATION))
            .and_then(Value::as_str)
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let containers: Vec<(&'static str, Vec<String>)> = match pod_spec(v) {
            None => Vec::new(),
            Some(spec) => LISTS
                .iter()
                .filter_map(|l| {
                    let cs = spec.get(*l)?.as_array()?;
                    let names = cs
                        .iter()
                        .map(|c| {
                            c.get("name")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string()
                        })
                        .collect();
                    Some((*l, names))
                })
                .collect(),
        };
        if rules.is_empty() && containers.is_empty() {
            return;
        }
        let reason = ann
            .and_then(|a| a.get(REASON_ANNOTATION))
            .and_then(Value::as_str)
            .map(str::to_string);
        self.objects.insert(
            key(&ResourceRef::of(v)),
            ObjInfo {
                rules,
                reason,
                source: obj.source.clone(),
                containers,
            },
        );
    }

    fn container_of(&self, f: &Finding) -> Option<&str> {
        let (list, i) = container_step(&f.path)?;
        let info = self.objects.get(&key(&f.resource))?;
        let (_, names) = info.containers.iter().find(|(l, _)| *l == list)?;
        names.get(i).map(String::as_str)
    }

    /// Marks the findings covered by an annotation or by `policy`'s exemptions as
    /// suppressed, and appends an `exemption-stale` warning for every exemption that
    /// covers none.
    pub fn apply(&self, findings: &mut Vec<Finding>, policy: Option<&EnvPolicy>) {
        let exemptions: &[Exemption] = policy.map(|p| p.exemptions.as_slice()).unwrap_or(&[]);
        let mut used = vec![false; exemptions.len()];
        let mut ann_used: HashMap<(&Key, &str), bool> = HashMap::new();
        for (k, info) in &self.objects {
            for r in &info.rules {
                ann_used.insert((k, r.as_str()), false);
            }
        }
        for f in findings.iter_mut() {
            if f.resource.is_empty() || f.rule == "exemption-stale" {
                continue;
            }
            let k = key(&f.resource);
            if let Some((kk, info)) = self.objects.get_key_value(&k) {
                if info.rules.iter().any(|r| r == f.rule) {
                    ann_used.insert((kk, f.rule), true);
                    f.suppressed = Some(Suppression {
                        kind: SuppressionKind::Annotation,
                        reason: info
                            .reason
                            .clone()
                            .unwrap_or_else(|| format!("{ANNOTATION} annotation")),
                        origin: info.source.clone(),
                    });
                    continue;
                }
            }
            let container = self.container_of(f).map(str::to_string);
            if let Some(i) = exemptions
                .iter()
                .position(|e| e.covers(f.rule, &f.resource, container.as_deref()))
            {
                used[i] = true;
                let e = &exemptions[i];
                f.suppressed = Some(Suppression {
                    kind: SuppressionKind::Policy,
                    reason: e.reason.clone(),
                    origin: e.origin.clone(),
                });
            }
        }
        // Stale exemptions, in a stable order: the policy's, then annotations by object.
        for (e, _) in exemptions.iter().zip(&used).filter(|(_, u)| !**u) {
            let container = e
                .container
                .as_deref()
                .map(|c| format!(", container {c}"))
                .unwrap_or_default();
            let known = super::all_rules().any(|(id, _)| id == e.rule);
            let why = if known {
                String::from("it covers no finding")
            } else {
                format!("{:?} is not a rule id", e.rule)
            };
            let mut f = Finding::new(
                "exemption-stale",
                Severity::Warning,
                &ResourceRef::default(),
                "",
                format!(
                    "exemption of {} for {}{container} is stale: {why}",
                    e.rule, e.resource
                ),
                "remove the exemption from the policy file (or correct its rule, resource or container)",
            );
            f.source = e.origin.clone();
            findings.push(f);
        }
        let mut stale: Vec<(&Key, &str)> = ann_used
            .into_iter()
            .filter(|(_, u)| !*u)
            .map(|(k, _)| k)
            .collect();
        stale.sort();
        for (k, rule) in stale {
            let res = ResourceRef {
                api_version: k.0.clone(),
                kind: k.1.clone(),
                namespace: k.2.clone(),
                name: k.3.clone(),
            };
            let known = super::all_rules().any(|(id, _)| id == rule);
            let why = if known {
                "no finding of it on this object".to_string()
            } else {
                format!("{rule:?} is not a rule id")
            };
            let mut f = Finding::new(
                "exemption-stale",
                Severity::Warning,
                &res,
                format!("metadata.annotations[\"{ANNOTATION}\"]"),
                format!("the {ANNOTATION} annotation exempts {rule}, but {why}"),
                format!("remove {rule} from the {ANNOTATION} annotation"),
            );
            if let Some(info) = self.objects.get(k) {
                f.source = info.source.clone();
            }
            findings.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("kagent*", "kagent-headless"));
        assert!(glob("*-headless", "kagent-headless"));
        assert!(glob("k*t", "kagent"));
        assert!(!glob("k*x", "kagent"));
        assert!(glob("kagent", "kagent"));
        assert!(!glob("kagent", "kagent-0"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
    }

    #[test]
    fn container_steps() {
        assert_eq!(
            container_step("spec.template.spec.containers[1].image"),
            Some(("containers", 1))
        );
        assert_eq!(
            container_step("spec.initContainers[0].securityContext"),
            Some(("initContainers", 0))
        );
        assert_eq!(container_step("spec.replicas"), None);
    }
}
