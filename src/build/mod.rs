//! The build pipeline (Kustomize's `KustTarget`): accumulate resources depth-first, run
//! generators, components and transformers per kustomization, then hash suffixes, name
//! references and ordering at the top.
//!
//! This module holds the build's context (`Ctx`: options, schema, recorder, warnings)
//! and the steps at the top; `accumulate` walks the tree, `transformers` runs one
//! kustomization's transformer fields and `annotations` writes the `buildMetadata`
//! annotations.

use std::borrow::Cow;
use std::cell::Cell;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fs::{Disk, SharedFs};
use crate::kustomization::Kustomization;
pub use crate::load::LoadRestrictor;
use crate::load::{self, Loader};
use crate::provenance::{Provenance, Recorder, StepDesc, StepKind};
use crate::resource::{ResMap, Resource};
use crate::schema::custom::{CustomTable, Mode};
use crate::schema::openapi::OpenApi;
use crate::schema::precomputed::scope_precomputed;
use crate::schema::{default_config, TransformerConfig};
use crate::transform::builtin::{self, Builtin};
use crate::transform::{hash, nameref, vars};

mod accumulate;
mod annotations;
mod transformers;

use annotations::BuildMeta;

/// Options of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// File-system restriction.
    pub load_restrictor: LoadRestrictor,
    /// Record who wrote each value ([`crate::provenance`]); off by default (it costs time
    /// and memory).
    pub provenance: bool,
}

/// A finished build: the resources in output order and the warnings to show.
#[derive(Debug, Default)]
pub struct BuildOutput {
    /// Resources, sorted for output.
    pub resources: ResMap,
    /// Deprecation and other warnings (for stderr).
    pub warnings: Vec<String>,
    /// The recorded steps, when the build recorded provenance (the origins themselves are
    /// on each resource).
    pub provenance: Option<Provenance>,
}

/// Builds the kustomization in `dir`, as `kustomize build DIR` does.
pub fn build(dir: &Path, opts: &BuildOptions) -> Result<ResMap> {
    build_with_warnings(dir, opts).map(|o| o.resources)
}

/// Builds `dir` and also returns the warnings Kustomize would print.
pub fn build_with_warnings(dir: &Path, opts: &BuildOptions) -> Result<BuildOutput> {
    build_in(Disk::shared(), dir, opts)
}

