//! Command-line interface: clap definitions and the wiring of each command. No logic
//! beyond reading arguments, calling the library and writing output.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::build::{build_with_warnings, BuildOptions};
use crate::error::{Error, Result};
use crate::resource::ResMap;

pub mod common;

pub use common::{open_tree, write_atomic, write_atomic_with, Restrictor};

/// Render kagent's Kubernetes manifests exactly like `kubectl kustomize`, diff them, check them.
#[derive(Debug, Parser)]
#[command(name = "kagentctl", version, about)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one environment of the kagent tree (overlays/ENV).
    Render(RenderArgs),
    /// Build any kustomization directory, as `kustomize build DIR` does.
    Build(BuildArgs),
    /// List the environments of the kagent tree, with the components each switches on.
    Envs(TreeArgs),
    /// Create a new environment (overlays/NAME) from an existing one plus components.
    NewEnv(NewEnvArgs),
    /// Show what a change does to the rendered manifests (exit 0 same, 1 different, 2 error).
    Diff(crate::diff::cli::DiffArgs),
    /// Validate rendered manifests against the Kubernetes schema and the policy (exit 0 clean, 1 findings, 2 error).
    Check(crate::check::cli::CheckArgs),
    /// Print kagentctl's version, the Kustomize and Kubernetes schema versions it matches, and its git commit.
    Version(crate::integrate::VersionArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(crate::integrate::CompletionsArgs),
    /// Print a man page, or write all of them with --out-dir.
    Man(crate::integrate::ManArgs),
    /// Where a field's value came from: file, line, step, and the values it replaced.
    Explain(crate::provenance::cli::ExplainArgs),
    /// The rendered YAML with each line's origin as an end-of-line comment.
    Blame(crate::provenance::cli::BlameArgs),
}

pub use crate::program::{program_name, program_name_for, KUBECTL_PLUGIN_EXE};

impl Cli {
    /// Parses the process's arguments; help, usage and errors name the program `name`
    /// (see [`program_name`]). Exits on a usage error, as clap does.
    pub fn parse_as(name: &'static str) -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().bin_name(name).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// Output format of rendered manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// YAML documents, byte-identical to kubectl kustomize.
    #[default]
    Yaml,
    /// A JSON list of objects.
    Json,
}

/// Where the kagent tree is.
#[derive(Debug, Clone, Args)]
pub struct TreeArgs {
    /// The kagent tree (holding base/ and overlays/); default: $KAGENTCTL_ROOT, else
    /// kubernetes/kagent in this directory or a parent, else the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Output options shared by render and build.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write to PATH (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// File-system restriction, as in kustomize.
    #[arg(long = "load-restrictor", value_enum, default_value_t = Restrictor::RootOnly)]
    pub load_restrictor: Restrictor,
}

/// Arguments of `render`.
#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    /// The environment (a directory under overlays/).
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "all_envs",
        conflicts_with = "all_envs"
    )]
    pub env: Option<String>,
    /// Render every environment into --out-dir, one ENV.yaml each.
    #[arg(long, requires = "out_dir")]
    pub all_envs: bool,
    /// Directory for --all-envs snapshots.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Add components (directories under components/, comma-separated) on top of the
    /// environment for this render, as an overlay listing them under `components:` would.
    #[arg(long = "with", value_name = "COMPONENTS", requires = "env")]
    pub with: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub tree: TreeArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub out: OutputArgs,
}

/// Arguments of `new-env`.
#[derive(Debug, Clone, Args)]
pub struct NewEnvArgs {
    /// Name of the new environment (a directory under overlays/ that must not exist yet).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The environment it builds on.
    #[arg(long, value_name = "ENV")]
    pub from: String,
    /// Components to switch on (directories under components/, comma-separated).
    #[arg(long = "with", value_name = "COMPONENTS")]
    pub with: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub tree: TreeArgs,
}

/// Arguments of `build`.
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// The kustomization directory.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub out: OutputArgs,
}

