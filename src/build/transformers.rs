//! The transformer fields of one kustomization, in Kustomize's order: each field
//! becomes a [`Builtin`] and runs through [`run_builtin`].

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};
use crate::kustomization::{Kustomization, Patch};
use crate::load::Loader;
use crate::provenance::{Recorder, StepDesc, StepKind};
use crate::resource::ResMap;
use crate::schema::openapi::OpenApi;
use crate::schema::{FieldSpec, TransformerConfig};
use crate::transform::builtin::Builtin;
use crate::transform::namespace::NsOptions;
use crate::transform::patch::{self as patching, PatchBody};

use super::{run_builtin, run_images, Acc, Ctx};

/// The provenance step of patch `i` of `list` (`patches`, `patchesJson6902`).
fn patch_step(
    step: impl Fn(StepKind, String) -> StepDesc,
    list: &str,
    i: usize,
    json: bool,
    p: &Patch,
    ldr: &Loader,
) -> StepDesc {
    let kind = if json {
        StepKind::Json6902Patch
    } else {
        StepKind::StrategicMergePatch
    };
    let d = step(kind, format!("{list}[{i}]"));
    match p.path.as_deref().filter(|p| !p.is_empty()) {
        Some(path) => d.source(&ldr.root().join(path)),
        None => d,
    }
}

fn push_unique(specs: &mut Vec<FieldSpec>, fs: FieldSpec) {
    if !specs.contains(&fs) {
        specs.push(fs);
    }
}

/// What the transformer steps of one kustomization share.
struct Fields<'a> {
    ldr: &'a Loader,
    kfile: &'a Path,
    k: &'a Kustomization,
    /// The field specs in force.
    tc: &'a TransformerConfig,
    api: OpenApi<'a>,
    component: bool,
}

impl Fields<'_> {
    /// Describes a step of this kustomization to the provenance recorder.
    fn step(&self, kind: StepKind, field: String) -> StepDesc {
        let mut d = StepDesc::new(kind, self.kfile, field);
        d.component = self.component;
        d
    }

    /// An error in this kustomization.
    fn err(&self, message: String) -> Error {
        Error::invalid(self.kfile, message)
    }
}

impl Ctx {
    /// Runs the transformer fields of one kustomization on `acc`, in Kustomize's order.
    pub(super) fn run_transformers(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
        // The recorder, out of `self` while `api` borrows it (put back at the end).
        let mut rec = self.rec.take();
        let f = Fields {
            ldr,
            kfile,
            k,
            tc: &acc.config,
            api: self.api(),
            component: k.kind.as_deref() == Some("Component"),
        };
        let m = &mut acc.resources;
        self.strategic_merge_patches(&f, m, &mut rec)?;
        self.patches(&f, m, &mut rec)?;
        self.namespace(&f, m, &mut rec)?;
        self.name_prefix_suffix(&f, m, &mut rec)?;
        self.labels(&f, m, &mut rec)?;
        self.common_annotations(&f, m, &mut rec)?;
        self.json6902_patches(&f, m, &mut rec)?;
        self.replicas(&f, m, &mut rec)?;
        self.images(&f, m, &mut rec)?;
        self.replacements(&f, m, &mut rec)?;
        self.rec = rec;
        Ok(())
    }

