//! Validation of objects against the embedded Kubernetes API schema tables.
//!
//! The tables (`schema.json`, produced by `scripts/gen_schema.py`; format described there)
//! are embedded with `include_str!` and parsed on first use only.

use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::formats;
use super::{Finding, ResourceRef, Severity};

const SCHEMA_JSON: &str = include_str!("schema.json");

/// The parsed schema tables.
#[derive(Debug)]
pub struct Schema {
    version: String,
    kinds: Map<String, Value>,
    defs: Map<String, Value>,
}

static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();

impl Schema {
    /// The embedded tables, parsed on first call.
    pub fn get() -> crate::Result<&'static Schema> {
        SCHEMA
            .get_or_init(|| Schema::parse(SCHEMA_JSON))
            .as_ref()
            .map_err(|e| crate::Error::Build(format!("embedded schema tables are corrupt: {e}")))
    }

    /// Whether the embedded tables have been parsed in this process (they are parsed on the
    /// first `check`, never by `render` or `build`).
    pub fn is_loaded() -> bool {
        SCHEMA.get().is_some()
    }

    /// Parses tables in the generator's format.
    pub fn parse(src: &str) -> Result<Schema, String> {
        let mut v: Value = serde_json::from_str(src).map_err(|e| e.to_string())?;
        let mut take = |k: &str| match v.get_mut(k).map(Value::take) {
            Some(Value::Object(m)) => Ok(m),
            _ => Err(format!("missing object {k:?}")),
        };
        let kinds = take("kinds")?;
        let defs = take("defs")?;
        let version = v
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        Ok(Schema {
            version,
            kinds,
            defs,
        })
    }

    /// The Kubernetes version the tables were generated from (e.g. `1.32.0`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The definition name of a built-in kind (`apps/v1`, `StatefulSet` ->
    /// `apps.v1.StatefulSet`).
    pub fn def_for(&self, api_version: &str, kind: &str) -> Option<&str> {
        self.kinds
            .get(&format!("{api_version}/{kind}"))
            .and_then(Value::as_str)
    }

    /// Whether `group` (`""` for core) is a built-in API group.
    fn is_builtin_group(&self, group: &str) -> bool {
        self.kinds.keys().any(|k| {
            let gv = k.rsplit_once('/').map(|(gv, _)| gv).unwrap_or("");
            match gv.rsplit_once('/') {
                Some((g, _)) => g == group,
                None => group.is_empty(),
            }
        })
    }

    /// The apiVersions under which `kind` is served.
    fn versions_of_kind(&self, kind: &str) -> Vec<String> {
        self.kinds
            .keys()
            .filter_map(|k| {
                let (gv, k2) = k.rsplit_once('/')?;
                (k2 == kind).then(|| gv.to_string())
            })
            .collect()
    }

    /// Validates one top-level object; returns its findings (without env or source).
    pub fn validate(&self, obj: &Value) -> Vec<Finding> {
        let res = ResourceRef::of(obj);
        let mut w = Walker {
            schema: self,
            res: &res,
            out: Vec::new(),
        };
        let Some(map) = obj.as_object() else {
            w.push(
                "schema-type",
                &Path::default(),
                format!("a manifest must be a mapping, got {}", describe(obj)),
                "write the object as a YAML mapping with apiVersion, kind and metadata",
            );
            return w.out;
        };
        let mut missing = false;
        for key in ["apiVersion", "kind"] {
            match map.get(key) {
                Some(Value::String(s)) if !s.is_empty() => {}
                Some(v) if !v.is_null() => {
                    w.push(
                        "schema-type",
                        &Path::root(key),
                        format!("{key} must be a string, got {}", describe(v)),
                        format!("set {key} to a string"),
                    );
                    missing = true;
                }
                _ => {
                    w.push(
                        "schema-required",
                        &Path::root(key),
                        format!("missing required field {key:?}"),
                        format!("add {key}"),
                    );
                    missing = true;
                }
            }
        }
        if missing {
            return w.out;
        }
        let Some(def) = self.def_for(&res.api_version, &res.kind) else {
            self.unknown_kind(&mut w);
            return w.out;
        };
        let mut path = Path::default();
        w.walk(&Value::String(format!("#{def}")), obj, &mut path);
        w.check_object_name(map);
        w.out
    }

    fn unknown_kind(&self, w: &mut Walker<'_>) {
        let res = w.res;
        let group = res
            .api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("");
        if self.is_builtin_group(group) {
            let others = self.versions_of_kind(&res.kind);
            let fix = if others.is_empty() {
                format!(
                    "check the spelling of kind {:?}; it is not a Kubernetes {} kind",
                    res.kind, self.version
                )
            } else {
                format!("use apiVersion {}", others.join(" or "))
            };
            w.push(
                "schema-unknown-kind",
                &Path::root("kind"),
                format!(
                    "{} {} is not served by Kubernetes {} (removed, or misspelt apiVersion/kind)",
                    res.api_version, res.kind, self.version
                ),
                fix,
            );
        } else {
            w.out.push(Finding::new(
                "schema-not-checked",
                Severity::Note,
                res,
                "",
                format!(
                    "{} {} is not a built-in Kubernetes {} kind (a custom resource?): schema not checked",
                    res.api_version, res.kind, self.version
                ),
                "nothing to do unless --strict is used; validate custom resources against their CRD",
            ));
        }
    }
}

