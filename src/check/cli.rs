//! `kagentctl check` arguments and entry point.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::output;
use super::policy::PolicyFile;
use super::stream::{Checker, Kept};
use super::{check_objects, objects_from_yaml, CheckOptions, Finding, Object, Source};
use crate::error::{Error, Result};

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// A JSON report.
    Json,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
}

/// The least severity that fails `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MinSeverity {
    /// Notes, warnings and errors fail the run.
    Note,
    /// Warnings and errors fail the run.
    Warning,
    /// Only errors fail the run.
    #[default]
    Error,
}

impl MinSeverity {
    /// As a [`super::Severity`].
    pub fn severity(self) -> super::Severity {
        match self {
            MinSeverity::Note => super::Severity::Note,
            MinSeverity::Warning => super::Severity::Warning,
            MinSeverity::Error => super::Severity::Error,
        }
    }
}

/// Arguments of `kagentctl check`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CheckArgs {
    /// Environment (overlay) to render and check; repeatable.
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Check every environment under `overlays/`.
    #[arg(long, conflicts_with = "envs")]
    pub all_envs: bool,
    /// The kagent tree (default: $KAGENTCTL_ROOT, else the nearest `kubernetes/kagent`
    /// upwards from the current directory, else the copy built into kagentctl).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Policy file (default: `<root>/policy.yaml`).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Fail on notes too: kinds the schema does not know, environments without a policy.
    #[arg(long)]
    pub strict: bool,
    /// The least severity that fails the run (exit 1): `error` (default), `warning` or
    /// `note`. Suppressed (exempted) findings never fail it.
    #[arg(long, value_enum, default_value_t = MinSeverity::Error, value_name = "LEVEL")]
    pub min_severity: MinSeverity,
    /// CustomResourceDefinition manifests (a file or a directory, repeatable): custom
    /// resources of their kinds are validated by the CRD's openAPIV3Schema.
    #[arg(long = "crd", value_name = "FILE_OR_DIR")]
    pub crds: Vec<PathBuf>,
    /// With FILES: also apply this environment's policy to them.
    #[arg(long, value_name = "ENV", requires = "files")]
    pub policy_env: Option<String>,
    /// Already-rendered YAML files to check (`-` for standard input) instead of rendering
    /// environments.
    #[arg(value_name = "FILES", conflicts_with_all = ["envs", "all_envs"])]
    pub files: Vec<PathBuf>,
}

/// Opens the kagent tree: `--root` / `KAGENTCTL_ROOT`, else the nearest `kubernetes/kagent`
/// upwards from the working directory, else the copy built into the binary.
fn open_tree(args: &CheckArgs) -> Result<crate::tree::KagentTree> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let env_root = std::env::var_os("KAGENTCTL_ROOT").map(PathBuf::from);
    let (tree, found) = crate::tree::locate(args.root.as_deref(), env_root.as_deref(), &cwd)?;
    if found == crate::tree::Found::Embedded {
        eprintln!(
            "{}: no kubernetes/kagent found here or above; checking the tree built into kagentctl",
            crate::program::program_name()
        );
    }
    Ok(tree)
}

fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
    }
}

/// What `check` found, before formatting.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// All findings, in order.
    pub findings: Vec<Finding>,
    /// What was checked (`env prod`, file names).
    pub checked: Vec<String>,
    /// A file to point SARIF results at when an object has no source file.
    pub fallback_file: Option<PathBuf>,
    /// The least severity that fails the run.
    pub min_severity: MinSeverity,
}

impl Outcome {
    /// 1 when a finding that is not suppressed reaches the threshold, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(
            self.findings
                .iter()
                .any(|f| f.fails(self.min_severity.severity())),
        )
    }
}