    /// `patchesStrategicMerge:` (file paths or inline patches).
    fn strategic_merge_patches(
        &self,
        f: &Fields<'_>,
        m: &mut ResMap,
        rec: &mut Option<Recorder>,
    ) -> Result<()> {
        for (i, entry) in f.k.patches_strategic_merge.iter().flatten().enumerate() {
            let (text, source) = match f.ldr.resolve(entry.trim()) {
                Ok(p) if f.ldr.fs().is_file(&p) => (f.ldr.read_string(entry.trim())?.1, Some(p)),
                Err(err @ Error::Invalid { .. }) if !entry.contains('\n') => return Err(err),
                _ => (entry.clone(), None),
            };
            let b = match patching::parse_legacy_smp(&text, entry).map_err(|msg| f.err(msg))? {
                PatchBody::Strategic(docs) => Builtin::StrategicMergeById(docs),
                PatchBody::Json(_) => {
                    return Err(f.err(format!(
                        "patchesStrategicMerge entry {entry:?} is a JSON patch"
                    )))
                }
            };
            run_builtin(m, &b, f.api, rec, || {
                let d = f.step(
                    StepKind::StrategicMergePatch,
                    format!("patchesStrategicMerge[{i}]"),
                );
                match &source {
                    Some(p) => d.source(p),
                    None => d,
                }
            })
            .map_err(|msg| f.err(msg))?;
            // It merged (a patch that matches nothing fails).
            self.touch_builtin();
        }
        if f.k
            .patches_strategic_merge
            .as_ref()
            .is_some_and(|p| !p.is_empty())
        {
            self.record_transformer(m, f.kfile, "PatchStrategicMergeTransformer");
        }
        Ok(())
    }

    /// `patches:`.
    fn patches(&self, f: &Fields<'_>, m: &mut ResMap, rec: &mut Option<Recorder>) -> Result<()> {
        for (i, p) in f.k.patches.iter().flatten().enumerate() {
            let lp = crate::plugins::decode_patch(f.ldr, f.kfile, p)?;
            let json = matches!(lp.body, PatchBody::Json(_));
            let merges = !json
                && lp.target.as_ref().is_none_or(|t| {
                    crate::transform::patch::select(m, t).is_ok_and(|v| !v.is_empty())
                });
            let b = Builtin::Patch(lp);
            run_builtin(m, &b, f.api, rec, || {
                patch_step(
                    |kind, field| f.step(kind, field),
                    "patches",
                    i,
                    json,
                    p,
                    f.ldr,
                )
            })
            .map_err(|msg| f.err(msg))?;
            if merges {
                self.touch_builtin();
            }
            self.record_transformer(m, f.kfile, "PatchTransformer");
        }
        Ok(())
    }

