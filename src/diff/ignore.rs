//! Ignore rules: field paths and kinds whose changes `diff` leaves out, counted, never
//! hidden without a trace.
//!
//! A path is written like the paths `diff --format paths` prints: keys separated by `.`,
//! a key that is not an identifier quoted (`metadata.labels["app.kubernetes.io/version"]`),
//! list items by `[N]`, `[key=value]` or `[*]`. `*` alone is any one key or list item; `*`
//! inside a key matches any run of characters (`metadata.annotations.checksum/*`). A rule
//! covers the field it names and everything under it.
//!
//! Rules come from `--ignore PATH` and `--ignore-kind KIND`, and from a
//! `.kagentctl-diff.yaml` next to the tree:
//!
//! ```yaml
//! ignore:
//!   - metadata.annotations.checksum/*
//!   - spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]
//! ignoreKinds: [Secret]
//! ```

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// The name of the ignore file read next to the tree.
pub const FILE_NAME: &str = ".kagentctl-diff.yaml";

/// One step of an ignore path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A map key; `*` wildcards allowed (a lone `*` is any key or list item).
    Key(String),
    /// A list item by index.
    Index(usize),
    /// A list item whose `key` field is `value`.
    Item(String, String),
    /// Any list item.
    AnyItem,
}

/// A parsed ignore path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    steps: Vec<Step>,
}

impl Pattern {
    /// Parses `metadata.annotations.checksum/*`, `spec.containers[name=app].image`, ...
    pub fn parse(text: &str) -> std::result::Result<Pattern, String> {
        let mut steps = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        let mut cur = String::new();
        let mut after_bracket = false;
        while i < b.len() {
            match b[i] {
                b'.' => {
                    if cur.is_empty() && !after_bracket {
                        return Err(format!("empty key at byte {i}"));
                    }
                    if !cur.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut cur)));
                    }
                    after_bracket = false;
                    i += 1;
                }
                b'[' => {
                    if !cur.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut cur)));
                    }
                    let end = text[i..]
                        .find(']')
                        .map(|e| i + e)
                        .ok_or_else(|| "unclosed [".to_string())?;
                    let inner = &text[i + 1..end];
                    // A quoted key may itself hold `]`.
                    let (inner, end) = if inner.starts_with('"') {
                        let close = text[i + 2..]
                            .find("\"]")
                            .map(|e| i + 2 + e)
                            .ok_or_else(|| "unclosed [\"".to_string())?;
                        (&text[i + 1..close + 1], close + 1)
                    } else {
                        (inner, end)
                    };
                    let step = if let Some(q) = inner.strip_prefix('"') {
                        let q = q.strip_suffix('"').ok_or("unclosed quote")?;
                        Step::Key(q.replace("\\\"", "\"").replace("\\\\", "\\"))
                    } else if inner == "*" {
                        Step::AnyItem
                    } else if let Ok(n) = inner.parse::<usize>() {
                        Step::Index(n)
                    } else if let Some((k, v)) = inner.split_once('=') {
                        Step::Item(k.to_string(), v.to_string())
                    } else {
                        return Err(format!(
                            "[{inner}] is not [N], [key=value], [*] or [\"key\"]"
                        ));
                    };
                    steps.push(step);
                    after_bracket = true;
                    i = end + 1;
                }
                b']' => {
                    return Err(format!(
                        "unbalanced ] at byte {i}; a key holding ] is written [\"key\"]"
                    ));
                }
                _ => {
                    let start = i;
                    while i < b.len() && !matches!(b[i], b'.' | b'[' | b']') {
                        i += 1;
                    }
                    cur.push_str(&text[start..i]);
                }
            }
        }
        if !cur.is_empty() {
            steps.push(Step::Key(cur));
        } else if !after_bracket {
            return Err("empty path, or a path ending in '.'".into());
        }
        Ok(Pattern {
            text: text.to_string(),
            steps,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Removes what this pattern names from `v`; returns whether anything was removed.
    fn strip(&self, v: &mut Value) -> bool {
        strip(&self.steps, v)
    }
}

fn strip(steps: &[Step], v: &mut Value) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return false;
    };
    let last = rest.is_empty();
    match (step, v) {
        (Step::Key(k), Value::Object(m)) => {
            let names: Vec<String> = m
                .keys()
                .filter(|name| crate::check::exempt::glob(k, name))
                .cloned()
                .collect();
            let mut removed = false;
            for name in names {
                if last {
                    removed |= m.remove(&name).is_some();
                } else if let Some(child) = m.get_mut(&name) {
                    removed |= strip(rest, child);
                }
            }
            removed
        }
        (Step::Key(k), Value::Array(items)) if k == "*" => strip_items(items, rest, |_, _| true),
        (Step::AnyItem, Value::Array(items)) => strip_items(items, rest, |_, _| true),
        (Step::Index(n), Value::Array(items)) => strip_items(items, rest, |i, _| i == *n),
        (Step::Item(key, want), Value::Array(items)) => {
            strip_items(items, rest, |_, item| match item.get(key) {
                Some(Value::String(s)) => s == want,
                Some(other) => {
                    let text = other.to_string();
                    text == *want
                }
                None => false,
            })
        }
        _ => false,
    }
}

