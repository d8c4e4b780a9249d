//! Field-level changes between two objects, addressed by path:
//! `spec.template.spec.containers[name=kagent].resources.limits.cpu`.
//!
//! Map keys that are not plain identifiers are quoted (`metadata.labels["app.kubernetes.io/name"]`).
//! List items are addressed by a merge key when every item on both sides is a map with a
//! unique scalar value for it: first the list's patch merge key in the Kubernetes schema of
//! built-in kinds (the table the strategic merge uses: `containerPort` for container ports,
//! `topologyKey` for `topologySpreadConstraints`, `type` for `conditions`), else the first of
//! `name`, `containerPort`, `port`, `mountPath`, `devicePath`, `ip` (custom resources,
//! atomic lists); else items are addressed by index. A list of scalars is compared as a
//! whole. Values are printed in YAML flow style; a string is quoted when YAML
//! would read it as something else (`"2"`), so types stay visible.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::Value;

use super::mask::{LAST_APPLIED, SECRET_FIELDS};
use crate::schema::openapi::{OpenApi, Schema};

/// What happened at one path.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<'a> {
    /// Present on both sides with different values (old, new).
    Changed(&'a Value, &'a Value),
    /// Only on the new side.
    Added(&'a Value),
    /// Only on the old side.
    Removed(&'a Value),
    /// A keyed list whose common items changed order.
    Reordered,
}

/// One changed path.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange<'a> {
    /// `spec.replicas`, `spec.template.spec.containers[name=kagent].image`, ...
    pub path: String,
    /// What happened there.
    pub change: Change<'a>,
}

impl FieldChange<'_> {
    /// `path: old -> new`; an absent side reads `(none)`.
    pub fn line(&self) -> String {
        let mut s = String::with_capacity(self.path.len() + 32);
        s.push_str(&self.path);
        s.push_str(": ");
        match &self.change {
            Change::Changed(a, b) => {
                flow(a, &mut s);
                s.push_str(" -> ");
                flow(b, &mut s);
            }
            Change::Added(b) => {
                s.push_str("(none) -> ");
                flow(b, &mut s);
            }
            Change::Removed(a) => {
                flow(a, &mut s);
                s.push_str(" -> (none)");
            }
            Change::Reordered => s.push_str("(order changed)"),
        }
        s
    }
}

/// Keys tried, in order, to address the items of a list of maps that has no merge key in
/// the schema.
const MERGE_KEYS: [&str; 6] = [
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
];

/// The field-level changes from `old` to `new`. For a Secret (`secret`), the top-level
/// `data`/`stringData` maps and the last-applied annotation are skipped: their keys are
/// reported, masked, by [`super::mask::mask_pair`].
pub fn diff_fields<'a>(old: &'a Value, new: &'a Value, secret: bool) -> Vec<FieldChange<'a>> {
    let mut out = Vec::new();
    let mut path = String::new();
    Walker {
        secret,
        out: &mut out,
    }
    .walk(&mut path, 0, schema_of(new), old, new);
    out
}

struct Walker<'o, 'a> {
    secret: bool,
    out: &'o mut Vec<FieldChange<'a>>,
}