/// Runs the checks that `args` ask for and collects the findings.
pub fn collect(args: &CheckArgs) -> Result<Outcome> {
    let opts = CheckOptions {
        strict: args.strict,
        crds: super::crd::load::read(&args.crds)?,
    };
    let mut out = Outcome {
        min_severity: args.min_severity,
        ..Outcome::default()
    };
    if !args.files.is_empty() {
        let policy = match &args.policy_env {
            None => None,
            Some(env) => {
                // Keep the tree (maybe the embedded copy's temporary directory) alive while
                // its policy file is read.
                let (pf, path) = match &args.policy {
                    Some(p) => (PolicyFile::load(p)?, p.clone()),
                    None => {
                        let tree = open_tree(args)?;
                        let path = tree.root().join("policy.yaml");
                        (PolicyFile::load(&path)?, path)
                    }
                };
                let p = pf.env(env).cloned().ok_or_else(|| {
                    Error::Usage(format!(
                        "{} has no policy for environment {env:?} (it has: {})",
                        path.display(),
                        pf.environments
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                Some(p)
            }
        };
        // All files form one set: a PodDisruptionBudget in one file covers a StatefulSet in
        // another, as it would in the cluster. Files are streamed: each is parsed, checked
        // and dropped, keeping only what the rules across objects need.
        let mut checker = Checker::new(policy.as_ref(), args.policy_env.as_deref(), &opts)?;
        let mut findings = Vec::new();
        let mut kept = Kept::default();
        let mut stdin_text: Option<String> = None;
        for file in &args.files {
            let src = read_input(file)?;
            let shown = if file == Path::new("-") {
                PathBuf::from("<stdin>")
            } else {
                file.clone()
            };
            let objects = objects_from_yaml(&src, Some(shown.clone()))?;
            let mut fs = Vec::new();
            for o in &objects {
                fs.extend(checker.observe(o));
            }
            point_in_file(&mut fs, &shown, &src);
            findings.extend(fs);
            if checker.reads_whole_objects() {
                for o in &objects {
                    kept.keep(o);
                }
            }
            drop(objects);
            out.checked.push(shown.display().to_string());
            if file == Path::new("-") {
                stdin_text = Some(src);
            }
        }
        let whole = kept.into_objects();
        let mut across = checker.cross(&whole);
        drop(whole);
        // Point the findings across objects at their fields, reading their files again
        // one at a time (standard input was kept).
        point_in_files(&mut across, stdin_text.as_deref());
        findings.extend(across);
        let mut settled = checker.settle(findings);
        // Stale `kagentctl.io/exempt` annotations are found last: point them at the
        // annotation's line too.
        let stale: Vec<usize> = (0..settled.len())
            .filter(|&i| {
                settled[i].rule == "exemption-stale"
                    && settled[i].path.starts_with("metadata.annotations")
            })
            .collect();
        if !stale.is_empty() {
            let mut fs: Vec<Finding> = stale.iter().map(|&i| settled[i].clone()).collect();
            point_in_files(&mut fs, stdin_text.as_deref());
            for (i, f) in stale.into_iter().zip(fs) {
                settled[i].source = f.source;
            }
        }
        out.findings = settled;
        return Ok(out);
    }

    if args.envs.is_empty() && !args.all_envs {
        return Err(Error::Usage(
            "nothing to check: pass --env ENV, --all-envs, or rendered FILES".into(),
        ));
    }
    let tree = open_tree(args)?;
    let root = tree.root().to_path_buf();
    // Paths inside the embedded copy live in a temporary directory: report them as
    // paths of the source tree instead.
    let shown = |p: &Path| -> PathBuf {
        if tree.is_embedded() {
            let rel = p.strip_prefix(&root).unwrap_or(p);
            Path::new("kubernetes/kagent").join(rel)
        } else {
            p.to_path_buf()
        }
    };
    let envs = if args.all_envs {
        tree.envs()?
    } else {
        args.envs.clone()
    };
    let policy_path = args
        .policy
        .clone()
        .unwrap_or_else(|| root.join("policy.yaml"));
    let policy = if args.policy.is_some() || policy_path.exists() {
        PolicyFile::load(&policy_path)?
    } else {
        PolicyFile::default()
    };
    for env in &envs {
        let overlay = tree.overlay(env)?;
        let built = crate::build::build_with_warnings(&overlay, &Default::default())?;
        let resmap = &built.resources;
        let objects: Vec<Object> = resmap
            .iter()
            .map(|r| Object {
                value: serde_json::Value::Object(r.obj.clone()),
                source: Source {
                    file: Some(r.origin.path.as_ref().clone())
                        .filter(|p| p.is_file())
                        .map(|p| shown(&p)),
                    line: Some(r.origin.line).filter(|l| *l > 0),
                },
            })
            .collect();
        let env_policy = policy.env(env);
        let mut fs = check_objects(&objects, env_policy, Some(env), &opts)?;
        if !tree.is_embedded() {
            // Point at the field in the object's source file (usually the base), when the
            // field is written there; else at its nearest parent.
            let mut texts: Vec<(PathBuf, String)> = Vec::new();
            for f in &fs {
                if let Some(file) = &f.source.file {
                    if !texts.iter().any(|(p, _)| p == file) {
                        if let Ok(text) = std::fs::read_to_string(file) {
                            texts.push((file.clone(), text));
                        }
                    }
                }
            }
            point_at_fields(&mut fs, &texts);
        }
        // Findings on fields point at the line that set the value: the environment is
        // built again with provenance, only when there are such findings (the first
        // build's objects dropped first).
        drop(objects);
        drop(built);
        if fs.iter().any(|f| !f.path.is_empty()) {
            let with_prov = crate::build::BuildOptions {
                provenance: true,
                ..Default::default()
            };
            let again = crate::build::build_with_warnings(&overlay, &with_prov)?;
            if let Some(prov) = &again.provenance {
                point_at_origins(&mut fs, &again.resources, prov, &shown);
            }
        }
        if env_policy.is_none() {
            let res = super::ResourceRef::default();
            let mut f = Finding::new(
                "policy-missing",
                if args.strict {
                    super::Severity::Error
                } else {
                    super::Severity::Note
                },
                &res,
                "",
                format!(
                    "{} has no policy for environment {env:?}: only the schema was checked",
                    policy_path.display()
                ),
                format!("add an `environments.{env}` section to the policy file"),
            );
            f.env = Some(env.clone());
            f.source.file = Some(shown(&policy_path));
            fs.push(f);
        }
        for f in &mut fs {
            if f.source.file.is_none() {
                f.source.file = Some(shown(&overlay.join("kustomization.yaml")));
            }
        }
        out.findings.extend(fs);
        out.checked.push(format!("env {env}"));
    }
    if policy_path.exists() {
        out.findings.extend(unknown_policy_envs(
            &policy,
            &tree.envs()?,
            &policy_path,
            &shown,
        ));
    }
    out.fallback_file = Some(shown(&root.join("policy.yaml")));
    Ok(out)
}

/// A `policy-unknown-env` warning for each policy section that names no environment of the
/// tree, at the section's line.
fn unknown_policy_envs(
    policy: &PolicyFile,
    envs: &[String],
    path: &Path,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Vec<Finding> {
    let unknown: Vec<&String> = policy
        .environments
        .keys()
        .filter(|name| !envs.contains(name))
        .collect();
    if unknown.is_empty() {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines = super::lines::field_lines(&text);
    unknown
        .into_iter()
        .map(|name| {
            let field = crate::settings::key_step("environments", name);
            let mut f = Finding::new(
                "policy-unknown-env",
                super::Severity::Warning,
                &super::ResourceRef::default(),
                "",
                format!(
                    "{} has a section for environment {name:?}, which the tree does not have \
                     (environments: {}): its requirements apply to nothing",
                    shown(path).display(),
                    envs.join(", ")
                ),
                format!("rename the section to an existing environment (`{} envs` lists them) or remove it", crate::program::program_name()),
            );
            f.source.file = Some(shown(path));
            f.source.line = lines.first().map(|d| d.line_of(&field));
            f
        })
        .collect()
}

/// [`point_at_fields`] for the findings from one file, recording the field lines of only
/// the documents that have findings.
fn point_in_file(findings: &mut [Finding], file: &Path, text: &str) {
    let mut wanted: std::collections::HashMap<usize, Vec<&str>> = std::collections::HashMap::new();
    for f in findings.iter() {
        if let (true, Some(start)) = (f.source.file.as_deref() == Some(file), f.source.line) {
            wanted.entry(start).or_default().push(&f.path);
        }
    }
    if wanted.is_empty() {
        return;
    }
    let docs = super::lines::field_lines_for(text, &wanted);
    let lines: Vec<Option<usize>> = findings
        .iter()
        .map(|f| {
            if f.source.file.as_deref() != Some(file) {
                return None;
            }
            let start = f.source.line?;
            let doc = docs.iter().find(|d| d.start == start)?;
            Some(doc.line_of(&f.path))
        })
        .collect();
    for (f, line) in findings.iter_mut().zip(lines) {
        if line.is_some() {
            f.source.line = line;
        }
    }
}

/// [`point_in_file`] for the findings of every file they name, reading each file again
/// (standard input from `stdin_text`).
fn point_in_files(findings: &mut [Finding], stdin_text: Option<&str>) {
    let mut files: Vec<PathBuf> = findings
        .iter()
        .filter_map(|f| f.source.file.clone())
        .collect();
    files.sort();
    files.dedup();
    for file in files {
        let text = if file == Path::new("<stdin>") {
            stdin_text.map(str::to_string)
        } else {
            std::fs::read_to_string(&file).ok()
        };
        if let Some(text) = text {
            point_in_file(findings, &file, &text);
        }
    }
}

/// Moves each finding's line from its document's start to the line of its field (or of the
/// field's nearest existing parent) in the rendered file it came from.
fn point_at_fields(findings: &mut [Finding], texts: &[(PathBuf, String)]) {
    let mut cache: Vec<Option<Vec<super::lines::DocLines>>> = vec![None; texts.len()];
    for f in findings.iter_mut() {
        let (Some(file), Some(start)) = (&f.source.file, f.source.line) else {
            continue;
        };
        let Some(i) = texts.iter().position(|(p, _)| p == file) else {
            continue;
        };
        let docs = cache[i].get_or_insert_with(|| super::lines::field_lines(&texts[i].1));
        if let Some(doc) = docs.iter().find(|d| d.start == start) {
            f.source.line = Some(doc.line_of(&f.path));
        }
    }
}

/// Moves each finding to the file and line that set its field's value (an overlay's
/// `replicas:` line rather than the base's `replicas: 1`), from the build's provenance.
fn point_at_origins(
    findings: &mut [Finding],
    m: &crate::resource::ResMap,
    prov: &crate::provenance::Provenance,
    shown: &dyn Fn(&Path) -> PathBuf,
) {
    for f in findings.iter_mut() {
        let res = &f.resource;
        let Some(r) = m.iter().find(|r| {
            r.kind() == res.kind && r.name() == res.name && r.namespace() == res.namespace
        }) else {
            continue;
        };
        if let Some(loc) = crate::provenance::field_location(r, prov, &f.path) {
            if loc.file.is_file() {
                f.source.file = Some(shown(&loc.file));
                f.source.line = Some(loc.line);
            }
        }
    }
}

/// Formats an outcome in `format`.
pub fn render(outcome: &Outcome, format: Format) -> String {
    match format {
        Format::Text => output::text_at(
            &outcome.findings,
            &outcome.checked,
            outcome.min_severity.severity(),
        ),
        Format::Json => {
            let v = output::json_report_at(
                &outcome.findings,
                &outcome.checked,
                outcome.min_severity.severity(),
            );
            format!("{v:#}\n")
        }
        Format::Sarif => {
            let v = output::sarif(&outcome.findings, outcome.fallback_file.as_deref());
            format!("{v:#}\n")
        }
    }
}

/// Runs `kagentctl check`; returns the exit code (0 clean, 1 findings; errors are `Err`,
/// which the caller maps to exit code 2).
pub fn run(args: &CheckArgs) -> Result<i32> {
    let outcome = collect(args)?;
    let text = render(&outcome, args.format);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(outcome.exit_code())
}