fn strip_items(
    items: &mut Vec<Value>,
    rest: &[Step],
    pick: impl Fn(usize, &Value) -> bool,
) -> bool {
    if rest.is_empty() {
        let before = items.len();
        let mut i = 0;
        items.retain(|item| {
            let keep = !pick(i, item);
            i += 1;
            keep
        });
        return items.len() != before;
    }
    let mut removed = false;
    for (i, item) in items.iter_mut().enumerate() {
        if pick(i, item) {
            removed |= strip(rest, item);
        }
    }
    removed
}

/// The ignore file's content.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    ignore_kinds: Vec<String>,
}

/// Field paths and kinds to leave out of a diff.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    /// Field paths.
    pub paths: Vec<Pattern>,
    /// Kinds (`Secret`, `ConfigMap`).
    pub kinds: Vec<String>,
}

/// What ignore rules left out of one comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ignored {
    /// Resources of an ignored kind that differ (changed, added or removed).
    pub by_kind: usize,
    /// Field changes at ignored paths (in resources still shown or not).
    pub fields: usize,
    /// Resources whose every change was at ignored paths (so they are not shown).
    pub resources: usize,
}

impl Ignored {
    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        *self == Ignored::default()
    }

    /// `3 field changes (1 resource hidden), 2 resources by kind`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let s = |n: usize| if n == 1 { "" } else { "s" };
        if self.fields > 0 {
            let hidden = if self.resources > 0 {
                format!(
                    " ({} resource{} with no other change)",
                    self.resources,
                    s(self.resources)
                )
            } else {
                String::new()
            };
            parts.push(format!(
                "{} field change{}{hidden}",
                self.fields,
                s(self.fields)
            ));
        }
        if self.by_kind > 0 {
            parts.push(format!(
                "{} resource{} of ignored kinds",
                self.by_kind,
                s(self.by_kind)
            ));
        }
        parts.join(", ")
    }
}

