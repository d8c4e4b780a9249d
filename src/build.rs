//! The build pipeline (Kustomize's `KustTarget`): accumulate resources depth-first, run
//! generators, components and transformers per kustomization, then hash suffixes, name
//! references and ordering at the top.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::generate::{self, GenKind};
use crate::kustomization::{self, Kustomization, Patch};
pub use crate::load::LoadRestrictor;
use crate::load::{self, Loader};
use crate::provenance::{Provenance, Recorder, StepDesc, StepKind};
use crate::resource::{ResMap, Resource, ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION};
use crate::schema::custom::{CustomTable, Mode};
use crate::schema::openapi::OpenApi;
use crate::schema::{default_config, FieldSpec, TransformerConfig};
use crate::transform::builtin::{self, Builtin};
use crate::transform::namespace::NsOptions;
use crate::transform::patch::{self as patching, PatchBody};
use crate::transform::{hash, nameref, vars};
use crate::yaml::Limits;

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
    // A missing directory is reported as a missing kustomization, as Kustomize does.
    load::find_kustomization_file(dir)?;
    let ldr = Loader::new(dir, opts.load_restrictor)?;
    ldr.kustomization_file()?;
    let (kfile, k) = load::load_kustomization(dir)?;
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
        meta,
        origin_dir: PathBuf::new(),
        stack: Vec::new(),
        warnings: Vec::new(),
        rec: opts.provenance.then(Recorder::new),
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
    ctx.observe(acc.resources.as_mut_slice(), || {
        StepDesc::new(StepKind::Var, &kfile, "")
    });
    if !unused.is_empty() {
        ctx.warn(&format!(
            "well-defined vars that were never replaced: {}",
            unused.join(",")
        ));
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

/// `buildMetadata:` of the top-level kustomization (applies to the whole tree).
#[derive(Debug, Default, Clone, Copy)]
struct BuildMeta {
    origin: bool,
    transformers: bool,
    managed_by: bool,
}

impl BuildMeta {
    /// Whether any build metadata is asked for.
    fn any(&self) -> bool {
        self.origin || self.transformers || self.managed_by
    }
}

struct Ctx {
    opts: BuildOptions,
    /// Whether a kustomization has chosen the schema (`openapi:`): Kustomize sets it
    /// once per build, from the first kustomization that names one.
    schema_chosen: bool,
    /// The custom OpenAPI schema chosen, if any.
    custom_schema: Option<(CustomTable, Mode)>,
    meta: BuildMeta,
    /// Directory of the kustomization being built, relative to the top one (origins).
    origin_dir: PathBuf,
    /// Kustomization directories being built, outermost first (cycle detection).
    stack: Vec<PathBuf>,
    warnings: Vec<String>,
    /// The provenance recorder, when asked for.
    rec: Option<Recorder>,
}

fn conflict(kfile: &Path, r: &Resource) -> Error {
    Error::invalid(
        kfile,
        format!(
            "may not add resource with an already registered id: {} (from {}); give one of them another name, namespace or a namePrefix",
            r.id().kustomize_string(),
            r.origin.path.display()
        ),
    )
}

impl Ctx {
    /// Plugin configurations named by `transformers:`/`generators:` entries: inline YAML
    /// first, then files and kustomization directories (Kustomize's order), each with the
    /// file it came from.
    fn plugin_configs(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        entries: &[String],
    ) -> Result<Vec<(serde_json::Map<String, Value>, PathBuf)>> {
        let mut inline = Vec::new();
        let mut paths = Vec::new();
        for entry in entries {
            let docs = crate::yaml::parse_documents(entry, Limits::default());
            match docs {
                Ok(d) if d.iter().any(|d| d.value.is_object()) => {
                    for d in d {
                        if let Value::Object(o) = d.value {
                            inline.push((o, kfile.to_path_buf()));
                        }
                    }
                }
                _ => paths.push(entry),
            }
        }
        for entry in paths {
            if load::is_remote(entry) {
                return Err(Error::invalid(kfile, format!("remote plugin configuration {entry:?} refused: kagentctl never fetches from the network")));
            }
            let path = ldr.root().join(entry);
            if path.is_dir() {
                let sub = self.accumulate_dir(&path, entry, None, false, kfile)?;
                for r in sub.map(|a| a.resources.into_vec()).unwrap_or_default() {
                    let file = r.origin.path.as_ref().clone();
                    inline.push((r.obj, file));
                }
                continue;
            }
            let (file, text) = ldr.read_string(entry)?;
            let docs = crate::yaml::parse_documents(&text, Limits::default())
                .map_err(|e| Error::yaml(&file, e))?;
            for d in docs {
                match d.value {
                    Value::Object(o) => inline.push((o, file.clone())),
                    Value::Null => {}
                    _ => {
                        return Err(Error::invalid(
                            &file,
                            "a plugin configuration must be a mapping",
                        ))
                    }
                }
            }
        }
        Ok(inline)
    }

    /// A file's path relative to the top kustomization's directory, for origins.
    fn configured_in_path(&self, file: &Path) -> String {
        let top = self.stack.first().cloned().unwrap_or_default();
        let canon = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        match canon.strip_prefix(&top) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => pathdiff(&canon, &top),
        }
    }

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
        // Observed with kubectl kustomize v5.5.0: a top-level schema replaces the built-in
        // one; a base's or component's is added to it.
        let mode = if self.stack.is_empty() {
            Mode::Alone
        } else {
            Mode::Added
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

    /// The kustomization file's path relative to the top kustomization, for origins.
    fn configured_in(&self, kfile: &Path) -> String {
        let name = kfile
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        load::clean(&self.origin_dir.join(name))
            .display()
            .to_string()
    }

    /// Records that builtin transformer `kind` ran on every resource now in `m`.
    fn record_transformer(&self, m: &mut ResMap, kfile: &Path, kind: &str) {
        self.record_transformation(
            m,
            kfile,
            &format!("  apiVersion: builtin\n  kind: {kind}\n"),
        );
    }

    /// Appends a transformation record (`configuredBy` lines, two-space indented) to
    /// every resource of `m` (with `transformerAnnotations`).
    fn record_transformation(&self, m: &mut ResMap, kfile: &Path, configured_by: &str) {
        if self.meta.any() {
            // With any build metadata Kustomize records each transformer on every object
            // by setting all its annotations again, as strings: none is plain any more.
            for r in m.iter_mut() {
                r.plain_annotations.clear();
            }
        }
        if !self.meta.transformers {
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

    /// Tells the provenance recorder, when there is one, that a step just ran on `rs`
    /// (one `None` check otherwise).
    fn observe(&mut self, rs: &mut [Resource], desc: impl FnOnce() -> StepDesc) {
        observe(&mut self.rec, rs, desc);
    }

    fn warn(&mut self, w: &str) {
        if !self.warnings.iter().any(|x| x == w) {
            self.warnings.push(w.to_string());
        }
    }

    /// Builds the kustomization at `dir` into a fresh accumulator (a base), or on top
    /// of `into` (a component).
    fn accumulate_dir(
        &mut self,
        dir: &Path,
        rel: &str,
        into: Option<&mut Acc>,
        component: bool,
        parent: &Path,
    ) -> Result<Option<Acc>> {
        // Kustomize refuses a new root named by an absolute path, whatever the load
        // restrictor (an absolute file is only subject to the restrictor).
        if Path::new(rel).is_absolute() {
            return Err(Error::invalid(
                parent,
                format!("kustomization directory {rel:?}: a new root cannot be absolute; name it relative to this kustomization's directory"),
            ));
        }
        let ldr = Loader::new(dir, self.opts.load_restrictor)?;
        let canon = ldr.canonical().to_path_buf();
        if let Some(pos) = self.stack.iter().position(|p| *p == canon) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .chain(std::iter::once(&canon))
                .map(|p| p.display().to_string())
                .collect();
            return Err(Error::invalid(
                parent,
                format!(
                    "cycle detected: kustomization includes itself: {}",
                    chain.join(" -> ")
                ),
            ));
        }
        ldr.kustomization_file()?;
        let (kfile, k) = load::load_kustomization(dir)?;
        let is_component = k.kind.as_deref() == Some("Component");
        if component && !is_component {
            return Err(Error::invalid(
                &kfile,
                format!(
                    "expected kind 'Component' for path '{}' but got '{}'",
                    dir.display(),
                    k.kind.as_deref().unwrap_or("Kustomization")
                ),
            ));
        }
        if !component && is_component {
            return Err(Error::invalid(
                &kfile,
                format!("expected kind != 'Component' for path '{}'; list components under `components:`", dir.display()),
            ));
        }
        self.use_openapi(&ldr, &kfile, &k)?;
        self.stack.push(canon);
        let saved_origin = self.origin_dir.clone();
        self.origin_dir = load::clean(&self.origin_dir.join(rel));
        let result = match into {
            Some(acc) => self.accumulate(&ldr, &kfile, &k, acc).map(|_| None),
            None => {
                let mut acc = Acc::new();
                self.accumulate(&ldr, &kfile, &k, &mut acc)
                    .map(|_| Some(acc))
            }
        };
        self.stack.pop();
        self.origin_dir = saved_origin;
        result
    }

    fn accumulate(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
        if self.stack.is_empty() {
            self.stack.push(ldr.canonical().to_path_buf());
        }
        for w in kustomization::deprecation_warnings(k) {
            self.warn(w);
        }
        // Kustomize runs helm only for charts; `helmGlobals` alone or empty lists are fine.
        let has_entries = |v: &Option<Value>| match v {
            None | Some(Value::Null) => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        for field in ["helmCharts", "helmChartInflationGenerator"] {
            let used = match field {
                "helmCharts" => has_entries(&k.helm_charts),
                _ => has_entries(&k.helm_chart_inflation_generator),
            };
            if used {
                return Err(Error::invalid(
                    kfile,
                    format!("`{field}` needs helm, which kagentctl does not run; render the chart to YAML and list it under resources"),
                ));
            }
        }
        // A custom OpenAPI schema is a file like any other: inside the root.
        if let Some(p) = k.openapi.as_ref().and_then(|o| o.get("path")) {
            ldr.resolve(p)?;
        }
        // Resources, depth first (deprecated `bases` come after `resources`).
        let entries: Vec<&String> = k
            .resources
            .iter()
            .flatten()
            .chain(k.bases.iter().flatten())
            .collect();
        let mut parsed = parse_files(ldr, &entries);
        for (i, entry) in entries.into_iter().enumerate() {
            let pre = parsed.get_mut(i).and_then(Option::take);
            self.accumulate_resource(ldr, kfile, entry, acc, pre)?;
        }
        for c in k.configurations.iter().flatten() {
            let (path, text) = ldr.read_string(c)?;
            let docs = crate::yaml::parse_documents(&text, Limits::default())
                .map_err(|e| Error::yaml(&path, e))?;
            for d in docs.into_iter().filter(|d| !d.value.is_null()) {
                let tc: TransformerConfig = serde_json::from_value(d.value).map_err(|e| {
                    Error::invalid(&path, format!("invalid transformer configuration: {e}"))
                })?;
                // Observed with kubectl kustomize v5.5.0: custom namePrefix/nameSuffix
                // specs take the place of the default `metadata/name` one.
                let default_name = FieldSpec {
                    path: "metadata/name".into(),
                    ..Default::default()
                };
                let config = acc.config.to_mut();
                if !tc.name_prefix.is_empty() {
                    config.name_prefix.retain(|f| *f != default_name);
                }
                if !tc.name_suffix.is_empty() {
                    config.name_suffix.retain(|f| *f != default_name);
                }
                config.merge(&tc);
            }
        }
        for c in k.crds.iter().flatten() {
            let (path, text) = ldr.read_string(c)?;
            let docs = crate::yaml::parse_documents(&text, Limits::default())
                .map_err(|e| Error::yaml(&path, e))?;
            for d in docs.into_iter().filter(|d| !d.value.is_null()) {
                acc.config
                    .to_mut()
                    .merge(&crate::schema::crd::config_from_definitions(&d.value));
            }
        }
        // Generators.
        let global = k.generator_options.as_ref();
        let gens = k
            .config_map_generator
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, a)| (GenKind::ConfigMap, i, a))
            .chain(
                k.secret_generator
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, a)| (GenKind::Secret, i, a)),
            );
        for (kind, i, args) in gens {
            let mut r = generate::generate(kind, args, global, ldr, kfile)?;
            if self.meta.origin {
                let gen = if kind == GenKind::ConfigMap {
                    "ConfigMapGenerator"
                } else {
                    "SecretGenerator"
                };
                let text = format!(
                    "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {gen}\n",
                    self.configured_in(kfile)
                );
                r.set_annotation(ORIGIN_ANNOTATION, text);
            }
            let desc = || {
                let list = match kind {
                    GenKind::ConfigMap => "configMapGenerator",
                    _ => "secretGenerator",
                };
                let mut d = StepDesc::new(StepKind::Generator, kfile, format!("{list}[{i}]"));
                d.component = k.kind.as_deref() == Some("Component");
                d
            };
            let create = r.behavior == crate::resource::Behavior::Create;
            if create {
                self.observe(std::slice::from_mut(&mut r), desc);
            }
            generate::absorb(&mut acc.resources, r).map_err(|e| Error::invalid(kfile, e))?;
            if !create {
                self.observe(acc.resources.as_mut_slice(), desc);
            }
        }
        if let Some(entries) = k.generators.as_ref().filter(|g| !g.is_empty()) {
            for (cfg, cfile) in self.plugin_configs(ldr, kfile, entries)? {
                for mut r in crate::plugins::run_generator(&cfg, ldr, &cfile)? {
                    if self.meta.origin {
                        let text = format!(
                            "configuredIn: {}\nconfiguredBy:\n{}",
                            self.configured_in_path(&cfile),
                            crate::plugins::configured_by(&cfg)
                        );
                        r.set_annotation(ORIGIN_ANNOTATION, text);
                    }
                    self.observe(std::slice::from_mut(&mut r), || {
                        StepDesc::new(StepKind::Generator, &cfile, "")
                    });
                    generate::absorb(&mut acc.resources, r)
                        .map_err(|e| Error::invalid(&cfile, e))?;
                }
            }
        }
        // Components act on everything accumulated so far.
        for c in k.components.iter().flatten() {
            if c.is_empty() {
                return Err(Error::invalid(
                    kfile,
                    "accumulating components: an empty entry in `components:` names no directory",
                ));
            }
            let dir = ldr.root().join(c);
            if !dir.is_dir() {
                return Err(Error::invalid(
                    kfile,
                    format!("component {c:?} is not a directory"),
                ));
            }
            self.accumulate_dir(&dir, c, Some(acc), true, kfile)?;
        }
        self.run_transformers(ldr, kfile, k, acc)?;
        if let Some(entries) = k.transformers.as_ref().filter(|t| !t.is_empty()) {
            for (cfg, cfile) in self.plugin_configs(ldr, kfile, entries)? {
                let b = crate::plugins::decode_transformer(&cfg, ldr, &cfile)?;
                let mut rec = self.rec.take();
                let applied = run_builtin(&mut acc.resources, &b, self.api(), &mut rec, || {
                    StepDesc::new(StepKind::Plugin, &cfile, "")
                });
                self.rec = rec;
                applied.map_err(|e| Error::invalid(&cfile, e))?;
                self.record_transformation(
                    &mut acc.resources,
                    &cfile,
                    &crate::plugins::configured_by(&cfg),
                );
            }
        }
        // This kustomization's vars are declared against what it accumulated.
        if let Some(entries) = k.vars.as_deref().filter(|v| !v.is_empty()) {
            acc.vars
                .declare(entries, &acc.resources)
                .map_err(|e| Error::invalid(kfile, e))?;
        }
        Ok(())
    }

    /// Adds the resources of one `resources:` entry; `parsed` is the entry's file, already
    /// read and parsed by [`parse_files`], when it was.
    fn accumulate_resource(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        entry: &str,
        acc: &mut Acc,
        parsed: Option<Result<Vec<Resource>>>,
    ) -> Result<()> {
        if load::is_remote(entry) {
            return Err(Error::invalid(
                kfile,
                format!("remote resource {entry:?} refused: kagentctl never fetches from the network; vendor it into the tree"),
            ));
        }
        if entry.is_empty() {
            return Err(Error::invalid(
                kfile,
                "accumulating resources: an empty entry in `resources:` names no file or directory",
            ));
        }
        let path = ldr.root().join(entry);
        if path.is_dir() {
            let sub = self
                .accumulate_dir(&path, entry, None, false, kfile)?
                .unwrap_or_else(Acc::new);
            // Merging the default config into the default config changes nothing.
            if !matches!(
                (&sub.config, &acc.config),
                (Cow::Borrowed(_), Cow::Borrowed(_))
            ) {
                acc.config.to_mut().merge(&sub.config);
            }
            acc.resources
                .append_all(sub.resources)
                .map_err(|r| conflict(kfile, &r))?;
            // A var name may be declared once in the whole build
            return acc
                .vars
                .absorb(sub.vars)
                .map_err(|e| Error::invalid(kfile, e));
        }
        if !path.exists() {
            return Err(Error::invalid(
                kfile,
                format!("accumulating resources: '{entry}': no such file or directory"),
            ));
        }
        let mut resources = match parsed {
            Some(p) => p?,
            None => read_and_parse(ldr, entry)?,
        };
        self.observe(&mut resources, || {
            StepDesc::new(StepKind::Resource, kfile, "resources")
        });
        for mut r in resources {
            if self.meta.origin {
                let origin = format!(
                    "path: {}\n",
                    load::clean(&self.origin_dir.join(entry)).display()
                );
                r.set_annotation(ORIGIN_ANNOTATION, origin);
            }
            acc.resources.append(r).map_err(|r| conflict(kfile, &r))?;
        }
        Ok(())
    }

    fn run_transformers(
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
                Ok(p) if p.is_file() => (ldr.read_string(entry.trim())?.1, Some(p)),
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
        if rec.is_some() {
            // One image at a time, to tell which entry wrote which value.
            let n = k.images.as_ref().map_or(0, Vec::len);
            for (i, img) in imgs.iter().enumerate() {
                let b = Builtin::ImageTag {
                    images: Cow::Borrowed(std::slice::from_ref(img)),
                    field_specs: Cow::Borrowed(&tc.images),
                };
                let field = if i < n {
                    format!("images[{i}]")
                } else {
                    format!("imageTags[{}]", i - n)
                };
                run_builtin(m, &b, api, &mut rec, || {
                    step(StepKind::Images, field).label(img.name.as_deref().unwrap_or(""))
                })
                .map_err(e)?;
            }
        } else {
            let b = Builtin::ImageTag {
                images: Cow::Borrowed(&imgs),
                field_specs: Cow::Borrowed(&tc.images),
            };
            run_builtin(m, &b, api, &mut rec, || {
                step(StepKind::Images, "images".into())
            })
            .map_err(e)?;
        }
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
    builtin::apply(m, b, api)?;
    observe(rec, m.as_mut_slice(), desc);
    Ok(())
}

