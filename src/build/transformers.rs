//! The transformer fields of one kustomization, in Kustomize's order: each field
//! becomes a [`Builtin`] and runs through [`run_builtin`].

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};
use crate::kustomization::{Kustomization, Patch};
use crate::load::Loader;
use crate::provenance::{StepDesc, StepKind};
use crate::schema::FieldSpec;
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

impl Ctx {
    pub(super) fn run_transformers(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
        let e = |m: String| Error::invalid(kfile, m);
        let m = &mut acc.resources;
        let tc = &acc.config;
        // The recorder, out of `self` while `api` borrows it (put back at the end).
        let mut rec = self.rec.take();
        let api = self.api();
        let component = k.kind.as_deref() == Some("Component");
        // Describes a step of this kustomization to the provenance recorder.
        let step = |kind: StepKind, field: String| {
            let mut d = StepDesc::new(kind, kfile, field);
            d.component = component;
            d
        };
        // patchesStrategicMerge: file paths or inline patches.
        for (i, entry) in k.patches_strategic_merge.iter().flatten().enumerate() {
            let (text, source) = match ldr.resolve(entry.trim()) {
                Ok(p) if ldr.fs().is_file(&p) => (ldr.read_string(entry.trim())?.1, Some(p)),
                Err(err @ Error::Invalid { .. }) if !entry.contains('\n') => return Err(err),
                _ => (entry.clone(), None),
            };
            let b = match patching::parse_legacy_smp(&text, entry).map_err(e)? {
                PatchBody::Strategic(docs) => Builtin::StrategicMergeById(docs),
                PatchBody::Json(_) => {
                    return Err(e(format!(
                        "patchesStrategicMerge entry {entry:?} is a JSON patch"
                    )))
                }
            };
            run_builtin(m, &b, api, &mut rec, || {
                let d = step(
                    StepKind::StrategicMergePatch,
                    format!("patchesStrategicMerge[{i}]"),
                );
                match &source {
                    Some(p) => d.source(p),
                    None => d,
                }
            })
            .map_err(e)?;
        }
        if k.patches_strategic_merge
            .as_ref()
            .is_some_and(|p| !p.is_empty())
        {
            self.record_transformer(m, kfile, "PatchStrategicMergeTransformer");
        }
        for (i, p) in k.patches.iter().flatten().enumerate() {
            let lp = crate::plugins::decode_patch(ldr, kfile, p)?;
            let json = matches!(lp.body, PatchBody::Json(_));
            let b = Builtin::Patch(lp);
            run_builtin(m, &b, api, &mut rec, || {
                patch_step(step, "patches", i, json, p, ldr)
            })
            .map_err(e)?;
            self.record_transformer(m, kfile, "PatchTransformer");
        }
        if let Some(ns) = k.namespace.as_deref() {
            let b = Builtin::Namespace {
                namespace: Cow::Borrowed(ns),
                field_specs: Cow::Borrowed(&tc.name_space),
                options: NsOptions::default(),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::Namespace, "namespace".into()).label(ns)
            })
            .map_err(e)?;
            if !ns.is_empty() {
                self.record_transformer(m, kfile, "NamespaceTransformer");
            }
        }
        if let Some(p) = k.name_prefix.as_deref() {
            let b = Builtin::PrefixSuffix {
                prefix: Cow::Borrowed(p),
                suffix: Cow::Borrowed(""),
                field_specs: Cow::Borrowed(&tc.name_prefix),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::NamePrefix, "namePrefix".into()).label(p)
            })
            .map_err(e)?;
            if !p.is_empty() {
                self.record_transformer(m, kfile, "PrefixTransformer");
            }
        }
        if let Some(s) = k.name_suffix.as_deref() {
            let b = Builtin::PrefixSuffix {
                prefix: Cow::Borrowed(""),
                suffix: Cow::Borrowed(s),
                field_specs: Cow::Borrowed(&tc.name_suffix),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::NameSuffix, "nameSuffix".into()).label(s)
            })
            .map_err(e)?;
            if !s.is_empty() {
                self.record_transformer(m, kfile, "SuffixTransformer");
            }
        }
        for (i, l) in k.labels.iter().flatten().enumerate() {
            let mut specs: Vec<FieldSpec> = Vec::new();
            for f in &l.fields {
                let fs: FieldSpec = serde_json::from_value(f.clone())
                    .map_err(|err| e(format!("invalid labels field spec: {err}")))?;
                push_unique(&mut specs, fs);
            }
            for fs in &tc.labels {
                push_unique(&mut specs, fs.clone());
            }
            if l.include_selectors {
                for fs in &tc.common_labels {
                    push_unique(&mut specs, fs.clone());
                }
            } else {
                if l.include_templates {
                    for fs in &tc.template_labels {
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
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::Labels, format!("labels[{i}].pairs"))
            })
            .map_err(e)?;
            self.record_transformer(m, kfile, "LabelTransformer");
        }
        if let Some(cl) = &k.common_labels {
            let b = Builtin::Pairs {
                pairs: Cow::Borrowed(cl),
                field_specs: Cow::Borrowed(&tc.common_labels),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::Labels, "commonLabels".into())
            })
            .map_err(e)?;
        }
        if k.labels.as_ref().is_some_and(|l| !l.is_empty())
            || k.common_labels.as_ref().is_some_and(|l| !l.is_empty())
        {
            self.record_transformer(m, kfile, "LabelTransformer");
        }
        if let Some(ca) = &k.common_annotations {
            let b = Builtin::Pairs {
                pairs: Cow::Borrowed(ca),
                field_specs: Cow::Borrowed(&tc.common_annotations),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::Annotations, "commonAnnotations".into())
            })
            .map_err(e)?;
            if !ca.is_empty() {
                self.record_transformer(m, kfile, "AnnotationsTransformer");
            }
        }
        for (i, p) in k.patches_json6902.iter().flatten().enumerate() {
            let lp = crate::plugins::decode_patch(ldr, kfile, p)?;
            let Some(t) = &lp.target else {
                return Err(e(format!(
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
            run_builtin(m, &b, api, &mut rec, || {
                patch_step(step, "patchesJson6902", i, json, p, ldr)
            })
            .map_err(e)?;
            self.record_transformer(m, kfile, "PatchJson6902Transformer");
        }
        for (i, r) in k.replicas.iter().flatten().enumerate() {
            let b = Builtin::ReplicaCount {
                replica: Cow::Borrowed(r),
                field_specs: Cow::Borrowed(&tc.replicas),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::Replicas, format!("replicas[{i}].count")).label(&r.name)
            })
            .map_err(e)?;
            self.record_transformer(m, kfile, "ReplicaCountTransformer");
        }
        let imgs: Vec<_> = k
            .images
            .iter()
            .flatten()
            .chain(k.image_tags.iter().flatten())
            .cloned()
            .collect();
        // One step for the list; the recorder tells which entry wrote which value.
        let b = Builtin::ImageTag {
            images: Cow::Borrowed(&imgs),
            field_specs: Cow::Borrowed(&tc.images),
        };
        let n = k.images.as_ref().map_or(0, Vec::len);
        run_images(m, &b, api, &mut rec, || {
            imgs.iter()
                .enumerate()
                .map(|(i, img)| {
                    let field = if i < n {
                        format!("images[{i}]")
                    } else {
                        format!("imageTags[{}]", i - n)
                    };
                    step(StepKind::Images, field).label(img.name.as_deref().unwrap_or(""))
                })
                .collect()
        })
        .map_err(e)?;
        for _ in &imgs {
            self.record_transformer(m, kfile, "ImageTagTransformer");
        }
        // Replacements, the last builtin transformer
        if let Some(entries) = k.replacements.as_deref().filter(|r| !r.is_empty()) {
            let reps = crate::plugins::decode_replacements(entries, ldr, kfile)?;
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
                    run_builtin(m, &b, api, &mut rec, || {
                        step(StepKind::Replacement, field).label(from.unwrap_or_default())
                    })
                    .map_err(e)?;
                }
            } else {
                let b = Builtin::Replacement(Cow::Borrowed(&reps));
                run_builtin(m, &b, api, &mut rec, || {
                    step(StepKind::Replacement, "replacements".into())
                })
                .map_err(e)?;
            }
            self.record_transformer(m, kfile, "ReplacementTransformer");
        }
        self.rec = rec;
        Ok(())
    }
}
