//! Accumulation, depth first: a kustomization's resources (files, parsed on several
//! threads when large, and directories built recursively), configurations and CRDs,
//! generators, components, then its transformers and vars.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::generate::{self, GenKind};
use crate::kustomization::{self, Kustomization};
use crate::load::{self, Loader};
use crate::provenance::{StepDesc, StepKind};
use crate::resource::{Resource, ORIGIN_ANNOTATION};
use crate::schema::{FieldSpec, TransformerConfig};
use crate::yaml::Limits;

use super::{run_builtin, Acc, Ctx};

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

/// Reads and parses one resource file named relative to `ldr`'s root.
fn read_and_parse(ldr: &Loader, entry: &str) -> Result<Vec<Resource>> {
    let (path, text) = ldr.read_string(entry)?;
    load::parse_resources(&path, &text, Limits::default())
}

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
        ldr.fs().file_len(&ldr.root().join(e))
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

/// Kustomize runs helm only for charts; `helmGlobals` alone or empty lists are fine.
fn refuse_helm(kfile: &Path, k: &Kustomization) -> Result<()> {
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
    Ok(())
}

/// The non-empty YAML documents of the file `entry` names, with the file's path.
fn read_documents(ldr: &Loader, entry: &str) -> Result<(PathBuf, Vec<Value>)> {
    let (path, text) = ldr.read_string(entry)?;
    let docs = crate::yaml::parse_documents(&text, Limits::default())
        .map_err(|e| Error::yaml(&path, e))?;
    let values = docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    Ok((path, values))
}