/// Tells the provenance recorder, when there is one, that a step just ran on `rs`.
fn observe(rec: &mut Option<Recorder>, rs: &mut [Resource], desc: impl FnOnce() -> StepDesc) {
    if let Some(rec) = rec.as_mut() {
        rec.observe(rs, desc());
    }
}

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

/// Reads and parses one resource file named relative to `ldr`'s root.
fn read_and_parse(ldr: &Loader, entry: &str) -> Result<Vec<Resource>> {
    let (path, text) = ldr.read_string(entry)?;
    load::parse_resources(&path, &text, Limits::default())
}

/// Fewest resources worth checking for unprintable text on several threads.
const PARALLEL_CHECK_MIN: usize = 512;

/// Least input (bytes of resource files in one kustomization) worth parsing on several
/// threads: below it, starting the threads costs more than they save.
const PARALLEL_PARSE_MIN_BYTES: u64 = 256 * 1024;

/// Reads and parses, on several threads, the entries of a `resources:` list that are
/// local files (not directories or remote), when there are enough bytes of them to pay
/// for the threads. The results are in entry order (`None`: not a file, or not
/// pre-parsed); errors are kept for the sequential pass to report in order.
fn parse_files(ldr: &Loader, entries: &[&String]) -> Vec<Option<Result<Vec<Resource>>>> {
    use rayon::prelude::*;
    let file_len = |e: &str| {
        if load::is_remote(e) {
            return None;
        }
        std::fs::metadata(ldr.root().join(e))
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    };
    let (files, bytes) = entries
        .iter()
        .filter_map(|e| file_len(e))
        .fold((0usize, 0u64), |(n, b), len| (n + 1, b + len));
    if files < 2 || bytes < PARALLEL_PARSE_MIN_BYTES {
        return Vec::new();
    }
    entries
        .par_iter()
        .map(|e| file_len(e).is_some().then(|| read_and_parse(ldr, e)))
        .collect()
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

fn push_unique(specs: &mut Vec<FieldSpec>, fs: FieldSpec) {
    if !specs.contains(&fs) {
        specs.push(fs);
    }
}
