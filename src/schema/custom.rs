//! Custom OpenAPI schemas from a kustomization's `openapi: {path: ...}`: merge keys of
//! custom resources (and of whatever else the document defines). As in Kustomize, a custom
//! schema takes the place of the built-in one for the rest of the build.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// "No schema" in the node table.
pub(crate) const NONE: u32 = u32::MAX;

/// One node of a custom schema graph.
#[derive(Debug)]
pub(crate) enum CNode {
    /// An object: properties (sorted by name) and the `additionalProperties` schema.
    Fields {
        fields: Vec<(String, u32)>,
        additional: u32,
    },
    /// A node of the built-in table (a definition the document refers to but lacks).
    Builtin(u16),
    /// An associative list: merge keys and the element schema.
    List {
        keys: &'static [&'static str],
        items: u32,
    },
}

/// A parsed custom schema: nodes and the roots of its group/version/kinds.
#[derive(Debug, Default)]
pub struct CustomTable {
    pub(crate) nodes: Vec<CNode>,
    roots: HashMap<(String, String), u32>,
}

impl CustomTable {
    /// The root node of `kind` in `api_version`, if the document defines it.
    pub(crate) fn root(&self, api_version: &str, kind: &str) -> Option<u32> {
        self.roots
            .get(&(api_version.to_string(), kind.to_string()))
            .copied()
    }
}

struct Builder<'a> {
    defs: &'a serde_json::Map<String, Value>,
    nodes: Vec<CNode>,
    memo: HashMap<String, u32>,
}

fn leak_keys(keys: Vec<String>) -> &'static [&'static str] {
    let v: Vec<&'static str> = keys
        .into_iter()
        .map(|k| &*Box::leak(k.into_boxed_str()))
        .collect();
    Box::leak(v.into_boxed_slice())
}

impl Builder<'_> {
    fn definition(&mut self, reference: &str) -> u32 {
        let name = reference.trim_start_matches("#/definitions/");
        if let Some(&i) = self.memo.get(name) {
            return i;
        }
        let Some(def) = self.defs.get(name) else {
            return self.builtin_definition(name);
        };
        // Reserve the index first: definitions can refer to themselves.
        let idx = self.nodes.len() as u32;
        self.memo.insert(name.to_string(), idx);
        self.nodes.push(CNode::Fields {
            fields: Vec::new(),
            additional: NONE,
        });
        let node = self.object(def);
        self.nodes[idx as usize] = node;
        idx
    }

    /// Kustomize adds a custom document to its built-in schema, so references to the
    /// common Kubernetes definitions resolve there.
    fn builtin_definition(&mut self, name: &str) -> u32 {
        let (av, kind, path): (&str, &str, &[&str]) = match name {
            "io.k8s.api.core.v1.PodTemplateSpec" => ("v1", "PodTemplate", &["template"]),
            "io.k8s.api.core.v1.PodSpec" => ("v1", "Pod", &["spec"]),
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" => ("v1", "Pod", &["metadata"]),
            _ => return NONE,
        };
        let mut node = super::merge_keys::Schema::builtin_root(av, kind);
        for f in path {
            node = node.and_then(|n| n.field(f));
        }
        let Some(super::merge_keys::Schema::Builtin(i)) = node else {
            return NONE;
        };
        let idx = self.nodes.len() as u32;
        self.nodes.push(CNode::Builtin(i));
        self.memo.insert(name.to_string(), idx);
        idx
    }

    fn object(&mut self, schema: &Value) -> CNode {
        let mut fields = Vec::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let n = self.property(prop);
                if n != NONE {
                    fields.push((name.clone(), n));
                }
            }
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let additional = match schema.get("additionalProperties") {
            Some(v @ Value::Object(_)) => self.property(v),
            _ => NONE,
        };
        CNode::Fields { fields, additional }
    }

    fn property(&mut self, prop: &Value) -> u32 {
        if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
            return self.definition(r);
        }
        let is_list = prop.get("type").and_then(Value::as_str) == Some("array")
            || prop.get("items").is_some();
        if is_list {
            let strategy = prop
                .get("x-kubernetes-patch-strategy")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !strategy.split(',').any(|s| s.trim() == "merge") {
                return NONE;
            }
            let keys: Vec<String> = match prop
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
            {
                Some(k) if !k.is_empty() => k
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                _ => prop
                    .get("x-kubernetes-patch-merge-key")
                    .and_then(Value::as_str)
                    .map(|k| vec![k.to_string()])
                    .unwrap_or_default(),
            };
            let items = match prop.get("items") {
                Some(i) => self.property(i),
                None => NONE,
            };
            let idx = self.nodes.len() as u32;
            self.nodes.push(CNode::List {
                keys: leak_keys(keys),
                items,
            });
            return idx;
        }
        if prop.get("properties").is_some() || prop.get("additionalProperties").is_some() {
            let idx = self.nodes.len() as u32;
            self.nodes.push(CNode::Fields {
                fields: Vec::new(),
                additional: NONE,
            });
            let node = self.object(prop);
            self.nodes[idx as usize] = node;
            return idx;
        }
        NONE
    }
}

