//! `kagentctl explain` and `kagentctl blame`: arguments, building with provenance,
//! printing.

use std::path::PathBuf;

use crate::build::{build_with_warnings, BuildOptions, BuildOutput};
use crate::cli::common::{open_tree, write_atomic, Restrictor};
use crate::error::{Error, Result};

use super::{blame, find, Explanation, Provenance};

/// Output format of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `kagentctl explain`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:\n  \
    kagentctl explain --env prod StatefulSet/kagent spec.replicas\n  \
    kagentctl explain --env prod StatefulSet/kagent 'spec.template.spec.containers[name=kagent].resources.limits.cpu'\n  \
    kagentctl explain overlays/prod ConfigMap/kagent-config data.LOG_LEVEL --format json")]
pub struct ExplainArgs {
    /// `[DIR] KIND/NAME PATH`: DIR (a kustomization directory) unless --env is given; PATH
    /// dotted, list items by index or merge key (`containers[name=kagent]`).
    #[arg(value_name = "ARGS", num_args = 2..=3, required = true)]
    pub args: Vec<String>,
    /// Environment of the kagent tree (overlays/ENV) instead of DIR.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// The kagent tree, for --env (default as for `render`).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Namespace of the object, when KIND/NAME names several.
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// File-system restriction, as in kustomize.
    #[arg(long = "load-restrictor", value_enum, default_value_t = Restrictor::RootOnly)]
    pub load_restrictor: Restrictor,
}

/// Arguments of `kagentctl blame`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:\n  \
    kagentctl blame --env prod\n  \
    kagentctl blame --env prod StatefulSet/kagent\n  \
    kagentctl blame path/to/kustomization-dir Deployment/web\n\n\
    Without the end-of-line comments the output is byte for byte `render`/`build`.")]
pub struct BlameArgs {
    /// `[DIR] [KIND/NAME]`: DIR (default .) unless --env is given; KIND/NAME shows one object.
    #[arg(value_name = "ARGS", num_args = 0..=2)]
    pub args: Vec<String>,
    /// Environment of the kagent tree (overlays/ENV) instead of DIR.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// The kagent tree, for --env (default as for `render`).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Namespace of the object, when KIND/NAME names several.
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Write to PATH (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// File-system restriction, as in kustomize.
    #[arg(long = "load-restrictor", value_enum, default_value_t = Restrictor::RootOnly)]
    pub load_restrictor: Restrictor,
}

/// A build with provenance and the directory file names are shown relative to.
struct Built {
    out: BuildOutput,
    root: PathBuf,
    /// The tree, kept so an embedded copy's files live as long as the build.
    _tree: Option<crate::tree::KagentTree>,
}

impl Built {
    /// Ends the command without tearing down the build: freeing every object and record
    /// one by one costs a twentieth of a large build, and the process exits next (as
    /// `build` does). The tree, which may own a temporary copy, is still dropped.
    fn finish(self) {
        let Built { out, root, _tree } = self;
        std::mem::forget(out);
        drop(root);
        drop(_tree);
    }
}

/// Builds `--env ENV` of the kagent tree (names relative to the tree) or `dir` (names as
/// the build read them) with provenance.
fn build_prov(
    env: Option<&str>,
    root: &Option<PathBuf>,
    dir: Option<&str>,
    restrictor: Restrictor,
) -> Result<Built> {
    let opts = BuildOptions {
        load_restrictor: restrictor.into(),
        provenance: true,
    };
    let (dir, root, tree) = match env {
        Some(env) => {
            let t = open_tree(root)?;
            let dir = t.overlay(env)?;
            let root = crate::load::clean(t.root());
            (dir, root, Some(t))
        }
        None => (PathBuf::from(dir.unwrap_or(".")), PathBuf::new(), None),
    };
    let out = build_with_warnings(&dir, &opts)?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    Ok(Built {
        out,
        root,
        _tree: tree,
    })
}

/// Runs `explain`; returns the exit code.
pub fn run_explain(a: &ExplainArgs) -> Result<u8> {
    let (dir, target, field) = match (a.env.as_deref(), a.args.as_slice()) {
        (Some(_), [t, f]) => (None, t, f),
        (None, [d, t, f]) => (Some(d.as_str()), t, f),
        (Some(_), _) => {
            return Err(Error::Usage(
                "with --env, give KIND/NAME PATH (e.g. StatefulSet/kagent spec.replicas)".into(),
            ))
        }
        (None, _) => {
            return Err(Error::Usage(
                "give DIR KIND/NAME PATH, or --env ENV KIND/NAME PATH".into(),
            ))
        }
    };
    let b = build_prov(a.env.as_deref(), &a.root, dir, a.load_restrictor)?;
    let none = Provenance::default();
    let prov = b.out.provenance.as_ref().unwrap_or(&none);
    let r = find(&b.out.resources, target, a.namespace.as_deref()).map_err(Error::Usage)?;
    let e = Explanation::of(r, field).map_err(|m| Error::Usage(format!("{target}: {m}")))?;
    let text = match a.format {
        ExplainFormat::Text => e.text(prov, &b.root),
        ExplainFormat::Json => {
            let mut s = serde_json::to_string_pretty(&e.json(prov, &b.root))
                .map_err(|err| Error::Build(err.to_string()))?;
            s.push('\n');
            s
        }
    };
    print(&text)?;
    b.finish();
    Ok(0)
}

/// Runs `blame`; returns the exit code.
pub fn run_blame(a: &BlameArgs) -> Result<u8> {
    let (dir, target) = match (a.env.as_deref(), a.args.as_slice()) {
        (Some(_), []) => (None, None),
        (Some(_), [t]) => (None, Some(t)),
        (Some(_), _) => {
            return Err(Error::Usage(
                "with --env, give at most KIND/NAME (no directory)".into(),
            ))
        }
        (None, []) => (None, None),
        (None, [d]) => (Some(d.as_str()), None),
        (None, [d, t, ..]) => (Some(d.as_str()), Some(t)),
    };
    let b = build_prov(a.env.as_deref(), &a.root, dir, a.load_restrictor)?;
    let none = Provenance::default();
    let prov = b.out.provenance.as_ref().unwrap_or(&none);
    let text = match target {
        Some(t) => {
            let r = find(&b.out.resources, t, a.namespace.as_deref()).map_err(Error::Usage)?;
            blame::annotate([r], prov, &b.root)
        }
        None => blame::annotate(b.out.resources.iter(), prov, &b.root),
    };
    match &a.output {
        Some(p) => write_atomic(p, text.as_bytes())?,
        None => print(&text)?,
    }
    std::mem::forget(text);
    b.finish();
    Ok(0)
}

fn print(text: &str) -> Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(text.as_bytes())
        .and_then(|_| lock.flush())
        .map_err(|e| Error::io("<stdout>", e))
}
