//! Validation of a custom resource by its CRD's structural `openAPIV3Schema`: unknown
//! fields, types (with `x-kubernetes-int-or-string`), enums, required fields and string
//! patterns. `x-kubernetes-preserve-unknown-fields` accepts any field; CEL rules
//! (`x-kubernetes-validations`) on fields the object sets are reported in one note, as
//! they are not evaluated; `oneOf`/`anyOf`/`allOf`/`not` are not evaluated either.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json::Value;

use crate::check::schema::{describe, path_of, suggest, PathPart};
use crate::check::{Finding, ResourceRef, Severity};

/// A compiled pattern, cached by its text (`None` when the Go pattern is not valid for the
/// regex crate: then it is not checked).
fn pattern(p: &str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    c.entry(p.to_string())
        .or_insert_with(|| Regex::new(p).ok())
        .clone()
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

struct Walker<'a> {
    res: &'a ResourceRef,
    path: Vec<Seg>,
    out: Vec<Finding>,
    /// CEL rules on fields the object sets: (path, message or rule).
    cel: Vec<(String, String)>,
}

impl Walker<'_> {
    fn path(&self) -> String {
        let parts: Vec<PathPart<'_>> = self
            .path
            .iter()
            .map(|s| match s {
                Seg::Key(k) => PathPart::Key(k),
                Seg::Index(i) => PathPart::Index(*i),
            })
            .collect();
        path_of(&parts)
    }

    fn push(&mut self, rule: &'static str, message: String, fix: String) {
        let path = self.path();
        self.out.push(Finding::new(
            rule,
            Severity::Error,
            self.res,
            path,
            message,
            fix,
        ));
    }

    fn field(&self) -> String {
        match self.path.last() {
            Some(Seg::Key(k)) => k.clone(),
            _ => "the value".into(),
        }
    }

    fn walk(&mut self, node: &Value, v: &Value) {
        if v.is_null() {
            return; // unset
        }
        if let Some(rules) = node
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
        {
            let here = self.path();
            for r in rules {
                let text = r
                    .get("message")
                    .or_else(|| r.get("rule"))
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                self.cel.push((here.clone(), text.to_string()));
            }
        }
        if let Some(allowed) = node.get("enum").and_then(Value::as_array) {
            if !allowed.contains(v) {
                let list: Vec<String> = allowed
                    .iter()
                    .map(|a| a.as_str().map_or(a.to_string(), str::to_string))
                    .collect();
                self.push(
                    "schema-enum",
                    format!("{} is not one of {}", describe(v), list.join(", ")),
                    format!("use one of {}", list.join(", ")),
                );
                return;
            }
        }
        let int_or_string = node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
        let ty = node.get("type").and_then(Value::as_str).unwrap_or("");
        let ok = if int_or_string {
            v.is_string() || v.as_i64().is_some() || v.as_u64().is_some()
        } else {
            match ty {
                "string" => v.is_string(),
                "integer" => {
                    v.as_i64().is_some()
                        || v.as_u64().is_some()
                        || v.as_f64().is_some_and(|f| f.fract() == 0.0)
                }
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "object" => v.is_object(),
                "array" => v.is_array(),
                _ => true,
            }
        };
        if !ok {
            let expected = if int_or_string {
                "integer or string"
            } else {
                ty
            };
            let field = self.field();
            let fix = match (expected, v) {
                ("integer", Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
                    format!("remove the quotes: {field}: {}", s.trim())
                }
                ("boolean", Value::String(s)) if matches!(s.as_str(), "true" | "false") => {
                    format!("remove the quotes: {field}: {s}")
                }
                ("string", Value::Number(_) | Value::Bool(_)) => {
                    format!("quote the value: {field}: \"{v}\"")
                }
                _ => format!(
                    "make {field} a{} {expected}",
                    if expected.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "n"
                    } else {
                        ""
                    }
                ),
            };
            self.push(
                "schema-type",
                format!("expected {expected}, got {}", describe(v)),
                fix,
            );
            return;
        }
        match v {
            Value::String(s) => {
                if let Some(p) = node.get("pattern").and_then(Value::as_str) {
                    if pattern(p).is_some_and(|re| !re.is_match(s)) {
                        self.push(
                            "schema-pattern",
                            format!("{s:?} does not match the pattern {p:?}"),
                            format!(
                                "write {} in the form the pattern {p:?} allows",
                                self.field()
                            ),
                        );
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = node.get("items") {
                    for (i, it) in items.iter().enumerate() {
                        self.path.push(Seg::Index(i));
                        self.walk(item, it);
                        self.path.pop();
                    }
                }
            }
            Value::Object(m) => self.walk_object(node, m),
            _ => {}
        }
    }

    fn walk_object(&mut self, node: &Value, m: &serde_json::Map<String, Value>) {
        let props = node.get("properties").and_then(Value::as_object);
        let additional = node.get("additionalProperties");
        let preserve = node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        let owner = self.path();
        let owner = if owner.is_empty() {
            "the object".to_string()
        } else {
            owner
        };
        for (k, val) in m {
            self.path.push(Seg::Key(k.clone()));
            if let Some(sub) = props.and_then(|p| p.get(k)) {
                self.walk(sub, val);
            } else if let Some(sub) = additional.filter(|a| a.is_object()) {
                self.walk(sub, val);
            } else if preserve
                || additional == Some(&Value::Bool(true))
                || node.get("type").and_then(Value::as_str) != Some("object")
            {
                // Any field is kept.
            } else {
                // The API server prunes (drops) a field its schema does not declare.
                let known: Vec<String> = props
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                self.unknown(k, &owner, &known);
            }
            self.path.pop();
        }
        if let Some(req) = node.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if m.get(r).is_none_or(Value::is_null) {
                    self.path.push(Seg::Key(r.to_string()));
                    let path = self.path();
                    self.push(
                        "schema-required",
                        format!("missing required field {r:?} in {owner}"),
                        format!("add {path}"),
                    );
                    self.path.pop();
                }
            }
        }
    }

    fn unknown(&mut self, k: &str, owner: &str, known: &[String]) {
        let (message, fix) = match suggest(k, known.iter()) {
            Some(s) => (
                format!("unknown field {k:?} in {owner} (did you mean {s:?}?)"),
                format!("rename {k:?} to {s:?}"),
            ),
            None if known.is_empty() => (
                format!("unknown field {k:?} in {owner}, which takes no fields"),
                format!("remove {k:?}"),
            ),
            None => (
                format!("unknown field {k:?} in {owner}"),
                format!("remove {k:?}; {owner} has: {}", known.join(", ")),
            ),
        };
        self.push("schema-unknown-field", message, fix);
    }
}

