//! Patch and replacement targets: group/version/kind/name/namespace as anchored regular
//! expressions, plus Kubernetes label and annotation selectors.

use regex::Regex;
use serde_json::{Map, Value};

use crate::kustomization::Selector;
use crate::resource::{ResId, Resource};
use crate::schema::is_cluster_scoped;

/// One field of a selector: an anchored regular expression, as in Kustomize.
#[derive(Debug)]
enum Pattern {
    /// A pattern of letters, digits, `-_/:` and `.` (any character but a line break):
    /// nearly every real selector. Matched directly; compiling a regular expression
    /// costs more than a whole small build.
    Simple(String),
    /// Anything else.
    Regex(Regex),
}

/// Whether the regular expression `p` is "simple": letters, digits, `-_/:` and `.` only,
/// so that it matches exactly what [`simple_prefix`] matches.
pub(crate) fn is_simple_pattern(p: &str) -> bool {
    p.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | ':' | '.'))
}

/// For a simple pattern `p` (see [`is_simple_pattern`]): the byte length of the prefix of
/// `v` that `p` matches, if one does. Every character of `p` matches itself, but `.`
/// matches any character except a line feed, as in a regular expression.
pub(crate) fn simple_prefix(p: &str, v: &str) -> Option<usize> {
    let mut vs = v.char_indices();
    for pc in p.chars() {
        let (_, vc) = vs.next()?;
        if !(if pc == '.' { vc != '\n' } else { vc == pc }) {
            return None;
        }
    }
    Some(vs.next().map_or(v.len(), |(i, _)| i))
}

impl Pattern {
    fn is_match(&self, v: &str) -> bool {
        match self {
            Pattern::Simple(p) => simple_prefix(p, v) == Some(v.len()),
            Pattern::Regex(re) => re.is_match(v),
        }
    }
}

/// A compiled selector.
#[derive(Debug)]
pub struct Compiled {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

fn anchored(s: &Option<String>) -> Result<Option<Pattern>, String> {
    match s.as_deref() {
        None | Some("") => Ok(None),
        Some(p) if is_simple_pattern(p) => Ok(Some(Pattern::Simple(p.to_string()))),
        Some(p) => Regex::new(&format!("^(?:{p})$"))
            .map(|re| Some(Pattern::Regex(re)))
            .map_err(|e| format!("invalid selector pattern {p:?}: {e}")),
    }
}

/// The namespace Kustomize compares with: `default` for unset, none for cluster-scoped.
pub fn effective_namespace(id: &ResId) -> &str {
    if is_cluster_scoped(&id.gvk) {
        "_non_namespaceable_"
    } else if id.namespace.is_empty() {
        "default"
    } else {
        &id.namespace
    }
}

impl Compiled {
    /// Compiles `s`.
    pub fn new(s: &Selector) -> Result<Compiled, String> {
        Ok(Compiled {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: match s.label_selector.as_deref() {
                Some(l) if !l.is_empty() => Some(LabelSelector::parse(l)?),
                _ => None,
            },
            annotations: match s.annotation_selector.as_deref() {
                Some(l) if !l.is_empty() => Some(LabelSelector::parse(l)?),
                _ => None,
            },
        })
    }