/// `configurations:`: field-spec files merged into the accumulated configuration.
fn load_configurations(ldr: &Loader, k: &Kustomization, acc: &mut Acc) -> Result<()> {
    for c in k.configurations.iter().flatten() {
        // Kustomize reads a configuration file with sigs.k8s.io/yaml: its first document
        // only, and an empty one (`---` then `---`) configures nothing.
        let (path, text) = ldr.read_string(c)?;
        let first = crate::yaml::parse_first_document(&text, Limits::default())
            .map_err(|e| Error::yaml(&path, e))?
            .map(|d| d.value)
            .filter(|v| !v.is_null());
        if let Some(doc) = first {
            let tc: TransformerConfig = serde_json::from_value(doc).map_err(|e| {
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
    Ok(())
}

/// `crds:`: field specs read from CustomResourceDefinitions.
fn load_crds(ldr: &Loader, k: &Kustomization, acc: &mut Acc) -> Result<()> {
    for c in k.crds.iter().flatten() {
        for doc in read_documents(ldr, c)?.1 {
            acc.config
                .to_mut()
                .merge(&crate::schema::crd::config_from_definitions(&doc));
        }
    }
    Ok(())
}

impl Ctx {
    /// Plugin configurations named by `transformers:`/`generators:` entries: inline YAML
    /// first, then files and kustomization directories (Kustomize's order), each with the
    /// file it came from.
    pub(super) fn plugin_configs(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        entries: &[String],
    ) -> Result<Vec<(serde_json::Map<String, Value>, PathBuf)>> {
        let mut inline = Vec::new();
        let mut paths = Vec::new();
        for entry in entries {
            let docs = crate::yaml::parse_documents(entry, plugin_limits());
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
            if ldr.fs().is_dir(&path) {
                let sub = self.accumulate_dir(ldr, &path, entry, None, false, kfile)?;
                for r in sub.map(|a| a.resources.into_vec()).unwrap_or_default() {
                    let file = r.origin.path.as_ref().clone();
                    inline.push((r.obj, file));
                }
                continue;
            }
            let (file, text) = ldr.read_string(entry)?;
            let docs = crate::yaml::parse_documents(&text, plugin_limits())
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
        self.see_types(inline.iter().map(|(o, _)| o));
        Ok(inline)
    }

    /// Builds the kustomization at `dir` (read from `parent_ldr`'s file system) into a
    /// fresh accumulator (a base), or on top of `into` (a component).
    pub(super) fn accumulate_dir(
        &mut self,
        parent_ldr: &Loader,
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
        let ldr = Loader::with_fs(dir, self.opts.load_restrictor, parent_ldr.shared_fs())?;
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
        let (kfile, k) = ldr.load_kustomization()?;
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

    /// Accumulates one kustomization into `acc`, in Kustomize's order: its resources,
    /// field-spec configurations and CRDs, generators, components, transformer fields,
    /// transformer configurations, then its vars.
    pub(super) fn accumulate(
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
        refuse_helm(kfile, k)?;
        // A custom OpenAPI schema is a file like any other: inside the root.
        if let Some(p) = k.openapi.as_ref().and_then(|o| o.get("path")) {
            ldr.resolve(p)?;
        }
        self.accumulate_resources(ldr, kfile, k, acc)?;
        load_configurations(ldr, k, acc)?;
        load_crds(ldr, k, acc)?;
        self.run_generators(ldr, kfile, k, acc)?;
        self.run_plugin_generators(ldr, kfile, k, acc)?;
        self.accumulate_components(ldr, kfile, k, acc)?;
        self.run_transformers(ldr, kfile, k, acc)?;
        self.run_plugin_transformers(ldr, kfile, k, acc)?;
        // This kustomization's vars are declared against what it accumulated.
        if let Some(entries) = k.vars.as_deref().filter(|v| !v.is_empty()) {
            acc.vars
                .declare(entries, &acc.resources)
                .map_err(|e| Error::invalid(kfile, e))?;
            if self.rec.is_some() {
                for (i, e) in entries.iter().enumerate() {
                    let name = e.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                    self.var_decls
                        .push((kfile.to_path_buf(), i, name.to_string()));
                }
            }
        }
        Ok(())
    }

    /// The `resources:` entries (then the deprecated `bases:`), depth first.
    fn accumulate_resources(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
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
        Ok(())
    }

    /// `configMapGenerator:` and `secretGenerator:`.
    fn run_generators(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
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
            if self.meta.tracks_origin() {
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
        Ok(())
    }

    /// The generator configurations named by `generators:`.
    fn run_plugin_generators(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
        if let Some(entries) = k.generators.as_ref().filter(|g| !g.is_empty()) {
            for (cfg, cfile) in self.plugin_configs(ldr, kfile, entries)? {
                for mut r in crate::plugins::run_generator(&cfg, ldr, &cfile)? {
                    if self.meta.tracks_origin() {
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
                    self.see_types(std::iter::once(&r.obj));
                    generate::absorb(&mut acc.resources, r)
                        .map_err(|e| Error::invalid(&cfile, e))?;
                }
            }
        }
        Ok(())
    }

    /// `components:`, each acting on everything accumulated so far.
    fn accumulate_components(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
        for c in k.components.iter().flatten() {
            if c.is_empty() {
                return Err(Error::invalid(
                    kfile,
                    "accumulating components: an empty entry in `components:` names no directory",
                ));
            }
            let dir = ldr.root().join(c);
            if !ldr.fs().is_dir(&dir) {
                return Err(Error::invalid(
                    kfile,
                    format!("component {c:?} is not a directory"),
                ));
            }
            self.accumulate_dir(ldr, &dir, c, Some(acc), true, kfile)?;
        }
        Ok(())
    }

    /// The transformer configurations named by `transformers:`, after the fields.
    fn run_plugin_transformers(
        &mut self,
        ldr: &Loader,
        kfile: &Path,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<()> {
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
        Ok(())
    }

    /// Adds the resources of one `resources:` entry; `parsed` is the entry's file, already
    /// read and parsed by [`parse_files`], when it was.
    pub(super) fn accumulate_resource(
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
        if ldr.fs().is_dir(&path) {
            let sub = self
                .accumulate_dir(ldr, &path, entry, None, false, kfile)?
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
        if !ldr.fs().exists(&path) {
            return Err(Error::invalid(
                kfile,
                format!("accumulating resources: '{entry}': no such file or directory"),
            ));
        }
        let mut resources = match parsed {
            Some(p) => p?,
            None => read_and_parse(ldr, entry)?,
        };
        if self.meta.tracks_origin() {
            // Before the resource step is recorded, so that the record holds the annotation.
            let origin = format!(
                "path: {}\n",
                load::clean(&self.origin_dir.join(entry)).display()
            );
            for r in &mut resources {
                r.set_annotation(ORIGIN_ANNOTATION, origin.clone());
            }
        }
        self.observe(&mut resources, || {
            StepDesc::new(StepKind::Resource, kfile, "resources")
        });
        self.see_types(resources.iter().map(|r| &r.obj));
        for r in resources {
            acc.resources.append(r).map_err(|r| conflict(kfile, &r))?;
        }
        Ok(())
    }
}

/// How plugin configurations are read: a `.inf` or `.nan` fails at once, as Kustomize
/// fails to convert the configuration to JSON.
fn plugin_limits() -> Limits {
    Limits {
        reject_non_finite: true,
        ..Limits::default()
    }
}