impl Cli {
    /// The exit code for an error of this command: 2 for diff and check (1 means
    /// "differences" or "findings" there), 2 for usage errors, 1 otherwise.
    pub fn error_exit_code(&self, e: &Error) -> u8 {
        match (&self.command, e) {
            (Command::Diff(_) | Command::Check(_), _) => 2,
            (_, Error::Usage(_)) => 2,
            _ => 1,
        }
    }
}

/// Runs a parsed command line; returns the exit code. Notices go to `stderr`.
pub fn run(cli: &Cli) -> Result<u8> {
    match &cli.command {
        Command::Render(a) => render(a).map(|_| 0),
        Command::Build(a) => {
            let opts = BuildOptions {
                load_restrictor: a.out.load_restrictor.into(),
                ..Default::default()
            };
            let out = build_with_warnings(&a.dir, &opts)?;
            print_warnings(&out.warnings);
            write_output(&out.resources, &a.out)?;
            // The process ends right after: skip freeing thousands of small allocations.
            std::mem::forget(out);
            Ok(0)
        }
        Command::Envs(a) => {
            let t = open_tree(&a.root)?;
            let mut s = String::new();
            for e in t.envs()? {
                // `NAME` alone, or `NAME<TAB>component,component` (`cut -f1` gives names).
                s.push_str(&e);
                let comps = crate::components::of_env(&t, &e)?;
                if !comps.is_empty() {
                    s.push('\t');
                    s.push_str(&comps.join(","));
                }
                s.push('\n');
            }
            write_stdout(s.as_bytes())?;
            Ok(0)
        }
        Command::NewEnv(a) => {
            let t = open_tree(&a.tree.root)?;
            let comps = crate::components::parse_with(&t, &a.with)?;
            let made = crate::new_env::create(&t, &a.name, &a.from, &comps)?;
            eprintln!(
                "{p}: wrote {}; render it with `{p} render --env {}`. policy.yaml has no section for it yet: copy the one of {} so `{p} check` applies a policy.",
                made.dir.join("kustomization.yaml").display(),
                a.name,
                a.from,
                p = program_name()
            );
            Ok(0)
        }
        Command::Diff(a) => crate::diff::cli::run(a).map(|c| c.clamp(0, 255) as u8),
        Command::Check(a) => crate::check::cli::run(a).map(|c| c.clamp(0, 255) as u8),
        Command::Version(a) => write_stdout(crate::integrate::version(a)?.as_bytes()).map(|_| 0),
        Command::Completions(a) => {
            write_stdout(&crate::integrate::completions(a.shell, Cli::command())).map(|_| 0)
        }
        Command::Man(a) => write_stdout(&crate::integrate::man(a, Cli::command())?).map(|_| 0),
        Command::Explain(a) => crate::provenance::cli::run_explain(a),
        Command::Blame(a) => crate::provenance::cli::run_blame(a),
    }
}

fn print_warnings(w: &[String]) {
    for line in w {
        eprintln!("{line}");
    }
}

fn render(a: &RenderArgs) -> Result<()> {
    let t = open_tree(&a.tree.root)?;
    let opts = BuildOptions {
        load_restrictor: a.out.load_restrictor.into(),
        ..Default::default()
    };
    if a.all_envs {
        let Some(dir) = &a.out_dir else {
            return Err(Error::Usage(
                "--all-envs writes one file per environment: add --out-dir DIR".into(),
            ));
        };
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let ext = if a.out.format == Format::Json {
            "json"
        } else {
            "yaml"
        };
        // Render everything first, so a failure leaves every snapshot untouched.
        let mut rendered = Vec::new();
        for env in t.envs()? {
            let out = build_with_warnings(&t.overlay(&env)?, &opts)?;
            print_warnings(&out.warnings);
            rendered.push((env, format_output(&out.resources, a.out.format)));
        }
        for (env, text) in rendered {
            write_atomic(&dir.join(format!("{env}.{ext}")), text.as_bytes())?;
        }
        return Ok(());
    }
    let env = a.env.as_deref().unwrap_or_default();
    let out = if a.with.is_empty() {
        build_with_warnings(&t.overlay(env)?, &opts)?
    } else {
        let comps = crate::components::parse_with(&t, &a.with)?;
        crate::components::render_with(&t, env, &comps, &opts)?
    };
    print_warnings(&out.warnings);
    write_output(&out.resources, &a.out)?;
    // The process ends right after: skip freeing thousands of small allocations.
    std::mem::forget(out);
    Ok(())
}

