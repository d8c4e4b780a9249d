//! The build-metadata annotations (`buildMetadata:` of the top kustomization): where
//! each object came from (`config.kubernetes.io/origin`) and which transformers touched
//! it (`alpha.config.kubernetes.io/transformations`), with paths relative to the top.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::load;
use crate::resource::{ResMap, ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION};

use super::Ctx;

/// `buildMetadata:` of the top-level kustomization (applies to the whole tree).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct BuildMeta {
    pub(super) origin: bool,
    pub(super) transformers: bool,
    pub(super) managed_by: bool,
}

impl BuildMeta {
    /// Whether any build metadata is asked for.
    pub(super) fn any(&self) -> bool {
        self.origin || self.transformers || self.managed_by
    }

    /// Whether objects carry their origin annotation during the build: Kustomize keeps it
    /// for transformer records too, and removes it at the end unless it was asked for.
    pub(super) fn tracks_origin(&self) -> bool {
        self.origin || self.transformers
    }
}

/// `path` relative to `base` (both absolute), with `..` steps where needed.
fn pathdiff(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out.display().to_string()
}

impl Ctx {
    /// A file's path relative to the top kustomization's directory, for origins.
    pub(super) fn configured_in_path(&self, file: &Path) -> String {
        let top = self.stack.first().cloned().unwrap_or_default();
        let canon = self
            .fs
            .canonicalize(file)
            .unwrap_or_else(|_| file.to_path_buf());
        match canon.strip_prefix(&top) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => pathdiff(&canon, &top),
        }
    }

    /// The kustomization file's path relative to the top kustomization, for origins.
    pub(super) fn configured_in(&self, kfile: &Path) -> String {
        let name = kfile
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        load::clean(&self.origin_dir.join(name))
            .display()
            .to_string()
    }

    /// Records that builtin transformer `kind` ran on every resource now in `m`.
    pub(super) fn record_transformer(&self, m: &mut ResMap, kfile: &Path, kind: &str) {
        self.record_transformation(
            m,
            kfile,
            &format!("  apiVersion: builtin\n  kind: {kind}\n"),
        );
    }

    /// Appends a transformation record (`configuredBy` lines, two-space indented) to
    /// every resource of `m` (with `transformerAnnotations`).
    pub(super) fn record_transformation(&self, m: &mut ResMap, kfile: &Path, configured_by: &str) {
        if self.meta.any() {
            // With any build metadata Kustomize records each transformer on every object
            // by setting all its annotations again, as strings: none is plain any more.
            for r in m.iter_mut() {
                r.plain_annotations.clear();
            }
        }
        if !self.meta.transformers && !self.meta.origin {
            return;
        }
        let mut entry = format!(
            "- configuredIn: {}\n  configuredBy:\n",
            self.configured_in(kfile)
        );
        for line in configured_by.lines() {
            entry.push_str("  ");
            entry.push_str(line);
            entry.push('\n');
        }
        for r in m.iter_mut() {
            if let Some(rec) = r.prov.as_mut() {
                rec.forget_fingerprint();
            }
            // An object that lost its origin (a patch replaced all its annotations) is
            // taken by Kustomize for one the transformer made: the record becomes its origin.
            let has_origin = r
                .metadata_map("annotations")
                .is_some_and(|a| a.contains_key(ORIGIN_ANNOTATION));
            if !has_origin {
                let origin: String = entry
                    .lines()
                    .map(|l| {
                        format!(
                            "{}\n",
                            l.strip_prefix("- ")
                                .or_else(|| l.strip_prefix("  "))
                                .unwrap_or(l)
                        )
                    })
                    .collect();
                r.set_annotation(ORIGIN_ANNOTATION, origin);
                continue;
            }
            if !self.meta.transformers {
                continue;
            }
            let mut text = r
                .metadata_map("annotations")
                .and_then(|a| a.get(TRANSFORMATIONS_ANNOTATION))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            text.push_str(&entry);
            r.set_annotation(TRANSFORMATIONS_ANNOTATION, text);
        }
    }
}