impl<'a> Walker<'_, 'a> {
    fn push(&mut self, path: &str, change: Change<'a>) {
        self.out.push(FieldChange {
            path: path.to_string(),
            change,
        });
    }

    fn skipped(&self, path: &str, depth: usize, key: &str) -> bool {
        self.secret
            && ((depth == 0 && SECRET_FIELDS.contains(&key))
                || (depth == 2 && key == LAST_APPLIED && path == "metadata.annotations"))
    }

    /// Compares `old` and `new` at `path`; `schema` is the schema position of `path`.
    fn walk(
        &mut self,
        path: &mut String,
        depth: usize,
        schema: Option<Schema<'static>>,
        old: &'a Value,
        new: &'a Value,
    ) {
        if old == new {
            return;
        }
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                let mut keys: Vec<&'a String> = a.keys().collect();
                keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
                keys.sort_unstable();
                for k in keys {
                    if self.skipped(path, depth, k) {
                        continue;
                    }
                    let len = path.len();
                    push_key(path, k);
                    match (a.get(k), b.get(k)) {
                        (Some(x), Some(y)) => {
                            let child = schema.and_then(|s| s.field(k));
                            self.walk(path, depth + 1, child, x, y)
                        }
                        (Some(x), None) => self.push(path, Change::Removed(x)),
                        (None, Some(y)) => self.push(path, Change::Added(y)),
                        (None, None) => {}
                    }
                    path.truncate(len);
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                self.walk_list(path, depth, schema, (old, new), (a, b))
            }
            _ => self.push(path, Change::Changed(old, new)),
        }
    }

    fn walk_list(
        &mut self,
        path: &mut String,
        depth: usize,
        schema: Option<Schema<'static>>,
        (old, new): (&'a Value, &'a Value),
        (a, b): (&'a [Value], &'a [Value]),
    ) {
        let all_maps = |l: &[Value]| l.iter().all(Value::is_object);
        if a.is_empty() || b.is_empty() || !all_maps(a) || !all_maps(b) {
            self.push(path, Change::Changed(old, new));
            return;
        }
        let items = schema.and_then(|s| s.elements());
        let key = schema
            .and_then(|s| s.list_keys())
            .and_then(|keys| keys.first().copied())
            .and_then(|k| KeyedList::new(k, a, b))
            .or_else(|| MERGE_KEYS.iter().find_map(|k| KeyedList::new(k, a, b)));
        if let Some(key) = key {
            self.walk_keyed(path, depth, items, &key, (a, b));
            return;
        }
        let len = path.len();
        for i in 0..a.len().max(b.len()) {
            let _ = write!(path, "[{i}]");
            match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => self.walk(path, depth + 1, items, x, y),
                (Some(x), None) => self.push(path, Change::Removed(x)),
                (None, Some(y)) => self.push(path, Change::Added(y)),
                (None, None) => {}
            }
            path.truncate(len);
        }
    }

    fn walk_keyed(
        &mut self,
        path: &mut String,
        depth: usize,
        items: Option<Schema<'static>>,
        key: &KeyedList,
        (a, b): (&'a [Value], &'a [Value]),
    ) {
        let len = path.len();
        for (j, y) in b.iter().enumerate() {
            let kv = &key.new_ids[j];
            let _ = write!(path, "[{}={}]", key.field, kv);
            match key.old_pos.get(kv.as_str()) {
                Some(&i) => self.walk(path, depth + 1, items, &a[i], y),
                None => self.push(path, Change::Added(y)),
            }
            path.truncate(len);
        }
        for (i, x) in a.iter().enumerate() {
            let kv = &key.old_ids[i];
            if !key.new_pos.contains_key(kv.as_str()) {
                let _ = write!(path, "[{}={}]", key.field, kv);
                self.push(path, Change::Removed(x));
                path.truncate(len);
            }
        }
        let common_old = key
            .old_ids
            .iter()
            .filter(|k| key.new_pos.contains_key(k.as_str()));
        let common_new = key
            .new_ids
            .iter()
            .filter(|k| key.old_pos.contains_key(k.as_str()));
        if !common_old.eq(common_new) {
            self.push(path, Change::Reordered);
        }
    }
}

/// The schema of a built-in object's kind, if Kustomize has one.
fn schema_of(v: &Value) -> Option<Schema<'static>> {
    let api_version = v.get("apiVersion")?.as_str()?;
    OpenApi::BUILTIN.for_kind(api_version, v.get("kind")?.as_str()?)
}

/// A list pair addressed by a merge key.
struct KeyedList {
    field: &'static str,
    old_ids: Vec<String>,
    new_ids: Vec<String>,
    old_pos: HashMap<String, usize>,
    new_pos: HashMap<String, usize>,
}

impl KeyedList {
    /// `Some` when every item on both sides has a unique scalar `field`.
    fn new(field: &'static str, a: &[Value], b: &[Value]) -> Option<Self> {
        let (old_ids, old_pos) = ids(field, a)?;
        let (new_ids, new_pos) = ids(field, b)?;
        Some(KeyedList {
            field,
            old_ids,
            new_ids,
            old_pos,
            new_pos,
        })
    }
}

type Ids = (Vec<String>, HashMap<String, usize>);

fn ids(field: &str, items: &[Value]) -> Option<Ids> {
    let mut list = Vec::with_capacity(items.len());
    let mut pos = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = match item.get(field)? {
            Value::String(s) => {
                if is_plain_id(s) {
                    s.clone()
                } else {
                    Value::String(s.clone()).to_string()
                }
            }
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        if pos.insert(id.clone(), i).is_some() {
            return None;
        }
        list.push(id);
    }
    Some((list, pos))
}

fn is_plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/:-".contains(&b))
}

/// `prefix.key`, quoting the key as [`diff_fields`] paths do (`data.A2A_TOKEN`,
/// `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`).
pub fn key_path(prefix: &str, key: &str) -> String {
    let mut p = prefix.to_string();
    if !key.is_empty() {
        push_key(&mut p, key);
    }
    p
}

/// Appends `.key` (or `key` at the root), or `["key"]` when the key is not an identifier.
fn push_key(path: &mut String, key: &str) {
    let ident = key
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'-');
    if ident {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::String(key.to_string()).to_string());
        path.push(']');
    }
}

/// Appends `v` in YAML flow style: `{a: 1, b: [x, y]}`; strings quoted (JSON escapes)
/// when a plain scalar would not read back as the same string.
pub fn flow(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => flow_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow_str(k, out);
                out.push_str(": ");
                flow(x, out);
            }
            out.push('}');
        }
    }
}

