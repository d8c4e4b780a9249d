//! YAML input and output: a position-aware parser that produces `serde_json::Value`
//! the way Kustomize's kyaml (go-yaml v3) reads it, and an emitter that prints values
//! byte-for-byte the way go-yaml v2 (and so `kubectl kustomize`) does.

pub mod emit;
pub mod parse;

pub use emit::{emit_document, emit_documents, emit_object};
pub use parse::{parse_documents, parse_first_document, Document, Limits, YamlError};