/// A field path inside an object.
#[derive(Debug, Clone, Default)]
pub struct Path(Vec<Seg>);

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Path {
    fn root(key: &str) -> Path {
        Path(vec![Seg::Key(key.to_string())])
    }
}

impl fmt::Display for Path {
    /// `spec.template.spec.containers[0].resources`, `metadata.labels["app.kubernetes.io/name"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
                    if !plain {
                        write!(f, "[{k:?}]")?
                    } else if i == 0 {
                        write!(f, "{k}")?
                    } else {
                        write!(f, ".{k}")?
                    }
                }
            }
        }
        Ok(())
    }
}

/// Formats a field path given as keys and indices (used by the policy rules).
pub fn path_of(parts: &[PathPart<'_>]) -> String {
    Path(
        parts
            .iter()
            .map(|p| match p {
                PathPart::Key(k) => Seg::Key(k.to_string()),
                PathPart::Index(i) => Seg::Index(*i),
            })
            .collect(),
    )
    .to_string()
}

/// One step of a field path.
#[derive(Debug, Clone, Copy)]
pub enum PathPart<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

/// Describes a value for messages: `string "5"`, `integer 5`, `a mapping`.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("number {n}"),
        Value::Number(n) => format!("integer {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "a sequence".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn short_def(def: &str) -> &str {
    def.rsplit('.').next().unwrap_or(def)
}

/// Levenshtein distance, for "did you mean" suggestions.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known field closest to `key`, if close enough to be a likely typo.
pub fn suggest<'a>(key: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    known
        .map(|k| (distance(key, k), k))
        .filter(|(d, k)| {
            let lk = k.to_lowercase();
            let lkey = key.to_lowercase();
            (*d <= 2.max(k.len() / 3) && *d < k.len())
                || (lkey.len() >= 4 && (lk.starts_with(&lkey) || lkey.starts_with(&lk)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Field formats checked beyond the OpenAPI types, as the API server's validation does.
const FIELD_FORMATS: &[(&str, &str, Format)] = &[
    ("core.v1.Container", "name", Format::DnsLabel),
    ("core.v1.EphemeralContainer", "name", Format::DnsLabel),
    ("core.v1.ContainerPort", "name", Format::IanaSvcName),
    ("core.v1.ServicePort", "name", Format::DnsLabel),
    ("core.v1.Volume", "name", Format::DnsLabel),
    ("meta.v1.ObjectMeta", "namespace", Format::DnsLabel),
];

#[derive(Debug, Clone, Copy)]
enum Format {
    DnsLabel,
    IanaSvcName,
}

struct Walker<'a> {
    schema: &'a Schema,
    res: &'a ResourceRef,
    out: Vec<Finding>,
}

impl Walker<'_> {
    fn push(
        &mut self,
        rule: &'static str,
        path: &Path,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.out.push(Finding::new(
            rule,
            Severity::Error,
            self.res,
            path.to_string(),
            message,
            fix,
        ));
    }

    fn type_error(&mut self, expected: &str, v: &Value, path: &Path) {
        let field = match path.0.last() {
            Some(Seg::Key(k)) => k.clone(),
            _ => "the value".to_string(),
        };
        let fix = match (expected, v) {
            ("integer", Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
                format!("remove the quotes: {field}: {}", s.trim())
            }
            ("boolean", Value::String(s)) if matches!(s.as_str(), "true" | "false") => {
                format!("remove the quotes: {field}: {s}")
            }
            ("string", Value::Number(_) | Value::Bool(_)) => match path.0.last() {
                Some(Seg::Key(_)) => format!("quote the value: {field}: \"{v}\""),
                _ => format!("quote the value: \"{v}\""),
            },
            _ => format!("make {field} {}", article(expected)),
        };
        self.push(
            "schema-type",
            path,
            format!("expected {expected}, got {}", describe(v)),
            fix,
        );
    }

    fn walk(&mut self, node: &Value, v: &Value, path: &mut Path) {
        if v.is_null() {
            return; // null is "unset" for the API server
        }
        match node {
            Value::String(s) => match s.as_str() {
                "s" | "i" | "i32" | "n" | "b" | "ios" | "o" => {
                    let (ok, expected) = match s.as_str() {
                        "s" => (v.is_string(), "string"),
                        "i" => (is_integer(v), "integer"),
                        "i32" if is_integer(v) => {
                            let in_range = v
                                .as_f64()
                                .is_some_and(|f| (i32::MIN as f64..=i32::MAX as f64).contains(&f));
                            if !in_range {
                                self.push(
                                    "schema-type",
                                    path,
                                    format!("{v} is out of range for a 32-bit integer"),
                                    format!("use a value between {} and {}", i32::MIN, i32::MAX),
                                );
                            }
                            (true, "integer")
                        }
                        "i32" => (false, "integer"),
                        "n" => (v.is_number(), "number"),
                        "b" => (v.is_boolean(), "boolean"),
                        "ios" => (v.is_string() || is_integer(v), "integer or string"),
                        _ => (v.is_object(), "mapping"),
                    };
                    if !ok {
                        self.type_error(expected, v, path)
                    }
                }
                "b64" => match v {
                    Value::String(b) => {
                        if !formats::is_base64(b) {
                            self.push(
                                "schema-type",
                                path,
                                "expected base64-encoded bytes, got a string that is not valid base64",
                                "encode the value with base64 (or, in a Secret, move it to stringData)",
                            );
                        }
                    }
                    _ => self.type_error("string (base64)", v, path),
                },
                "q" => match v {
                    Value::String(q) => {
                        if let Some(e) = formats::quantity_error(q) {
                            self.push(
                                "schema-quantity",
                                path,
                                e,
                                "write a quantity such as 500m or \"2\" (CPU) or 512Mi, 1Gi (memory)",
                            );
                        }
                    }
                    Value::Number(_) => {}
                    _ => self.type_error("quantity (string or number)", v, path),
                },
                "*" => {}
                d if d.starts_with('#') => {
                    let name = &d[1..];
                    if let Some(def) = self.schema.defs.get(name) {
                        self.walk_def(name, def, v, path);
                    }
                }
                _ => {}
            },
            Value::Object(n) => {
                if n.contains_key("p") {
                    self.walk_props(None, n, v, path);
                } else if let Some(item) = n.get("a") {
                    match v.as_array() {
                        Some(items) => {
                            for (i, it) in items.iter().enumerate() {
                                path.0.push(Seg::Index(i));
                                self.walk(item, it, path);
                                path.0.pop();
                            }
                        }
                        None => self.type_error("sequence", v, path),
                    }
                } else if let Some(val) = n.get("m") {
                    match v.as_object() {
                        Some(m) => {
                            for (k, it) in m {
                                path.0.push(Seg::Key(k.clone()));
                                self.walk(val, it, path);
                                path.0.pop();
                            }
                        }
                        None => self.type_error("mapping", v, path),
                    }
                } else if let Some(Value::Array(allowed)) = n.get("e") {
                    match v.as_str() {
                        Some(s) if allowed.iter().any(|a| a.as_str() == Some(s)) => {}
                        Some("") if n.contains_key("z") => {} // defaulted by the API server
                        Some(s) => {
                            let list: Vec<&str> =
                                allowed.iter().filter_map(Value::as_str).collect();
                            self.push(
                                "schema-enum",
                                path,
                                format!("{s:?} is not one of {}", list.join(", ")),
                                format!("use one of {}", list.join(", ")),
                            );
                        }
                        None => self.type_error("string", v, path),
                    }
                }
            }
            _ => {}
        }
    }

    fn walk_def(&mut self, name: &str, def: &Value, v: &Value, path: &mut Path) {
        match def.as_object() {
            Some(n) if n.contains_key("p") => self.walk_props(Some(name), n, v, path),
            _ => self.walk(def, v, path),
        }
    }

    fn walk_props(
        &mut self,
        def: Option<&str>,
        n: &Map<String, Value>,
        v: &Value,
        path: &mut Path,
    ) {
        let Some(obj) = v.as_object() else {
            self.type_error("mapping", v, path);
            return;
        };
        let empty = Map::new();
        let props = n.get("p").and_then(Value::as_object).unwrap_or(&empty);
        let owner = def.map(short_def).unwrap_or("object");
        for (k, val) in obj {
            path.0.push(Seg::Key(k.clone()));
            match props.get(k) {
                Some(node) => self.walk(node, val, path),
                None => {
                    let (message, fix) = match suggest(k, props.keys()) {
                        Some(s) => (
                            format!("unknown field {k:?} in {owner} (did you mean {s:?}?)"),
                            format!("rename {k:?} to {s:?}"),
                        ),
                        None => (
                            format!("unknown field {k:?} in {owner}"),
                            format!(
                                "remove {k:?}; {owner} has: {}",
                                props
                                    .keys()
                                    .map(String::as_str)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                    };
                    self.push("schema-unknown-field", path, message, fix);
                }
            }
            path.0.pop();
        }
        if let Some(Value::Array(req)) = n.get("r") {
            for r in req.iter().filter_map(Value::as_str) {
                if obj.get(r).is_none_or(Value::is_null) {
                    path.0.push(Seg::Key(r.to_string()));
                    self.push(
                        "schema-required",
                        path,
                        format!("missing required field {r:?} in {owner}"),
                        format!("add {path}"),
                    );
                    path.0.pop();
                }
            }
        }
        if let Some(def) = def {
            self.semantic(def, obj, path);
        }
    }

    /// Format rules the API server enforces beyond the OpenAPI types.
    fn semantic(&mut self, def: &str, obj: &Map<String, Value>, path: &mut Path) {
        for (d, field, fmt) in FIELD_FORMATS {
            if *d != def {
                continue;
            }
            let Some(s) = obj.get(*field).and_then(Value::as_str) else {
                continue;
            };
            let err = match fmt {
                Format::DnsLabel => formats::dns_label_error(s),
                Format::IanaSvcName => formats::iana_svc_name_error(s),
            };
            if let Some(e) = err {
                let fix = match fmt {
                    Format::DnsLabel => {
                        "use at most 63 lowercase letters, digits and '-' (e.g. \"my-name\")"
                    }
                    Format::IanaSvcName => {
                        "use at most 15 lowercase letters, digits and '-' (e.g. \"http\", \"a2a\")"
                    }
                };
                path.0.push(Seg::Key(field.to_string()));
                self.push("schema-name", path, e, fix);
                path.0.pop();
            }
        }
        let label_maps: &[&str] = match def {
            "meta.v1.ObjectMeta" => &["labels"],
            "meta.v1.LabelSelector" => &["matchLabels"],
            _ => &[],
        };
        for field in label_maps {
            let Some(m) = obj.get(*field).and_then(Value::as_object) else {
                continue;
            };
            for (k, val) in m {
                path.0.push(Seg::Key(field.to_string()));
                path.0.push(Seg::Key(k.clone()));
                let err = formats::qualified_name_error(k)
                    .or_else(|| val.as_str().and_then(formats::label_value_error));
                if let Some(e) = err {
                    self.push(
                        "schema-label",
                        path,
                        e,
                        "label keys are [dns-prefix/]name and values at most 63 characters of \
                         letters, digits, '-', '_' and '.'",
                    );
                }
                path.0.pop();
                path.0.pop();
            }
        }
        if def == "meta.v1.ObjectMeta" {
            if let Some(m) = obj.get("annotations").and_then(Value::as_object) {
                for k in m.keys() {
                    if let Some(e) = formats::qualified_name_error(k) {
                        path.0.push(Seg::Key("annotations".into()));
                        path.0.push(Seg::Key(k.clone()));
                        self.push(
                            "schema-label",
                            path,
                            e,
                            "annotation keys are [dns-prefix/]name",
                        );
                        path.0.pop();
                        path.0.pop();
                    }
                }
            }
        }
    }

    /// `metadata.name` of a top-level object: present, and a valid name for its kind.
    fn check_object_name(&mut self, obj: &Map<String, Value>) {
        let meta = obj.get("metadata").and_then(Value::as_object);
        let name = meta.and_then(|m| m.get("name"));
        let generate = meta
            .and_then(|m| m.get("generateName"))
            .and_then(Value::as_str);
        let path = Path(vec![Seg::Key("metadata".into()), Seg::Key("name".into())]);
        let name = match name {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return, // type error already reported
            None => {
                if generate.is_none() && !self.res.kind.ends_with("List") {
                    self.push(
                        "schema-required",
                        &path,
                        "missing required field \"name\" in ObjectMeta",
                        "add metadata.name",
                    );
                }
                return;
            }
        };
        let err = match self.res.kind.as_str() {
            "Namespace" => formats::dns_label_error(name),
            "Service" => formats::dns1035_label_error(name),
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
                formats::path_segment_error(name)
            }
            _ => formats::dns_subdomain_error(name),
        };
        if let Some(e) = err {
            self.push(
                "schema-name",
                &path,
                format!("invalid {} name: {e}", self.res.kind),
                "use lowercase letters, digits and '-' (e.g. \"kagent-config\")",
            );
        }
    }
}

fn article(t: &str) -> String {
    match t.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {t}"),
        _ => format!("a {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_parse() {
        let s = Schema::get().expect("schema");
        assert_eq!(s.version(), "1.32.0");
        assert_eq!(
            s.def_for("apps/v1", "StatefulSet"),
            Some("apps.v1.StatefulSet")
        );
        assert_eq!(
            s.def_for("policy/v1", "PodDisruptionBudget"),
            Some("policy.v1.PodDisruptionBudget")
        );
    }

    #[test]
    fn suggestions() {
        let known = ["replicas".to_string(), "selector".to_string()];
        assert_eq!(suggest("replica", known.iter()), Some("replicas"));
        assert_eq!(suggest("zzz", known.iter()), None);
        let known = [
            "initialDelaySeconds".to_string(),
            "imagePullPolicy".to_string(),
        ];
        assert_eq!(
            suggest("initialDelay", known.iter()),
            Some("initialDelaySeconds")
        );
        assert_eq!(
            suggest("imagePolicy", known.iter()),
            Some("imagePullPolicy")
        );
    }

    #[test]
    fn paths() {
        let p = Path(vec![
            Seg::Key("metadata".into()),
            Seg::Key("labels".into()),
            Seg::Key("app.kubernetes.io/name".into()),
        ]);
        assert_eq!(p.to_string(), "metadata.labels[\"app.kubernetes.io/name\"]");
        let p = Path(vec![
            Seg::Key("spec".into()),
            Seg::Key("containers".into()),
            Seg::Index(0),
            Seg::Key("name".into()),
        ]);
        assert_eq!(p.to_string(), "spec.containers[0].name");
    }
}
