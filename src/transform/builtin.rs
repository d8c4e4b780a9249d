//! One typed description per builtin transformer, and the one function that applies any
//! of them.
//!
//! As in Kustomize, a kustomization field (`namePrefix:`, `patches:`, `images:`, ...) and
//! a builtin plugin configuration under `transformers:` (`apiVersion: builtin`,
//! `kind: PrefixSuffixTransformer`, ...) are two spellings of the same step: the build
//! maps each field onto a [`Builtin`], `plugins.rs` decodes each configuration into one,
//! and both run through [`apply`]. Everything a step needs (patch bodies, replacement
//! lists) is already loaded into the description: applying one reads no file.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::namespace::NsOptions;
use super::patch::{self, LoadedPatch, PatchBody, PatchOptions};
use super::replacements::Replacement;
use super::TransformResult;
use super::{hash, images, metadata, namespace, prefix_suffix, replacements, replicas, valueadd};
use crate::kustomization::{Image, Replica, Selector};
use crate::resource::ResMap;
use crate::schema::openapi::OpenApi;
use crate::schema::FieldSpec;

/// A builtin transformer with its configuration, ready to apply.
#[derive(Debug, Clone)]
pub enum Builtin<'a> {
    /// `PatchStrategicMergeTransformer` (`patchesStrategicMerge:`): patches that each find
    /// their target by the id they carry.
    StrategicMergeById(Vec<patch::SmPatch>),
    /// `PatchTransformer` (a `patches:` entry).
    Patch(LoadedPatch),
    /// `PatchJson6902Transformer` (a `patchesJson6902:` entry): a JSON 6902 patch, or
    /// strategic-merge documents, applied to what `target` selects.
    Json6902 {
        /// The patch.
        body: PatchBody,
        /// Which resources it applies to.
        target: Selector,
        /// Name/kind change options (strategic-merge bodies).
        options: PatchOptions,
        /// The objects carry build annotations (any `buildMetadata`), so a JSON patch may
        /// add under `metadata.annotations` even when the object has none.
        build_annotations: bool,
    },
    /// `NamespaceTransformer` (`namespace:`).
    Namespace {
        /// The namespace (empty: nothing to do).
        namespace: Cow<'a, str>,
        /// Fields that hold a namespace.
        field_specs: Cow<'a, [FieldSpec]>,
        /// `unsetOnly` and `setRoleBindingSubjects`.
        options: NsOptions,
    },
    /// `PrefixSuffixTransformer` (`namePrefix:`, `nameSuffix:`).
    PrefixSuffix {
        /// Prepended to names (empty: none).
        prefix: Cow<'a, str>,
        /// Appended to names (empty: none).
        suffix: Cow<'a, str>,
        /// Fields that hold a name.
        field_specs: Cow<'a, [FieldSpec]>,
    },
    /// `LabelTransformer` and `AnnotationsTransformer` (`labels:`, `commonLabels:`,
    /// `commonAnnotations:`): pairs added to the maps the field specs point at.
    Pairs {
        /// Keys and values to add.
        pairs: Cow<'a, BTreeMap<String, String>>,
        /// The maps to add them to.
        field_specs: Cow<'a, [FieldSpec]>,
    },
    /// `ReplicaCountTransformer` (a `replicas:` entry).
    ReplicaCount {
        /// Which objects, and the count.
        replica: Cow<'a, Replica>,
        /// Fields that hold a replica count.
        field_specs: Cow<'a, [FieldSpec]>,
    },
    /// `ImageTagTransformer` (`images:` entries, applied in order).
    ImageTag {
        /// The entries.
        images: Cow<'a, [Image]>,
        /// Fields that hold an image.
        field_specs: Cow<'a, [FieldSpec]>,
    },
    /// `ReplacementTransformer` (`replacements:`).
    Replacement(Cow<'a, [Replacement]>),
    /// `ValueAddTransformer`: a value written into (or inserted as a path part of) a field
    /// of the selected objects.
    ValueAdd {
        /// The value.
        value: String,
        /// Where it goes.
        targets: Vec<valueadd::Target>,
    },
    /// `HashTransformer`: the content-hash suffix of generated names.
    HashSuffix,
}

impl Builtin<'_> {
    /// The builtin kind, as Kustomize names it in `alpha.config.kubernetes.io/transformations`
    /// records.
    pub fn kind(&self) -> &'static str {
        match self {
            Builtin::StrategicMergeById(_) => "PatchStrategicMergeTransformer",
            Builtin::Patch(_) => "PatchTransformer",
            Builtin::Json6902 { .. } => "PatchJson6902Transformer",
            Builtin::Namespace { .. } => "NamespaceTransformer",
            Builtin::PrefixSuffix { prefix, .. } if !prefix.is_empty() => "PrefixTransformer",
            Builtin::PrefixSuffix { .. } => "SuffixTransformer",
            Builtin::Pairs { .. } => "LabelTransformer",
            Builtin::ReplicaCount { .. } => "ReplicaCountTransformer",
            Builtin::ImageTag { .. } => "ImageTagTransformer",
            Builtin::Replacement(_) => "ReplacementTransformer",
            Builtin::ValueAdd { .. } => "ValueAddTransformer",
            Builtin::HashSuffix => "HashTransformer",
        }
    }
}

/// Applies one builtin transformer to `m`, merging with the schema `api`: the one place
/// every builtin step runs, whichever way it was configured.
pub fn apply(m: &mut ResMap, b: &Builtin<'_>, api: OpenApi<'_>) -> TransformResult {
    run(m, b, api)?;
    // Field-spec transformers turn the null nodes they create through into maps.
    let reveal = matches!(
        b,
        Builtin::Namespace { .. }
            | Builtin::PrefixSuffix { .. }
            | Builtin::Pairs { .. }
            | Builtin::ReplicaCount { .. }
            | Builtin::ImageTag { .. }
    );
    super::hidden::settle(m, reveal)
}

fn run(m: &mut ResMap, b: &Builtin<'_>, api: OpenApi<'_>) -> TransformResult {
    match b {
        Builtin::StrategicMergeById(docs) => {
            patch::apply_smp_by_id(m, docs, PatchOptions::default(), api)
        }
        Builtin::Patch(p) => patch::apply(m, p, api),
        Builtin::Json6902 {
            body,
            target,
            options,
            build_annotations,
        } => match body {
            PatchBody::Json(ops) if *build_annotations => patch::apply_json6902(m, ops, target),
            PatchBody::Json(ops) => patch::apply_json6902_legacy(m, ops, target),
            PatchBody::Strategic(docs) => {
                for d in docs {
                    patch::apply_smp_to_target(m, d, target, *options, api)?;
                }
                Ok(())
            }
        },
        Builtin::Namespace {
            namespace,
            field_specs,
            options,
        } => namespace::apply_with(m, namespace, field_specs, *options),
        Builtin::PrefixSuffix {
            prefix,
            suffix,
            field_specs,
        } => {
            prefix_suffix::apply(m, prefix, "", field_specs, true)?;
            prefix_suffix::apply(m, "", suffix, field_specs, false)
        }
        Builtin::Pairs { pairs, field_specs } => metadata::add_pairs(m, pairs, field_specs),
        Builtin::ReplicaCount {
            replica,
            field_specs,
        } => replicas::apply(m, replica, field_specs),
        Builtin::ImageTag {
            images: list,
            field_specs,
        } => images::apply_all(m, list, field_specs),
        Builtin::Replacement(reps) => replacements::apply(m, reps),
        Builtin::ValueAdd { value, targets } => valueadd::apply(m, value, targets),
        Builtin::HashSuffix => hash::apply(m),
    }
}
