//! Commands that fit kagentctl into its users' tools: `version`, `completions` (shell
//! completion scripts from `clap_complete`) and `man` (manual pages from `clap_mangen`).
//! All of them derive from the clap definition in [`crate::cli`], so new commands and flags
//! appear in completions and man pages without further work.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::error::{Error, Result};
use crate::version::VersionInfo;

/// Output format of `kagentctl version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum VersionFormat {
    /// One `name value` line each.
    #[default]
    Text,
    /// A JSON object (`kagentctl`, `kustomize`, `kubernetes_schema`, `git_commit`).
    Json,
}

/// Arguments of `version`.
#[derive(Debug, Clone, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = VersionFormat::Text)]
    pub format: VersionFormat,
}

/// Arguments of `completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Print the page of this subcommand (e.g. `render`) instead of the top-level page.
    #[arg(value_name = "COMMAND", conflicts_with = "out_dir")]
    pub command: Option<String>,
    /// Write every page (kagentctl.1, kagentctl-render.1, ...) into DIR instead of
    /// printing one.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// `kagentctl version`: the text or JSON form of [`VersionInfo::current`].
pub fn version(a: &VersionArgs) -> Result<String> {
    let v = VersionInfo::current()?;
    Ok(match a.format {
        VersionFormat::Text => v.to_text(),
        VersionFormat::Json => {
            let mut s = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::Build(format!("cannot print the versions as JSON: {e}")))?;
            s.push('\n');
            s
        }
    })
}

/// The completion script of `shell` for the `kagentctl` command (`cli`, the clap
/// definition: `Cli::command()`).
pub fn completions(shell: clap_complete::Shell, mut cli: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cli, "kagentctl", &mut out);
    out
}

/// Every man page: (file name, roff text), the top-level page first, then one per
/// subcommand (nested ones too), named `kagentctl-<command>.1`.
pub fn man_pages(cli: clap::Command) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(cmd.clone())
            .source(format!("kagentctl {}", env!("CARGO_PKG_VERSION")));
        let mut text = Vec::new();
        man.render(&mut text)?;
        out.push((man.get_filename(), text));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out)?;
        }
        Ok(())
    }
    let mut cmd = cli.disable_help_subcommand(true);
    // Building names each subcommand `kagentctl-<name>`, the pages' titles and file names.
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut out)?;
    Ok(out)
}

/// `kagentctl man`: prints one page, or writes all of them into `--out-dir`. Returns what
/// to print on stdout.
pub fn man(a: &ManArgs, cli: clap::Command) -> Result<Vec<u8>> {
    let pages =
        man_pages(cli).map_err(|e| Error::Build(format!("cannot render man pages: {e}")))?;
    if let Some(dir) = &a.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (name, text) in &pages {
            crate::cli::common::write_atomic(&dir.join(name), text)?;
        }
        return Ok(Vec::new());
    }
    let wanted = match &a.command {
        Some(c) => format!("kagentctl-{c}.1"),
        None => "kagentctl.1".to_string(),
    };
    match pages.into_iter().find(|(name, _)| *name == wanted) {
        Some((_, text)) => Ok(text),
        None => Err(Error::Usage(format!(
            "no man page for {:?}: name a subcommand (see `{} --help`)",
            a.command.as_deref().unwrap_or_default(),
            crate::program::program_name()
        ))),
    }
}