/// Builds `dir` of file system `fs` (the disk, or a tree in memory): every file the
/// build reads comes from `fs`.
pub fn build_in(fs: SharedFs, dir: &Path, opts: &BuildOptions) -> Result<BuildOutput> {
    // A missing directory is reported as a missing kustomization, as Kustomize does.
    load::find_kustomization_file_in(&*fs, dir)?;
    let ldr = Loader::with_fs(dir, opts.load_restrictor, fs)?;
    ldr.kustomization_file()?;
    let (kfile, k) = ldr.load_kustomization()?;
    let mut meta = BuildMeta::default();
    for m in k.build_metadata.iter().flatten() {
        match m.as_str() {
            "originAnnotations" => meta.origin = true,
            "transformerAnnotations" => meta.transformers = true,
            "managedByLabel" => meta.managed_by = true,
            // Kustomize ignores options it does not know.
            _ => {}
        }
    }
    let mut ctx = Ctx {
        opts: opts.clone(),
        schema_chosen: false,
        custom_schema: None,
        builtin_touched: Cell::new(false),
        meta,
        origin_dir: PathBuf::new(),
        stack: Vec::new(),
        warnings: Vec::new(),
        rec: opts.provenance.then(Recorder::new),
        var_decls: Vec::new(),
        fs: ldr.shared_fs(),
    };
    ctx.use_openapi(&ldr, &kfile, &k)?;
    let mut acc = Acc::new();
    ctx.accumulate(&ldr, &kfile, &k, &mut acc)?;
    hash::apply(&mut acc.resources).map_err(Error::Build)?;
    ctx.observe(acc.resources.as_mut_slice(), || {
        StepDesc::new(StepKind::HashSuffix, &kfile, "")
    });
    nameref::fix(&mut acc.resources, &acc.config.name_reference).map_err(Error::Build)?;
    ctx.observe(acc.resources.as_mut_slice(), || {
        StepDesc::new(StepKind::NameReference, &kfile, "")
    });
    // Vars are resolved once, after names are final (Kustomize's ResolveVars).
    let unused = vars::resolve(&mut acc.resources, &acc.vars, &acc.config.var_reference)
        .map_err(|e| Error::invalid(&kfile, e))?;
    let var_desc = var_step(&kfile, &ctx.var_decls);
    ctx.observe(acc.resources.as_mut_slice(), || var_desc);
    if !unused.is_empty() {
        ctx.warn(&format!(
            "well-defined vars that were never replaced: {}",
            unused.join(",")
        ));
    }
    // Kustomize decodes every object to print it: a scalar a replacement wrote with text
    // its field's type cannot hold, and that nothing replaced since, fails here.
    for r in acc.resources.iter() {
        r.check_decodable().map_err(|e| Error::invalid(&kfile, e))?;
    }
    // Replacements may rename objects onto each other; Kustomize fails on the duplicate
    // when it rebuilds the final resource map.
    if let Some(id) = acc.resources.find_conflict() {
        return Err(Error::invalid(
            &kfile,
            format!("may not add resource with an already registered id: {id}"),
        ));
    }
    acc.resources.retain(|r| {
        r.metadata_map("annotations")
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .and_then(Value::as_str)
            != Some("true")
    });
    if meta.transformers && !meta.origin {
        // Kept only for the transformer records (see `BuildMeta::tracks_origin`).
        for r in acc.resources.iter_mut() {
            let md = r.metadata_mut();
            if let Some(Value::Object(a)) = md.get_mut("annotations") {
                a.remove(crate::resource::ORIGIN_ANNOTATION);
                if a.is_empty() {
                    md.remove("annotations");
                }
            }
        }
    }
    if meta.managed_by {
        for r in acc.resources.iter_mut() {
            let md = r.metadata_mut();
            let labels = md
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::Object(l) = labels {
                l.insert(
                    "app.kubernetes.io/managed-by".into(),
                    Value::String("kustomize-(devel)".into()),
                );
            }
        }
        ctx.observe(acc.resources.as_mut_slice(), || {
            StepDesc::new(StepKind::ManagedByLabel, &kfile, "buildMetadata")
        });
    }
    // Fail where kubectl's JSON-to-YAML step fails, rather than print what it cannot
    // (the first such resource in order; on several threads for large outputs).
    fn encode_error(r: &Resource) -> Option<(&Resource, String)> {
        crate::yaml::emit::kubectl_encode_error_in_map(&r.obj).map(|e| (r, e))
    }
    let first_error = if acc.resources.len() >= PARALLEL_CHECK_MIN {
        use rayon::prelude::*;
        acc.resources
            .as_slice()
            .par_iter()
            .find_map_first(encode_error)
    } else {
        acc.resources.iter().find_map(encode_error)
    };
    if let Some((r, e)) = first_error {
        return Err(Error::invalid(
            r.origin.path.as_path(),
            format!("{}: cannot be written as YAML: {e}", r.id()),
        ));
    }
    crate::order::apply(&mut acc.resources, k.sort_options.as_ref())
        .map_err(|e| Error::invalid(&kfile, e))?;
    Ok(BuildOutput {
        resources: acc.resources,
        warnings: ctx.warnings,
        provenance: ctx.rec.map(Recorder::finish),
    })
}

/// What accumulates while walking the tree.
struct Acc {
    resources: ResMap,
    /// The default field specs until a kustomization adds its own (copied on write).
    config: Cow<'static, TransformerConfig>,
    /// The vars declared so far.
    vars: vars::VarSet,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            resources: ResMap::new(),
            config: Cow::Borrowed(default_config()),
            vars: vars::VarSet::default(),
        }
    }
}

struct Ctx {
    opts: BuildOptions,
    /// Whether a kustomization has chosen the schema (`openapi:`): Kustomize sets it
    /// once per build, from the first kustomization that names one.
    schema_chosen: bool,
    /// The custom OpenAPI schema chosen, if any.
    custom_schema: Option<(CustomTable, Mode)>,
    /// Whether Kustomize would by now have read, or planned to read, its built-in schema:
    /// a strategic merge ran, or an object of a type whose scope it does not precompute
    /// was seen. A base's or component's custom schema chosen after that is added to the
    /// built-in one; chosen before, it stands alone.
    builtin_touched: Cell<bool>,
    meta: BuildMeta,
    /// Directory of the kustomization being built, relative to the top one (origins).
    origin_dir: PathBuf,
    /// Kustomization directories being built, outermost first (cycle detection).
    stack: Vec<PathBuf>,
    warnings: Vec<String>,
    /// The provenance recorder, when asked for.
    rec: Option<Recorder>,
    /// With a recorder: where each var was declared (kustomization, index under `vars:`,
    /// name), for the var step's origin.
    var_decls: Vec<(PathBuf, usize, String)>,
    /// The file system the build reads (for paths in annotations).
    fs: SharedFs,
}