    /// Whether `r` is selected (original or current name and namespace count).
    pub fn matches(&self, r: &Resource) -> bool {
        // Cheap, allocation-free tests first; the namespace test needs full ids.
        let m = |re: &Option<Pattern>, v: &str| re.as_ref().is_none_or(|re| re.is_match(v));
        let (group, version) = r.group_version();
        if !m(&self.kind, r.kind()) || !m(&self.group, group) || !m(&self.version, version) {
            return false;
        }
        if let Some(n) = &self.name {
            let org_name = r.prev_ids.first().map_or(r.name(), |id| id.name.as_str());
            if !n.is_match(org_name) && !n.is_match(r.name()) {
                return false;
            }
        }
        if let Some(l) = &self.labels {
            if !l.matches(r.metadata_map("labels")) {
                return false;
            }
        }
        if let Some(a) = &self.annotations {
            if !a.matches(r.metadata_map("annotations")) {
                return false;
            }
        }
        if let Some(ns) = &self.namespace {
            let (cur, org) = (r.id(), r.orig_id());
            if !ns.is_match(effective_namespace(&org)) && !ns.is_match(effective_namespace(&cur)) {
                return false;
            }
        }
        true
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed Kubernetes label selector (`a=b,c!=d,e in (x,y),!f,g`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSelector(Vec<Req>);

impl LabelSelector {
    /// Parses the selector syntax of `kubectl -l`.
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        let mut parts = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&s[start..]);
        for p in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
            let set = |rest: &str| -> Result<Vec<String>, String> {
                let rest = rest.trim();
                let inner = rest
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| format!("invalid label selector {s:?}: expected (values)"))?;
                Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            if let Some(k) = p.strip_prefix('!') {
                reqs.push(Req::NotExists(k.trim().to_string()));
            } else if let Some((k, v)) = p.split_once("!=") {
                reqs.push(Req::NotEq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once("==") {
                reqs.push(Req::Eq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once('=') {
                reqs.push(Req::Eq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once(" notin ") {
                reqs.push(Req::NotIn(k.trim().into(), set(v)?));
            } else if let Some((k, v)) = p.split_once(" in ") {
                reqs.push(Req::In(k.trim().into(), set(v)?));
            } else if p.contains(char::is_whitespace) || p.contains(['(', ')']) {
                return Err(format!("invalid label selector {s:?}"));
            } else {
                reqs.push(Req::Exists(p.to_string()));
            }
        }
        Ok(LabelSelector(reqs))
    }

    /// Whether a label (or annotation) map satisfies every requirement.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|m| m.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == Some(v),
            Req::NotEq(k, v) => get(k) != Some(v),
            Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
        })
    }
}

/// A namespace as Kustomize compares it for an id it does not know to be cluster-scoped.
pub(crate) fn plain_namespace(ns: &str) -> &str {
    if ns.is_empty() {
        "default"
    } else {
        ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_patterns_match_as_the_regular_expression_does() {
        let patterns = [
            "apps",
            "v1",
            "networking.k8s.io",
            "a.c",
            "my-app_1",
            "x/y:z",
            "..",
            "é",
        ];
        let values = [
            "apps",
            "app",
            "appsx",
            "v1",
            "networking.k8s.io",
            "networkingXk8sYio",
            "abc",
            "a\nc",
            "aéc",
            "my-app_1",
            "x/y:z",
            "",
            "ab",
            "a\n",
            "é",
            "e",
        ];
        for p in patterns {
            let fast = anchored(&Some(p.to_string())).unwrap().unwrap();
            let slow = Regex::new(&format!("^(?:{p})$")).unwrap();
            if p != "é" {
                assert!(matches!(fast, Pattern::Simple(_)), "{p}");
            }
            for v in values {
                assert_eq!(fast.is_match(v), slow.is_match(v), "pattern {p:?} on {v:?}");
            }
        }
        assert!(matches!(
            anchored(&Some("Deploy.*".into())).unwrap(),
            Some(Pattern::Regex(_))
        ));
    }

    #[test]
    fn label_selectors_follow_kubectl_syntax() {
        let l = json!({"app": "web", "tier": "front"});
        let l = l.as_object();
        assert!(LabelSelector::parse("app=web,tier in (front, back)")
            .unwrap()
            .matches(l));
        assert!(!LabelSelector::parse("app!=web").unwrap().matches(l));
        assert!(LabelSelector::parse("!missing,app").unwrap().matches(l));
        assert!(!LabelSelector::parse("tier notin (front)")
            .unwrap()
            .matches(l));
    }
}
