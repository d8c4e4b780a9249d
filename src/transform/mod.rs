//! Transformers, applied per kustomization in Kustomize's order: strategic-merge patches,
//! patches, namespace, prefix, suffix, labels, annotations, JSON 6902 patches, replicas,
//! images, replacements. Name references and hash suffixes run once, at the top.

pub mod builtin;
pub mod fieldpath;
pub mod hash;
pub(crate) mod hidden;
pub mod images;
pub mod metadata;
pub mod nameref;
pub mod namespace;
pub mod patch;
pub mod prefix_suffix;
pub mod replacements;
pub mod replicas;
pub mod scalar_style;
pub mod selector;
pub mod smp;
pub mod valueadd;
pub mod vars;

/// A transformer failure, with the resource or field it concerns.
pub type TransformResult<T = ()> = Result<T, String>;