    /// `namespace:`.
    fn namespace(&self, f: &Fields<'_>, m: &mut ResMap, rec: &mut Option<Recorder>) -> Result<()> {
        if let Some(ns) = f.k.namespace.as_deref() {
            let b = Builtin::Namespace {
                namespace: Cow::Borrowed(ns),
                field_specs: Cow::Borrowed(&f.tc.name_space),
                options: NsOptions::default(),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::Namespace, "namespace".into()).label(ns)
            })
            .map_err(|msg| f.err(msg))?;
            if !ns.is_empty() {
                self.record_transformer(m, f.kfile, "NamespaceTransformer");
            }
        }
        Ok(())
    }

    /// `namePrefix:` then `nameSuffix:`.
    fn name_prefix_suffix(
        &self,
        f: &Fields<'_>,
        m: &mut ResMap,
        rec: &mut Option<Recorder>,
    ) -> Result<()> {
        if let Some(p) = f.k.name_prefix.as_deref() {
            let b = Builtin::PrefixSuffix {
                prefix: Cow::Borrowed(p),
                suffix: Cow::Borrowed(""),
                field_specs: Cow::Borrowed(&f.tc.name_prefix),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::NamePrefix, "namePrefix".into()).label(p)
            })
            .map_err(|msg| f.err(msg))?;
            if !p.is_empty() {
                self.record_transformer(m, f.kfile, "PrefixTransformer");
            }
        }
        if let Some(s) = f.k.name_suffix.as_deref() {
            let b = Builtin::PrefixSuffix {
                prefix: Cow::Borrowed(""),
                suffix: Cow::Borrowed(s),
                field_specs: Cow::Borrowed(&f.tc.name_suffix),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::NameSuffix, "nameSuffix".into()).label(s)
            })
            .map_err(|msg| f.err(msg))?;
            if !s.is_empty() {
                self.record_transformer(m, f.kfile, "SuffixTransformer");
            }
        }
        Ok(())
    }

    /// `labels:` then `commonLabels:`.
    fn labels(&self, f: &Fields<'_>, m: &mut ResMap, rec: &mut Option<Recorder>) -> Result<()> {
        for (i, l) in f.k.labels.iter().flatten().enumerate() {
            let mut specs: Vec<FieldSpec> = Vec::new();
            for spec in &l.fields {
                let fs: FieldSpec = serde_json::from_value(spec.clone())
                    .map_err(|err| f.err(format!("invalid labels field spec: {err}")))?;
                push_unique(&mut specs, fs);
            }
            for fs in &f.tc.labels {
                push_unique(&mut specs, fs.clone());
            }
            if l.include_selectors {
                for fs in &f.tc.common_labels {
                    push_unique(&mut specs, fs.clone());
                }
            } else {
                if l.include_templates {
                    for fs in &f.tc.template_labels {
                        push_unique(&mut specs, fs.clone());
                    }
                }
                push_unique(
                    &mut specs,
                    FieldSpec {
                        path: "metadata/labels".into(),
                        create: true,
                        ..Default::default()
                    },
                );
            }
            let b = Builtin::Pairs {
                pairs: Cow::Borrowed(&l.pairs),
                field_specs: Cow::Owned(specs),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::Labels, format!("labels[{i}].pairs"))
            })
            .map_err(|msg| f.err(msg))?;
            self.record_transformer(m, f.kfile, "LabelTransformer");
        }
        if let Some(cl) = &f.k.common_labels {
            let b = Builtin::Pairs {
                pairs: Cow::Borrowed(cl),
                field_specs: Cow::Borrowed(&f.tc.common_labels),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::Labels, "commonLabels".into())
            })
            .map_err(|msg| f.err(msg))?;
        }
        if f.k.labels.as_ref().is_some_and(|l| !l.is_empty())
            || f.k.common_labels.as_ref().is_some_and(|l| !l.is_empty())
        {
            self.record_transformer(m, f.kfile, "LabelTransformer");
        }
        Ok(())
    }

    /// `commonAnnotations:`.
    fn common_annotations(
        &self,
        f: &Fields<'_>,
        m: &mut ResMap,
        rec: &mut Option<Recorder>,
    ) -> Result<()> {
        if let Some(ca) = &f.k.common_annotations {
            let b = Builtin::Pairs {
                pairs: Cow::Borrowed(ca),
                field_specs: Cow::Borrowed(&f.tc.common_annotations),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::Annotations, "commonAnnotations".into())
            })
            .map_err(|msg| f.err(msg))?;
            if !ca.is_empty() {
                self.record_transformer(m, f.kfile, "AnnotationsTransformer");
            }
        }
        Ok(())
    }

    /// `patchesJson6902:`.
    fn json6902_patches(
        &self,
        f: &Fields<'_>,
        m: &mut ResMap,
        rec: &mut Option<Recorder>,
    ) -> Result<()> {
        for (i, p) in f.k.patches_json6902.iter().flatten().enumerate() {
            let lp = crate::plugins::decode_patch(f.ldr, f.kfile, p)?;
            let Some(t) = &lp.target else {
                return Err(f.err(format!(
                    "patchesJson6902 entry {} needs a target",
                    lp.source
                )));
            };
            let json = matches!(lp.body, PatchBody::Json(_));
            let target = t.clone();
            let b = Builtin::Json6902 {
                body: lp.body,
                target,
                options: lp.options,
                // With any `buildMetadata`, Kustomize's objects carry build annotations.
                build_annotations: self.meta.any(),
            };
            run_builtin(m, &b, f.api, rec, || {
                patch_step(
                    |kind, field| f.step(kind, field),
                    "patchesJson6902",
                    i,
                    json,
                    p,
                    f.ldr,
                )
            })
            .map_err(|msg| f.err(msg))?;
            self.record_transformer(m, f.kfile, "PatchJson6902Transformer");
        }
        Ok(())
    }

    /// `replicas:`.
    fn replicas(&self, f: &Fields<'_>, m: &mut ResMap, rec: &mut Option<Recorder>) -> Result<()> {
        for (i, r) in f.k.replicas.iter().flatten().enumerate() {
            let b = Builtin::ReplicaCount {
                replica: Cow::Borrowed(r),
                field_specs: Cow::Borrowed(&f.tc.replicas),
            };
            run_builtin(m, &b, f.api, rec, || {
                f.step(StepKind::Replicas, format!("replicas[{i}].count"))
                    .label(&r.name)
            })
            .map_err(|msg| f.err(msg))?;
            self.record_transformer(m, f.kfile, "ReplicaCountTransformer");
        }
        Ok(())
    }

    /// `images:` and the deprecated `imageTags:`, in one step.
    fn images(&self, f: &Fields<'_>, m: &mut ResMap, rec: &mut Option<Recorder>) -> Result<()> {
        let imgs: Vec<_> =
            f.k.images
                .iter()
                .flatten()
                .chain(f.k.image_tags.iter().flatten())
                .cloned()
                .collect();
        // One step for the list; the recorder tells which entry wrote which value.
        let b = Builtin::ImageTag {
            images: Cow::Borrowed(&imgs),
            field_specs: Cow::Borrowed(&f.tc.images),
        };
        let n = f.k.images.as_ref().map_or(0, Vec::len);
        run_images(m, &b, f.api, rec, || {
            imgs.iter()
                .enumerate()
                .map(|(i, img)| {
                    let field = if i < n {
                        format!("images[{i}]")
                    } else {
                        format!("imageTags[{}]", i - n)
                    };
                    f.step(StepKind::Images, field)
                        .label(img.name.as_deref().unwrap_or(""))
                })
                .collect()
        })
        .map_err(|msg| f.err(msg))?;
        for _ in &imgs {
            self.record_transformer(m, f.kfile, "ImageTagTransformer");
        }
        Ok(())
    }

    /// `replacements:`, the last builtin transformer.
    fn replacements(
        &self,
        f: &Fields<'_>,
        m: &mut ResMap,
        rec: &mut Option<Recorder>,
    ) -> Result<()> {
        if let Some(entries) = f.k.replacements.as_deref().filter(|r| !r.is_empty()) {
            let reps = crate::plugins::decode_replacements(entries, f.ldr, f.kfile)?;
            if rec.is_some() {
                // One replacement at a time, to tell which one wrote which value.
                let one_per_entry = reps.len() == entries.len();
                for (i, rep) in reps.iter().enumerate() {
                    let b = Builtin::Replacement(Cow::Borrowed(std::slice::from_ref(rep)));
                    let field = if one_per_entry {
                        format!("replacements[{i}]")
                    } else {
                        "replacements".to_string()
                    };
                    let from = rep.source.as_ref().map(|s| {
                        let path = if s.field_path.is_empty() {
                            "metadata.name"
                        } else {
                            &s.field_path
                        };
                        format!("from {}/{} {path}", s.id.kind, s.id.name)
                    });
                    run_builtin(m, &b, f.api, rec, || {
                        f.step(StepKind::Replacement, field)
                            .label(from.unwrap_or_default())
                    })
                    .map_err(|msg| f.err(msg))?;
                }
            } else {
                let b = Builtin::Replacement(Cow::Borrowed(&reps));
                run_builtin(m, &b, f.api, rec, || {
                    f.step(StepKind::Replacement, "replacements".into())
                })
                .map_err(|msg| f.err(msg))?;
            }
            self.record_transformer(m, f.kfile, "ReplacementTransformer");
        }
        Ok(())
    }
}