impl Ctx {
    /// Puts a kustomization's `openapi: {path: ...}` schema in force, unless one already
    /// is: Kustomize sets the schema once, from the first kustomization that names one.
    fn use_openapi(&mut self, ldr: &Loader, kfile: &Path, k: &Kustomization) -> Result<()> {
        if self.schema_chosen {
            return Ok(());
        }
        let Some(openapi) = k.openapi.as_ref() else {
            return Ok(());
        };
        let Some(path) = openapi.get("path") else {
            if openapi.contains_key("version") {
                // The built-in schema, chosen explicitly, also counts as set.
                self.schema_chosen = true;
            }
            return Ok(());
        };
        let (file, text) = ldr.read_string(path)?;
        let table =
            crate::schema::openapi::parse_custom(&text).map_err(|e| Error::invalid(&file, e))?;
        let _ = kfile;
        // Kustomize keeps one schema per build and reads it lazily: the top-level one is
        // set before anything runs, so it stands alone; a base's or component's joins the
        // built-in schema when that was read (a strategic merge) or planned (an object of
        // a type without precomputed scope) earlier in the build.
        let mode = if !self.stack.is_empty() && self.builtin_touched.get() {
            Mode::Added
        } else {
            Mode::Alone
        };
        self.schema_chosen = true;
        self.custom_schema = Some((table, mode));
        Ok(())
    }

    /// The merge schema in force.
    fn api(&self) -> OpenApi<'_> {
        match &self.custom_schema {
            Some((table, mode)) => OpenApi::custom(table, *mode),
            None => OpenApi::BUILTIN,
        }
    }

    /// Tells the provenance recorder, when there is one, that a step just ran on `rs`
    /// (one `None` check otherwise).
    fn observe(&mut self, rs: &mut [Resource], desc: impl FnOnce() -> StepDesc) {
        observe(&mut self.rec, rs, desc);
    }

    /// Notes that Kustomize would read or plan to read its built-in schema now.
    fn touch_builtin(&self) {
        self.builtin_touched.set(true);
    }

    /// Notes objects whose type Kustomize looks up in its schema (see `builtin_touched`).
    fn see_types<'r>(
        &self,
        objs: impl IntoIterator<Item = &'r serde_json::Map<String, serde_json::Value>>,
    ) {
        if self.builtin_touched.get() {
            return;
        }
        let s = |o: &'r serde_json::Map<String, serde_json::Value>, k: &str| {
            o.get(k).and_then(serde_json::Value::as_str).unwrap_or("")
        };
        if objs
            .into_iter()
            .any(|o| !scope_precomputed(s(o, "apiVersion"), s(o, "kind")))
        {
            self.touch_builtin();
        }
    }

    fn warn(&mut self, w: &str) {
        if !self.warnings.iter().any(|x| x == w) {
            self.warnings.push(w.to_string());
        }
    }
}

/// Applies one builtin transformer step and tells the provenance recorder, when there is
/// one, what ran and where it was configured: every builtin step of a build, from a
/// kustomization field or from a plugin configuration, goes through here.
fn run_builtin(
    m: &mut ResMap,
    b: &Builtin<'_>,
    api: OpenApi<'_>,
    rec: &mut Option<Recorder>,
    desc: impl FnOnce() -> StepDesc,
) -> Result<(), String> {
    // What the step may change, worked out before it runs (only when recording).
    let scope = rec.as_ref().map(|_| crate::provenance::scope::scope(m, b));
    builtin::apply(m, b, api)?;
    if let Some(rec) = rec.as_mut() {
        rec.observe_in(m.as_mut_slice(), scope.unwrap_or_default(), desc());
    }
    Ok(())
}

/// Applies an `images:` list (`b`) in one step and tells the provenance recorder, when
/// there is one, its entries in order (`entries`, each labelled with its image name).
fn run_images(
    m: &mut ResMap,
    b: &Builtin<'_>,
    api: OpenApi<'_>,
    rec: &mut Option<Recorder>,
    entries: impl FnOnce() -> Vec<StepDesc>,
) -> Result<(), String> {
    let scope = rec.as_ref().map(|_| crate::provenance::scope::scope(m, b));
    builtin::apply(m, b, api)?;
    if let Some(rec) = rec.as_mut() {
        rec.observe_images(m.as_mut_slice(), scope.unwrap_or_default(), entries());
    }
    Ok(())
}

/// Tells the provenance recorder, when there is one, that a step just ran on `rs`.
fn observe(rec: &mut Option<Recorder>, rs: &mut [Resource], desc: impl FnOnce() -> StepDesc) {
    if let Some(rec) = rec.as_mut() {
        rec.observe(rs, desc());
    }
}

/// The var step as provenance names it: the kustomization that declared the vars (the
/// entry itself when there is one var), or the top kustomization when several declared
/// them; labelled with the vars' names.
fn var_step(top: &Path, decls: &[(PathBuf, usize, String)]) -> StepDesc {
    let names: Vec<&str> = decls.iter().map(|(_, _, n)| n.as_str()).collect();
    let label = names.join(",");
    match decls {
        [(file, i, _)] => StepDesc::new(StepKind::Var, file, format!("vars[{i}]")).label(label),
        [(file, _, _), rest @ ..] if rest.iter().all(|(f, _, _)| f == file) => {
            StepDesc::new(StepKind::Var, file, "vars").label(label)
        }
        _ => StepDesc::new(StepKind::Var, top, "").label(label),
    }
}

/// Fewest resources worth checking for unprintable text on several threads.
const PARALLEL_CHECK_MIN: usize = 512;