/// Builds the table for an OpenAPI document (`{"definitions": {...}}`).
pub fn build_table(doc: &Value) -> CustomTable {
    let empty = serde_json::Map::new();
    let defs = doc
        .get("definitions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut b = Builder {
        defs,
        nodes: Vec::new(),
        memo: HashMap::new(),
    };
    let mut roots = HashMap::new();
    for (name, def) in defs {
        let Some(gvks) = def
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
        else {
            continue;
        };
        let idx = b.definition(name);
        for g in gvks {
            let s = |k: &str| g.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (group, version, kind) = (s("group"), s("version"), s("kind"));
            let av = if group.is_empty() {
                version
            } else {
                format!("{group}/{version}")
            };
            roots.entry((av, kind)).or_insert(idx);
        }
    }
    CustomTable {
        nodes: b.nodes,
        roots,
    }
}

/// Parses (once per distinct document) and keeps a custom schema for the process.
pub fn intern(text: &str) -> Result<&'static CustomTable, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static CustomTable>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut guard = cache
        .lock()
        .map_err(|_| "schema cache poisoned".to_string())?;
    if let Some(t) = guard.get(text) {
        return Ok(t);
    }
    let docs = crate::yaml::parse_documents(text, crate::yaml::Limits::default())
        .map_err(|e| format!("invalid OpenAPI schema: {e}"))?;
    let doc = docs
        .into_iter()
        .map(|d| d.value)
        .find(|v| !v.is_null())
        .unwrap_or(Value::Null);
    let table: &'static CustomTable = Box::leak(Box::new(build_table(&doc)));
    guard.insert(text.to_string(), table);
    Ok(table)
}

/// How a custom schema combines with the built-in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only the custom document counts (a top-level kustomization's `openapi:`).
    Alone,
    /// The custom document is added to the built-in schema (`openapi:` of a base or
    /// component): built-in kinds and definitions keep their merge keys.
    Added,
}

thread_local! {
    static ACTIVE: Cell<Option<(&'static CustomTable, Mode)>> = const { Cell::new(None) };
}

/// The custom schema in force on this thread's build, if any.
pub fn active() -> Option<(&'static CustomTable, Mode)> {
    ACTIVE.with(Cell::get)
}

/// Puts a custom schema in force until the guard is dropped.
pub fn activate(table: Option<(&'static CustomTable, Mode)>) -> ActiveGuard {
    let previous = ACTIVE.with(|a| a.replace(table));
    ActiveGuard { previous }
}

/// Restores the previously active schema when dropped.
#[derive(Debug)]
pub struct ActiveGuard {
    previous: Option<(&'static CustomTable, Mode)>,
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(self.previous));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::merge_keys::Schema;
    use serde_json::json;

    #[test]
    fn custom_kinds_get_merge_keys_and_refs_reach_builtin_definitions() {
        let doc = json!({"definitions": {
            "v1.Thing": {
                "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Thing"}],
                "properties": {
                    "spec": {"properties": {
                        "items": {"type": "array", "x-kubernetes-patch-strategy": "merge",
                                  "x-kubernetes-patch-merge-key": "id", "items": {"type": "object"}},
                        "atomic": {"type": "array", "items": {"type": "object"}},
                        "template": {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"}
                    }}
                }
            }
        }});
        let table: &'static CustomTable = Box::leak(Box::new(build_table(&doc)));
        assert!(Schema::for_kind("example.com/v1", "Thing").is_none());
        let _g = activate(Some((table, Mode::Added)));
        let spec = Schema::for_kind("example.com/v1", "Thing")
            .and_then(|s| s.field("spec"))
            .unwrap();
        assert_eq!(
            spec.field("items").and_then(|s| s.list_keys()),
            Some(&["id"][..])
        );
        assert!(spec.field("atomic").is_none());
        let containers = spec
            .field("template")
            .and_then(|s| s.field("spec"))
            .and_then(|s| s.field("containers"))
            .and_then(|s| s.list_keys());
        assert_eq!(containers, Some(&["name"][..]));
        // Built-in kinds keep their schema while a custom one is added.
        assert!(Schema::for_kind("apps/v1", "Deployment").is_some());
        drop(_g);
        // A top-level custom schema stands alone (checked with kubectl kustomize v5.5.0).
        let _g = activate(Some((table, Mode::Alone)));
        assert!(Schema::for_kind("apps/v1", "Deployment").is_none());
        let spec = Schema::for_kind("example.com/v1", "Thing")
            .and_then(|s| s.field("spec"))
            .unwrap();
        assert!(spec.field("template").is_none());
    }
}