fn flow_str(s: &str, out: &mut String) {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !s.ends_with([':', ' '])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/:=+@~-".contains(&b))
        && crate::yaml::parse::resolve_plain(s).as_str() == Some(s);
    if plain {
        out.push_str(s);
    } else {
        let _ = write!(out, "{}", Value::String(s.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(old: &Value, new: &Value) -> Vec<String> {
        diff_fields(old, new, false)
            .iter()
            .map(FieldChange::line)
            .collect()
    }

    #[test]
    fn scalars_maps_and_quoting() {
        let old = json!({"spec": {"replicas": 1, "x": "keep"},
                          "metadata": {"labels": {"app.kubernetes.io/name": "a"}}});
        let new = json!({"spec": {"replicas": 5, "y": "2"},
                          "metadata": {"labels": {"app.kubernetes.io/name": "b c"}}});
        assert_eq!(
            lines(&old, &new),
            vec![
                r#"metadata.labels["app.kubernetes.io/name"]: a -> "b c""#,
                "spec.replicas: 1 -> 5",
                "spec.x: keep -> (none)",
                r#"spec.y: (none) -> "2""#,
            ]
        );
    }

    #[test]
    fn containers_by_name_ports_by_container_port() {
        let c = |cpu: &str, port: u64| {
            json!({"spec": {"containers": [
                {"name": "sidecar", "image": "s"},
                {"name": "kagent", "resources": {"limits": {"cpu": cpu}},
                 "ports": [{"containerPort": port, "protocol": "TCP"}],
                 "volumeMounts": [{"mountPath": "/tmp", "readOnly": false}]}]}})
        };
        let mut new = c("2", 9090);
        new["spec"]["containers"][1]["volumeMounts"][0]["readOnly"] = json!(true);
        assert_eq!(
            lines(&c("500m", 8080), &new),
            vec![
                r#"spec.containers[name=kagent].ports[containerPort=9090]: (none) -> {containerPort: 9090, protocol: TCP}"#,
                r#"spec.containers[name=kagent].ports[containerPort=8080]: {containerPort: 8080, protocol: TCP} -> (none)"#,
                r#"spec.containers[name=kagent].resources.limits.cpu: 500m -> "2""#,
                "spec.containers[name=kagent].volumeMounts[mountPath=/tmp].readOnly: false -> true",
            ]
        );
    }

    #[test]
    fn built_in_kinds_use_the_schema_merge_keys() {
        let sts = |port: u64, skew: u64| {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {
                "containers": [{"name": "kagent",
                                "ports": [{"name": "a2a", "containerPort": port}]}],
                "topologySpreadConstraints": [
                    {"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "maxSkew": skew}],
                "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                    {"name": "x", "topologyKey": "a"}]}}}}}})
        };
        let mut new = sts(9090, 2);
        new["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
            ["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"] = json!("b");
        assert_eq!(
            lines(&sts(8080, 1), &new),
            vec![
                // An atomic list in the schema: the generic keys still apply.
                "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[name=x].topologyKey: a -> b",
                // The schema's key (containerPort) wins over name.
                "spec.template.spec.containers[name=kagent].ports[containerPort=9090]: (none) -> {containerPort: 9090, name: a2a}",
                "spec.template.spec.containers[name=kagent].ports[containerPort=8080]: {containerPort: 8080, name: a2a} -> (none)",
                "spec.template.spec.topologySpreadConstraints[topologyKey=zone].maxSkew: 1 -> 2",
            ]
        );
    }

    #[test]
    fn index_lists_scalar_lists_and_reorder() {
        let old =
            json!({"rules": [{"verbs": ["get", "list"]}], "l": [{"name": "a"}, {"name": "b"}]});
        let new = json!({"rules": [{"verbs": ["get"]}, {"verbs": []}], "l": [{"name": "b"}, {"name": "a"}]});
        assert_eq!(
            lines(&old, &new),
            vec![
                "l: (order changed)",
                "rules[0].verbs: [get, list] -> [get]",
                "rules[1]: (none) -> {verbs: []}",
            ]
        );
    }

    #[test]
    fn secret_data_is_skipped() {
        let old = json!({"kind": "Secret", "data": {"A": "x"}, "type": "Opaque",
                          "metadata": {"annotations": {LAST_APPLIED: "x", "o": "1"}}});
        let new = json!({"kind": "Secret", "data": {"A": "y"}, "type": "Other",
                          "metadata": {"annotations": {LAST_APPLIED: "y", "o": "2"}}});
        let got: Vec<String> = diff_fields(&old, &new, true)
            .iter()
            .map(FieldChange::line)
            .collect();
        assert_eq!(
            got,
            vec![
                r#"metadata.annotations.o: "1" -> "2""#,
                "type: Opaque -> Other"
            ]
        );
    }

    #[test]
    fn flow_quotes_what_yaml_would_misread() {
        let f = |v: Value| {
            let mut s = String::new();
            flow(&v, &mut s);
            s
        };
        assert_eq!(f(json!("2")), r#""2""#);
        assert_eq!(f(json!("true")), r#""true""#);
        assert_eq!(f(json!("")), r#""""#);
        assert_eq!(f(json!("500m")), "500m");
        assert_eq!(
            f(json!("https://vapora.vapora.svc.cluster.local:8443")),
            "https://vapora.vapora.svc.cluster.local:8443"
        );
        assert_eq!(f(json!("a, b")), r#""a, b""#);
        assert_eq!(f(json!({"k": [1, null]})), "{k: [1, null]}");
    }
}