/// Validates custom resource `obj` by its CRD's `schema`; returns its findings (without
/// env or source). `metadata` is left to the API server's ObjectMeta rules.
pub fn validate(schema: &Value, obj: &Value, origin: Option<&str>) -> Vec<Finding> {
    let res = ResourceRef::of(obj);
    let mut w = Walker {
        res: &res,
        path: Vec::new(),
        out: Vec::new(),
        cel: Vec::new(),
    };
    let mut node = schema.clone();
    if let Some(p) = node.get_mut("properties").and_then(Value::as_object_mut) {
        // ObjectMeta is the API server's, whatever the CRD says of it.
        p.insert(
            "metadata".into(),
            serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
        );
        for k in ["apiVersion", "kind"] {
            p.entry(k).or_insert(serde_json::json!({"type": "string"}));
        }
    }
    w.walk(&node, obj);
    if !w.cel.is_empty() {
        let shown: Vec<String> = w
            .cel
            .iter()
            .take(3)
            .map(|(p, m)| format!("{}: {m}", if p.is_empty() { "(object)" } else { p }))
            .collect();
        let more = w.cel.len().saturating_sub(3);
        w.out.push(Finding::new(
            "schema-cel-not-evaluated",
            Severity::Note,
            &res,
            "",
            format!(
                "{} CEL rule{} of the {} CRD schema (x-kubernetes-validations) {} to this object and were not evaluated: {}{}",
                w.cel.len(),
                if w.cel.len() == 1 { "" } else { "s" },
                origin.map_or(res.kind.clone(), |o| format!("{} ({o})", res.kind)),
                if w.cel.len() == 1 { "applies" } else { "apply" },
                shown.join("; "),
                if more > 0 { format!("; and {more} more") } else { String::new() }
            ),
            "nothing to do unless --strict is used; the API server evaluates them on apply (`kubectl apply --dry-run=server`)",
        ));
    }
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(schema: Value, obj: Value) -> Vec<(&'static str, String)> {
        validate(&schema, &obj, None)
            .into_iter()
            .map(|f| (f.rule, f.path))
            .collect()
    }

    #[test]
    fn types_enums_patterns_required_unknown() {
        let schema = json!({"type": "object", "properties": {
        "spec": {"type": "object", "required": ["mode"], "properties": {
            "mode": {"type": "string", "enum": ["A", "B"]},
            "port": {"x-kubernetes-int-or-string": true},
            "n": {"type": "integer"},
            "for": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "boolean"}}}}
        }}}});
        assert!(rules(schema.clone(), json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "a"},
            "spec": {"mode": "A", "port": "http", "n": 3, "for": "5m", "free": {"x": 1}, "labels": {"a": "b"}, "list": [{"a": true}]}})).is_empty());
        let got = rules(
            schema,
            json!({"spec": {"mode": "C", "port": true, "n": "3", "for": "5 minutes",
            "labels": {"a": 1}, "list": [{"b": true}], "extra": 1}}),
        );
        assert_eq!(
            got,
            vec![
                ("schema-unknown-field", "spec.extra".to_string()),
                ("schema-pattern", "spec.for".into()),
                ("schema-type", "spec.labels.a".into()),
                ("schema-unknown-field", "spec.list[0].b".into()),
                ("schema-enum", "spec.mode".into()),
                ("schema-type", "spec.n".into()),
                ("schema-type", "spec.port".into()),
            ]
        );
        let got = rules(
            json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["mode"]}}}),
            json!({"spec": {}}),
        );
        assert_eq!(got, vec![("schema-required", "spec.mode".to_string())]);
    }

    #[test]
    fn cel_rules_on_set_fields_are_one_note() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "x-kubernetes-validations": [{"rule": "self.a > 0", "message": "a must be positive"}],
            "properties": {"a": {"type": "integer"},
                "b": {"type": "object", "x-kubernetes-validations": [{"rule": "has(self.c)"}]}}}}});
        let fs = validate(&schema, &json!({"spec": {"a": 1}}), None);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].rule, "schema-cel-not-evaluated");
        assert_eq!(fs[0].severity, Severity::Note);
        assert!(
            fs[0].message.starts_with("1 CEL rule "),
            "{}",
            fs[0].message
        );
        assert!(fs[0].message.contains("spec: a must be positive"));
        assert!(validate(&schema, &json!({"kind": "K"}), None).is_empty());
    }
}