/// Formats resources as YAML (Kustomize's bytes) or a JSON list.
pub fn format_output(m: &ResMap, format: Format) -> String {
    let mut out = Vec::with_capacity(m.len() * 1024);
    // Writing into a Vec cannot fail.
    let _ = write_resources(m, format, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Fewest resources worth printing on several threads.
const PARALLEL_EMIT_MIN: usize = 512;
/// Resources printed together on several threads before their text is written out (so
/// the output is never held whole).
const PARALLEL_EMIT_CHUNK: usize = 256;

/// Streams resources to `w` a document (or, for large outputs, a chunk of documents
/// printed on several threads) at a time: the output is never held whole.
pub fn write_resources(m: &ResMap, format: Format, w: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Yaml if m.len() >= PARALLEL_EMIT_MIN => {
            use rayon::prelude::*;
            for (c, chunk) in m.as_slice().chunks(PARALLEL_EMIT_CHUNK).enumerate() {
                let docs: Vec<String> = chunk
                    .par_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut doc = String::with_capacity(4096);
                        if c > 0 || i > 0 {
                            doc.push_str("---\n");
                        }
                        crate::yaml::emit_object(&r.obj, &mut doc);
                        doc
                    })
                    .collect();
                for doc in &docs {
                    w.write_all(doc.as_bytes())?;
                }
            }
            Ok(())
        }
        Format::Yaml => {
            let mut doc = String::with_capacity(4096);
            for (i, r) in m.iter().enumerate() {
                doc.clear();
                if i > 0 {
                    doc.push_str("---\n");
                }
                crate::yaml::emit_object(&r.obj, &mut doc);
                w.write_all(doc.as_bytes())?;
            }
            Ok(())
        }
        Format::Json => {
            let objs: Vec<&serde_json::Map<String, serde_json::Value>> =
                m.iter().map(|r| &r.obj).collect();
            serde_json::to_writer_pretty(&mut *w, &objs)?;
            w.write_all(b"\n")
        }
    }
}

fn write_output(m: &ResMap, out: &OutputArgs) -> Result<()> {
    match &out.output {
        Some(p) => write_atomic_with(p, |w| write_resources(m, out.format, w)),
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            write_resources(m, out.format, &mut w)
                .and_then(|_| w.flush())
                .map_err(|e| Error::io("<stdout>", e))
        }
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(bytes)
        .and_then(|_| lock.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::resource::{Origin, Resource};

    #[test]
    fn large_outputs_printed_on_several_threads_match_one_at_a_time() {
        let mut m = ResMap::new();
        for i in 0..(PARALLEL_EMIT_MIN + PARALLEL_EMIT_CHUNK + 7) {
            let obj = serde_json::json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": format!("cm-{i}")},
                "data": {"k": "v ".repeat(i % 50), "n": i.to_string()},
            });
            let serde_json::Value::Object(obj) = obj else {
                unreachable!("a JSON object literal")
            };
            let origin = Origin {
                path: Arc::new(PathBuf::from("x.yaml")),
                line: 1,
            };
            assert!(m.append(Resource::new(obj, origin)).is_ok());
        }
        let mut expected = String::new();
        for (i, r) in m.iter().enumerate() {
            if i > 0 {
                expected.push_str("---\n");
            }
            crate::yaml::emit_object(&r.obj, &mut expected);
        }
        let mut out = Vec::new();
        write_resources(&m, Format::Yaml, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
