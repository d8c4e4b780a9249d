//! Custom OpenAPI schemas from a kustomization's `openapi: {path: ...}`: merge keys of
//! custom resources (and of whatever else the document defines). As in Kustomize, a custom
//! schema takes the place of the built-in one for the rest of the build; the build holds
//! the parsed table and hands it to patching as an [`super::openapi::OpenApi`].

use std::collections::HashMap;

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
    List { keys: Vec<String>, items: u32 },
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

/// Finds the built-in node of a common Kubernetes definition a document refers to.
pub type BuiltinLookup<'a> = &'a dyn Fn(&str) -> Option<u16>;

struct Builder<'a> {
    defs: &'a serde_json::Map<String, Value>,
    builtin: BuiltinLookup<'a>,
    nodes: Vec<CNode>,
    memo: HashMap<String, u32>,
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
        let Some(i) = (self.builtin)(name) else {
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
            self.nodes.push(CNode::List { keys, items });
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
/// `builtin` resolves references to the common Kubernetes definitions the document lacks.
pub fn build_table(doc: &Value, builtin: BuiltinLookup<'_>) -> CustomTable {
    let empty = serde_json::Map::new();
    let defs = doc
        .get("definitions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut b = Builder {
        defs,
        builtin,
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

/// Parses an OpenAPI document (YAML or JSON) into a custom schema table.
pub fn parse(text: &str, builtin: BuiltinLookup<'_>) -> Result<CustomTable, String> {
    // Kustomize converts a YAML schema to JSON through its first document only: an empty
    // one (`---` then `---`) is an empty schema.
    let doc = crate::yaml::parse_first_document(text, crate::yaml::Limits::default())
        .map_err(|e| format!("invalid OpenAPI schema: {e}"))?
        .map(|d| d.value)
        .unwrap_or(Value::Null);
    Ok(build_table(&doc, builtin))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::openapi::{builtin_definition, OpenApi};
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
        let table = build_table(&doc, &builtin_definition);
        assert!(OpenApi::BUILTIN
            .for_kind("example.com/v1", "Thing")
            .is_none());
        let added = OpenApi::custom(&table, Mode::Added);
        let spec = added
            .for_kind("example.com/v1", "Thing")
            .and_then(|s| s.field("spec"))
            .unwrap();
        assert_eq!(
            spec.field("items").and_then(|s| s.list_keys()).as_deref(),
            Some(&["id"][..])
        );
        assert!(spec.field("atomic").is_none());
        let containers = spec
            .field("template")
            .and_then(|s| s.field("spec"))
            .and_then(|s| s.field("containers"))
            .and_then(|s| s.list_keys());
        assert_eq!(containers.as_deref(), Some(&["name"][..]));
        // Built-in kinds keep their schema while a custom one is added.
        assert!(added.for_kind("apps/v1", "Deployment").is_some());
        // A top-level custom schema stands alone (checked with kubectl kustomize v5.5.0).
        let alone = OpenApi::custom(&table, Mode::Alone);
        assert!(alone.for_kind("apps/v1", "Deployment").is_none());
        let spec = alone
            .for_kind("example.com/v1", "Thing")
            .and_then(|s| s.field("spec"))
            .unwrap();
        assert!(spec.field("template").is_none());
    }

    /// The schema is a value handed to the merge, so a merge on another thread (the
    /// pipeline uses rayon) sees the custom merge keys too.
    #[test]
    fn a_merge_on_another_thread_uses_the_custom_schema() {
        use crate::resource::Gvk;
        use crate::transform::smp;
        let doc = json!({"definitions": {"v1.Thing": {
            "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Thing"}],
            "properties": {"items": {"type": "array", "x-kubernetes-patch-strategy": "merge",
                                     "x-kubernetes-patch-merge-key": "id"}}
        }}});
        let table = build_table(&doc, &builtin_definition);
        let api = OpenApi::custom(&table, Mode::Alone);
        let target = json!({"apiVersion": "example.com/v1", "kind": "Thing",
                            "items": [{"id": "a", "x": 1}]});
        let patch = json!({"items": [{"id": "b"}]});
        let merged = std::thread::scope(|s| {
            s.spawn(|| {
                let mut t = target.as_object().cloned().unwrap_or_default();
                let p = patch.as_object().cloned().unwrap_or_default();
                let gvk = Gvk::from_api_version("example.com/v1", "Thing");
                smp::merge(&mut t, &p, &gvk, api).map(|_| t)
            })
            .join()
        });
        let merged = merged.expect("thread").expect("merge");
        // Merged by `id` (the patch's new element first), not replaced.
        assert_eq!(merged["items"], json!([{"id": "b"}, {"id": "a", "x": 1}]));
    }
}