impl IgnoreRules {
    /// Rules from the command line; `what` names the origin in errors.
    pub fn new(paths: &[String], kinds: &[String], what: &str) -> Result<IgnoreRules> {
        let paths = paths
            .iter()
            .map(|p| {
                Pattern::parse(p).map_err(|e| {
                    Error::Usage(format!("{what}: ignore path {p:?} is not valid: {e}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(IgnoreRules {
            paths,
            kinds: kinds.to_vec(),
        })
    }

    /// Reads an ignore file.
    pub fn load(path: &Path) -> Result<IgnoreRules> {
        let src = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let (value, lines) = crate::settings::one_document(&src, path, "the ignore file")?;
        if value.is_array() {
            // Serde would read a list as the fields in order (`- [data]` as `ignore: [data]`).
            return Err(Error::invalid(
                path,
                "the ignore file is a list; write a mapping with the keys ignore and ignoreKinds",
            ));
        }
        let f: IgnoreFile = crate::settings::from_value(
            value,
            &lines,
            path,
            "ignore file (keys: ignore, ignoreKinds)",
            |v| {
                let k = crate::settings::first_bad_key::<IgnoreFile>(v)?;
                let items = v[k].as_array().into_iter().flatten();
                Some(match items.enumerate().find(|(_, x)| !x.is_string()) {
                    Some((i, _)) => format!("{k}[{i}]"),
                    None => k.to_string(),
                })
            },
        )?;
        let mut paths = Vec::with_capacity(f.ignore.len());
        for (i, p) in f.ignore.iter().enumerate() {
            let pattern = Pattern::parse(p).map_err(|e| {
                let line = lines.line_of(&format!("ignore[{i}]")).max(1);
                Error::invalid(
                    path,
                    format!("line {line}: ignore[{i}]: path {p:?} is not valid: {e}"),
                )
            })?;
            paths.push(pattern);
        }
        let mut rules = IgnoreRules {
            paths,
            kinds: f.ignore_kinds,
        };
        rules.kinds.dedup();
        Ok(rules)
    }

    /// Both sets of rules.
    pub fn merge(mut self, other: IgnoreRules) -> IgnoreRules {
        self.paths.extend(other.paths);
        self.kinds.extend(other.kinds);
        self
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.kinds.is_empty()
    }

    fn kind_ignored(&self, v: &Value) -> bool {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        self.kinds.iter().any(|k| k == kind)
    }

    /// `objects` without the ignored kinds and paths.
    fn strip(&self, objects: &[Value]) -> Vec<Value> {
        objects
            .iter()
            .filter(|v| !self.kind_ignored(v))
            .map(|v| {
                let mut v = v.clone();
                for p in &self.paths {
                    p.strip(&mut v);
                }
                v
            })
            .collect()
    }

    /// Applies the rules to both sides of a comparison: the sides to diff, and what was
    /// left out (counted by comparing the full diff with the filtered one).
    pub fn apply(&self, old: &[Value], new: &[Value]) -> (Vec<Value>, Vec<Value>, Ignored) {
        let (o, n) = (self.strip(old), self.strip(new));
        if self.is_empty() {
            return (o, n, Ignored::default());
        }
        let full = super::diff_sets(old, new);
        let kept = super::diff_sets(&o, &n);
        let changes = |r: &super::Report, kinds: bool| -> (usize, usize) {
            let mut entries = 0;
            let mut fields = 0;
            for e in &r.entries {
                if kinds && self.kinds.iter().any(|k| k == e.key.kind) {
                    continue;
                }
                entries += 1;
                fields += e.fields.len()
                    + e.secret_keys
                        .iter()
                        .filter(|k| k.status != super::KeyStatus::Unchanged)
                        .count();
            }
            (entries, fields)
        };
        let by_kind = full
            .entries
            .iter()
            .filter(|e| self.kinds.iter().any(|k| k == e.key.kind))
            .count();
        let (full_entries, full_fields) = changes(&full, true);
        let (kept_entries, kept_fields) = changes(&kept, false);
        let ignored = Ignored {
            by_kind,
            fields: full_fields.saturating_sub(kept_fields),
            resources: full_entries.saturating_sub(kept_entries),
        };
        (o, n, ignored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strip(p: &str, mut v: Value) -> Value {
        Pattern::parse(p).expect("pattern").strip(&mut v);
        v
    }

    #[test]
    fn patterns() {
        let v = json!({"metadata": {"annotations": {"checksum/config": "a", "checksum/secret": "b", "keep": "c"}}});
        assert_eq!(
            strip("metadata.annotations.checksum/*", v),
            json!({"metadata": {"annotations": {"keep": "c"}}})
        );
        let v = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        assert_eq!(
            strip("spec.containers[name=b].image", v.clone()),
            json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}]}})
        );
        assert_eq!(
            strip("spec.containers[*].image", v.clone()),
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}})
        );
        assert_eq!(
            strip("spec.containers.*.image", v.clone()),
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}})
        );
        assert_eq!(
            strip("spec.containers[0]", v.clone()),
            json!({"spec": {"containers": [{"name": "b", "image": "y"}]}})
        );
        let v = json!({"metadata": {"labels": {"app.kubernetes.io/version": "1", "a": "b"}}});
        assert_eq!(
            strip("metadata.labels[\"app.kubernetes.io/version\"]", v),
            json!({"metadata": {"labels": {"a": "b"}}})
        );
        for bad in ["", "a..b", "a.", "a[", "a[x]", "a[\"b]"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }
}
