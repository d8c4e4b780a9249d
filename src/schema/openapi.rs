//! The merge schema of a build: where strategic merge finds the merge keys of a kind.
//!
//! Kustomize merges with the Kubernetes v1.21.2 schema it compiles in
//! (`merge_keys.rs`, a generated table included here), unless a kustomization names its own
//! document with `openapi: {path: ...}` ([`super::custom`]). The schema in force is a
//! value, [`OpenApi`], that the build hands to every patching step: nothing is kept in
//! globals or thread-locals, so a merge runs the same on any thread.

use std::borrow::Cow;

use super::custom::{CNode, CustomTable, Mode, NONE as CUSTOM_NONE};

/// Marks "no schema" in the built-in node table.
const NONE: u16 = u16::MAX;

/// One node of the pruned built-in schema graph (the generated table's element type).
enum Node {
    /// An object: named properties (sorted by name) and the schema of
    /// `additionalProperties` values.
    Fields {
        fields: &'static [(&'static str, u16)],
        additional: u16,
    },
    /// An associative list (patch strategy `merge`) with its merge keys (empty for a list
    /// of primitives) and the schema of its elements.
    List {
        keys: &'static [&'static str],
        items: u16,
    },
}

// The generated tables: `NODES` and `ROOTS` (data only).
include!("merge_keys.rs");

/// Parses a custom OpenAPI document (`openapi: {path: ...}`), resolving references to
/// the common Kubernetes definitions in the built-in table.
pub fn parse_custom(text: &str) -> Result<CustomTable, String> {
    super::custom::parse(text, &builtin_definition)
}

/// The built-in node of a common Kubernetes definition that Kustomize resolves in its
/// built-in schema when a custom document refers to it without defining it.
pub fn builtin_definition(name: &str) -> Option<u16> {
    let (av, kind, path): (&str, &str, &[&str]) = match name {
        "io.k8s.api.core.v1.PodTemplateSpec" => ("v1", "PodTemplate", &["template"]),
        "io.k8s.api.core.v1.PodSpec" => ("v1", "Pod", &["spec"]),
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" => ("v1", "Pod", &["metadata"]),
        _ => return None,
    };
    let mut node = Schema::builtin_root(av, kind);
    for f in path {
        node = node.and_then(|n| n.field(f));
    }
    match node {
        Some(Schema::Builtin(i)) => Some(i),
        _ => None,
    }
}

/// The OpenAPI schema in force for a build: the built-in one, or a custom document
/// alone or added to it. Cheap to copy; pass it to whatever merges.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenApi<'a> {
    custom: Option<(&'a CustomTable, Mode)>,
}

impl OpenApi<'static> {
    /// Only the compiled-in Kubernetes schema (Kustomize's default).
    pub const BUILTIN: OpenApi<'static> = OpenApi { custom: None };
}

impl<'a> OpenApi<'a> {
    /// A custom document, alone or added to the built-in schema.
    pub fn custom(table: &'a CustomTable, mode: Mode) -> OpenApi<'a> {
        OpenApi {
            custom: Some((table, mode)),
        }
    }

    /// The schema of a kind, or `None` for kinds without one (custom resources the
    /// schema does not define) and kinds without any associative list.
    pub fn for_kind(self, api_version: &str, kind: &str) -> Option<Schema<'a>> {
        // A custom schema replaces the built-in one, as in Kustomize.
        match self.custom {
            Some((t, mode)) => match t.root(api_version, kind) {
                Some(i) => Schema::custom_node(t, mode, i),
                None if mode == Mode::Added => Schema::builtin_root(api_version, kind),
                None => None,
            },
            None => Schema::builtin_root(api_version, kind),
        }
    }
}

/// A position in the schema of a kind, from which associative lists can be reached.
/// Positions with no associative list below them have no `Schema`.
#[derive(Debug, Clone, Copy)]
pub enum Schema<'a> {
    /// A node of the compiled-in Kubernetes 1.21.2 table.
    Builtin(u16),
    /// A node of a custom schema (`openapi: {path: ...}` of a kustomization).
    Custom(&'a CustomTable, Mode, u32),
}

impl PartialEq for Schema<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Schema::Builtin(a), Schema::Builtin(b)) => a == b,
            (Schema::Custom(ta, _, a), Schema::Custom(tb, _, b)) => {
                std::ptr::eq(*ta, *tb) && a == b
            }
            _ => false,
        }
    }
}

impl Eq for Schema<'_> {}

impl<'a> Schema<'a> {
    /// The built-in schema of a kind, ignoring any custom schema.
    pub fn builtin_root(api_version: &str, kind: &str) -> Option<Schema<'a>> {
        ROOTS
            .binary_search_by(|(k, av, _)| (*k, *av).cmp(&(kind, api_version)))
            .ok()
            .map(|i| Schema::Builtin(ROOTS[i].2))
    }

    fn custom_node(t: &'a CustomTable, mode: Mode, i: u32) -> Option<Schema<'a>> {
        if i == CUSTOM_NONE {
            return None;
        }
        match t.nodes[i as usize] {
            // A built-in definition the document refers to counts only when the custom
            // document is added to the built-in schema.
            CNode::Builtin(b) => (mode == Mode::Added).then_some(Schema::Builtin(b)),
            _ => Some(Schema::Custom(t, mode, i)),
        }
    }

    /// The schema of field `name` of an object (a property, or else the
    /// `additionalProperties` value schema), if anything associative lies below it.
    pub fn field(self, name: &str) -> Option<Schema<'a>> {
        match self {
            Schema::Builtin(i) => match &NODES[usize::from(i)] {
                Node::Fields { fields, additional } => {
                    let idx = match fields.binary_search_by(|(k, _)| (*k).cmp(name)) {
                        Ok(i) => fields[i].1,
                        Err(_) => *additional,
                    };
                    (idx != NONE).then_some(Schema::Builtin(idx))
                }
                Node::List { .. } => None,
            },
            Schema::Custom(t, mode, i) => match &t.nodes[i as usize] {
                CNode::Fields { fields, additional } => {
                    let idx = match fields.binary_search_by(|(k, _)| k.as_str().cmp(name)) {
                        Ok(i) => fields[i].1,
                        Err(_) => *additional,
                    };
                    Schema::custom_node(t, mode, idx)
                }
                CNode::List { .. } | CNode::Builtin(_) => None,
            },
        }
    }

    /// The merge keys if this is an associative list (empty for a list of primitives
    /// merged as a set), or `None` for an object.
    pub fn list_keys(self) -> Option<Cow<'a, [&'a str]>> {
        match self {
            Schema::Builtin(i) => match &NODES[usize::from(i)] {
                Node::List { keys, .. } => Some(Cow::Borrowed(*keys)),
                Node::Fields { .. } => None,
            },
            Schema::Custom(t, _, i) => match &t.nodes[i as usize] {
                CNode::List { keys, .. } => {
                    Some(Cow::Owned(keys.iter().map(String::as_str).collect()))
                }
                CNode::Fields { .. } | CNode::Builtin(_) => None,
            },
        }
    }

    /// The schema of the elements of an associative list.
    pub fn elements(self) -> Option<Schema<'a>> {
        match self {
            Schema::Builtin(i) => match &NODES[usize::from(i)] {
                Node::List { items, .. } => (*items != NONE).then_some(Schema::Builtin(*items)),
                Node::Fields { .. } => None,
            },
            Schema::Custom(t, mode, i) => match &t.nodes[i as usize] {
                CNode::List { items, .. } => Schema::custom_node(t, mode, *items),
                CNode::Fields { .. } | CNode::Builtin(_) => None,
            },
        }
    }
}
