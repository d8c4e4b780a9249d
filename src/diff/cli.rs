//! `kagentctl diff`: arguments, choosing the two sides, printing, exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::format::{self, Format, Options, Section};
use super::ignore::{self, IgnoreRules};
use super::immutable;
use super::source::{self, GitTree};
use super::{diff_sets_with, Key};
use crate::build::BuildOptions;
use crate::error::{Error, Result};
use crate::program::program_name;
use crate::provenance::why::{self, Side};
use crate::tree::{Found, KagentTree};

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always (overrides `NO_COLOR`).
    Always,
    /// Never.
    Never,
}

/// Arguments of `kagentctl diff`.
///
/// Modes: `OLD NEW` (two rendered files or directories), `--env ENV [--base REF]`
/// (the working tree against a git ref, `HEAD` by default), `--env ENV --against-env
/// OTHER` (two environments), `--check DIR` (committed snapshots against a fresh render).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(after_help = "Exit status: 0 no difference, 1 differences, 2 error.\n\
    Secret data/stringData values are never printed: they show as *** with each key's \
    status (added, removed, changed, unchanged).")]
pub struct DiffArgs {
    /// Two rendered YAML files or directories to compare (OLD NEW); `-` reads stdin.
    #[arg(value_names = ["OLD", "NEW"], num_args = 0..=2)]
    pub paths: Vec<PathBuf>,
    /// Environment to diff (repeatable).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Diff every environment.
    #[arg(long, conflicts_with = "envs")]
    pub all_envs: bool,
    /// Compare with the tree as it is at this git ref (default: HEAD).
    #[arg(long, value_name = "GIT_REF", conflicts_with_all = ["against_env", "check"])]
    pub base: Option<String>,
    /// Compare each --env with this environment (the old side).
    #[arg(long, value_name = "ENV", conflicts_with = "check")]
    pub against_env: Option<String>,
    /// Check the snapshots DIR/ENV.yaml against a fresh render; fails when stale.
    #[arg(long, value_name = "DIR")]
    pub check: Option<PathBuf>,
    /// The kagent tree (default: kubernetes/kagent in the current directory or a parent).
    #[arg(long, value_name = "DIR", env = "KAGENTCTL_ROOT")]
    pub root: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Colour (text and paths formats); `auto` honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Exit 0 even when there are differences.
    #[arg(long)]
    pub exit_zero: bool,
    /// Name, for each changed field, the source line that set it on each side (with
    /// --base or --against-env).
    #[arg(long)]
    pub explain: bool,
    /// Lines of context around each change.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub context: usize,
    /// Leave out changes at this field path (repeatable): keys separated by `.`, `*` for
    /// any key or list item or inside a key (`metadata.annotations.checksum/*`), list items
    /// by `[N]`, `[name=value]` or `[*]`. Ignored changes are counted in the summary.
    #[arg(long = "ignore", value_name = "PATH")]
    pub ignore: Vec<String>,
    /// Leave out resources of this kind (repeatable); counted in the summary.
    #[arg(long = "ignore-kind", value_name = "KIND")]
    pub ignore_kind: Vec<String>,
    /// With --format markdown: the comment's maximum size in bytes (default 60000; GitHub
    /// rejects comments over 65536 characters). The summary table always fits; resources
    /// that do not are left out whole, with a line saying how many.
    #[arg(long, value_name = "N")]
    pub max_bytes: Option<usize>,
    /// Show a removed and an added object of the same kind that are at least PCT percent
    /// similar (name and namespace aside) as one renamed or moved resource (default 80).
    #[arg(long, value_name = "PCT", num_args = 0..=1, require_equals = true,
          default_missing_value = "80",
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub detect_renames: Option<u8>,
}

/// Two sets of objects to compare, and how to label them.
#[derive(Debug, Default)]
struct Comparison {
    label: String,
    notes: Vec<String>,
    old: Vec<Value>,
    new: Vec<Value>,
    text_differs: bool,
    /// With --explain: both sides built with provenance.
    why_old: Option<Side>,
    why_new: Option<Side>,
}

/// Runs `kagentctl diff`; returns the exit code (0 same, 1 differences). Errors (bad
/// arguments, unknown ref, a render that fails) are returned for the caller to print and
/// map to exit status 2.
pub fn run(args: &DiffArgs) -> Result<i32> {
    if args.max_bytes.is_some() && args.format != Format::Markdown {
        return Err(Error::Usage(
            "--max-bytes limits the markdown comment: use it with --format markdown".into(),
        ));
    }
    if let Some(n) = args.max_bytes.filter(|n| *n < format::MARKDOWN_MIN_BYTES) {
        return Err(Error::Usage(format!(
            "--max-bytes {n} is too small: the summary table needs at least {} bytes",
            format::MARKDOWN_MIN_BYTES
        )));
    }
    let rules = IgnoreRules::new(&args.ignore, &args.ignore_kind, "--ignore")?;
    let (mut comparisons, file_rules) = comparisons(args)?;
    let rules = match file_rules {
        Some(f) => rules.merge(f),
        None => rules,
    };
    let mut ignored = Vec::with_capacity(comparisons.len());
    for c in &mut comparisons {
        if rules.is_empty() {
            ignored.push(ignore::Ignored::default());
            continue;
        }
        let (old, new, n) = rules.apply(&c.old, &c.new);
        c.old = old;
        c.new = new;
        ignored.push(n);
    }
    let sections: Vec<Section> = comparisons
        .iter()
        .zip(ignored)
        .map(|(c, ignored)| {
            let report = diff_sets_with(&c.old, &c.new, args.detect_renames);
            let mut notes = c.notes.clone();
            notes.extend(immutable::notes(&report.entries));
            Section {
                label: c.label.clone(),
                notes,
                report,
                text_differs: c.text_differs,
                ignored,
            }
        })
        .collect();
    let opts = Options {
        color: use_color(args.color, args.format),
        context: args.context,
    };
    let out = match args.format {
        Format::Markdown => format::markdown(
            &sections,
            &opts,
            &format::Limits {
                max_bytes: args.max_bytes.unwrap_or(format::MARKDOWN_BUDGET),
                rerun: rerun_command(),
            },
        ),
        f => format::render(&sections, f, &opts),
    };
    let out = if args.explain {
        explained(out, &sections, &comparisons, args.format)?
    } else {
        out
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(Error::io("<stdout>", e))
        }
        _ => {}
    }
    let different = sections.iter().any(Section::is_different);
    if different {
        if let Some(dir) = &args.check {
            eprintln!(
                "{p}: the snapshots in {d} are stale; refresh them with \
                 `{p} render --all-envs --out-dir {d}` and commit the result",
                d = dir.display(),
                p = program_name()
            );
        }
    }
    Ok(i32::from(different && !args.exit_zero))
}

/// `out` with, for each section, the source lines responsible for each changed field on
/// each side (`--explain`): a block after a text diff, a table after a markdown one, an
/// `explain` list in a JSON report.
fn explained(
    out: String,
    sections: &[Section],
    comparisons: &[Comparison],
    format: Format,
) -> Result<String> {
    let whys: Vec<(&str, Vec<why::FieldWhy>)> = sections
        .iter()
        .zip(comparisons)
        .map(|(s, c)| {
            let w = why::explain(&s.report, c.why_old.as_ref(), c.why_new.as_ref());
            (s.label.as_str(), w)
        })
        .filter(|(_, w)| !w.is_empty())
        .collect();
    Ok(match format {
        Format::Json => {
            let mut v: Value = serde_json::from_str(&out)
                .map_err(|e| Error::Build(format!("diff report: {e}")))?;
            let list: Vec<Value> = whys.iter().map(|(l, w)| why::json(l, w)).collect();
            if let Value::Object(m) = &mut v {
                m.insert("explain".into(), Value::Array(list));
            }
            let mut s = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::Build(format!("diff report: {e}")))?;
            s.push('\n');
            s
        }
        Format::Markdown => {
            let mut s = out;
            for (l, w) in &whys {
                s.push_str(&why::markdown(l, w));
            }
            s
        }
        _ => {
            let mut s = out;
            for (l, w) in &whys {
                s.push_str(&why::text(l, w));
            }
            s
        }
    })
}

/// The command line of this run with `--format text` instead of markdown and without
/// `--max-bytes`: what a reader runs to see everything a comment left out.
fn rerun_command() -> String {
    let mut out = vec![program_name().to_string()];
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.next() {
        if a == "--max-bytes" || a == "--format" {
            args.next();
            continue;
        }
        if a.starts_with("--max-bytes=") || a.starts_with("--format=") {
            continue;
        }
        let plain = a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@".contains(&b));
        out.push(if plain {
            a
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        });
    }
    out.join(" ")
}

/// Whether to colour: `--color`, then `NO_COLOR`, then whether stdout is a terminal.
fn use_color(choice: ColorChoice, format: Format) -> bool {
    if matches!(format, Format::Markdown | Format::Json) {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The comparisons to make, and the ignore rules of the `.kagentctl-diff.yaml` next to the
/// tree (or, for OLD NEW, in the working directory), if there is one.
fn comparisons(args: &DiffArgs) -> Result<(Vec<Comparison>, Option<IgnoreRules>)> {
    let file_rules = |dir: &Path| -> Result<Option<IgnoreRules>> {
        let p = dir.join(ignore::FILE_NAME);
        if p.is_file() {
            IgnoreRules::load(&p).map(Some)
        } else {
            Ok(None)
        }
    };
    let tree_flags = !args.envs.is_empty()
        || args.all_envs
        || args.base.is_some()
        || args.against_env.is_some()
        || args.check.is_some();
    match args.paths.as_slice() {
        [] => {}
        [old, new] if !tree_flags => {
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            return Ok((compare_paths(old, new)?, file_rules(&cwd)?));
        }
        [_, _] => {
            return Err(Error::Usage(
                "diff OLD NEW compares two rendered files or directories; it takes none of \
                 --env, --all-envs, --base, --against-env, --check"
                    .into(),
            ))
        }
        _ => {
            return Err(Error::Usage(
                "diff takes two paths (OLD NEW), or --env/--all-envs, or --check DIR".into(),
            ))
        }
    }
    let tree = open_tree(args)?;
    let rules = if tree.is_embedded() {
        None
    } else {
        file_rules(tree.root())?
    };
    if let Some(dir) = &args.check {
        if args.explain {
            return Err(Error::Usage(
                "--explain needs two builds: use --env with --base or --against-env".into(),
            ));
        }
        return Ok((check_snapshots(&tree, dir, &args.envs)?, rules));
    }
    if args.envs.is_empty() && !args.all_envs {
        return Err(Error::Usage(
            "which environments? pass --env ENV (repeatable) or --all-envs \
             (or OLD NEW paths, or --check DIR)"
                .into(),
        ));
    }
    let comparisons = match &args.against_env {
        Some(against) => against_env(&tree, &args.envs, args.all_envs, against, args.explain)?,
        None => against_ref(
            &tree,
            &args.envs,
            args.base.as_deref().unwrap_or("HEAD"),
            args.explain,
        )?,
    };
    Ok((comparisons, rules))
}

/// The kagent tree: `--root`/`KAGENTCTL_ROOT`, else `kubernetes/kagent` here or above, else
/// (except with `--base`, which needs a git work tree) the copy built into the binary.
fn open_tree(args: &DiffArgs) -> Result<KagentTree> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let root = args.root.as_deref().filter(|p| !p.as_os_str().is_empty());
    let (tree, found) = crate::tree::locate(root, None, &cwd)?;
    if found == Found::Embedded {
        if args.check.is_none() && args.against_env.is_none() {
            return Err(Error::Usage(format!(
                "no kubernetes/kagent in {} or its parents: --base reads the tree from git; \
                 run in the repository or pass --root DIR",
                cwd.display()
            )));
        }
        eprintln!(
            "{}: no kubernetes/kagent found here or above; using the tree built into kagentctl",
            program_name()
        );
    }
    Ok(tree)
}

fn render(tree: &KagentTree, env: &str) -> Result<Vec<Value>> {
    Ok(tree.render(env, &BuildOptions::default())?.to_values())
}

/// `diff OLD NEW`.
fn compare_paths(old: &Path, new: &Path) -> Result<Vec<Comparison>> {
    let show = |p: &Path| {
        if p == Path::new("-") {
            "(stdin)".to_string()
        } else {
            p.display().to_string()
        }
    };
    let label = format!("{} -> {}", show(old), show(new));
    match (old.is_dir(), new.is_dir()) {
        (false, false) => Ok(vec![Comparison {
            label,
            old: source::read_rendered(old)?,
            new: source::read_rendered(new)?,
            ..Comparison::default()
        }]),
        (true, true) => compare_dirs(old, new, label),
        _ => Err(Error::Usage(format!(
            "cannot compare a file with a directory: {} and {}",
            old.display(),
            new.display()
        ))),
    }
}

/// The files of a rendered directory: (relative stem, objects).
type DirFiles = Vec<(String, Vec<Value>)>;

fn read_dir(dir: &Path) -> Result<DirFiles> {
    source::yaml_files(dir)?
        .into_iter()
        .map(|(stem, path)| Ok((stem, source::read_rendered(&path)?)))
        .collect()
}

/// Whether two files of the directory hold an object with the same identity.
fn files_overlap(files: &DirFiles) -> bool {
    let mut seen: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    files.iter().enumerate().any(|(i, (_, objs))| {
        objs.iter()
            .filter(|v| v.is_object())
            .any(|v| *seen.entry(Key::of(v)).or_insert(i) != i)
    })
}

/// Two directories: one set each (a move between files is no change), unless files of
/// one directory repeat the same objects (one file per environment, as `render
/// --out-dir` writes): then files are paired by relative path.
fn compare_dirs(old: &Path, new: &Path, label: String) -> Result<Vec<Comparison>> {
    let old_files = read_dir(old)?;
    let new_files = read_dir(new)?;
    if !files_overlap(&old_files) && !files_overlap(&new_files) {
        let flatten = |f: DirFiles| f.into_iter().flat_map(|(_, v)| v).collect();
        return Ok(vec![Comparison {
            label,
            old: flatten(old_files),
            new: flatten(new_files),
            ..Comparison::default()
        }]);
    }
    let mut new_map: std::collections::BTreeMap<String, Vec<Value>> =
        new_files.into_iter().collect();
    let mut out = Vec::new();
    for (stem, objs) in old_files {
        let mut c = Comparison {
            label: stem.clone(),
            old: objs,
            ..Comparison::default()
        };
        match new_map.remove(&stem) {
            Some(n) => c.new = n,
            None => c.notes.push(format!(
                "{stem} is only in {}: everything is removed",
                old.display()
            )),
        }
        out.push(c);
    }
    for (stem, objs) in new_map {
        out.push(Comparison {
            notes: vec![format!(
                "{stem} is only in {}: everything is added",
                new.display()
            )],
            label: stem,
            new: objs,
            ..Comparison::default()
        });
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

/// `diff --check DIR`: the snapshot DIR/<env>.yaml is the old side, a fresh render the new.
fn check_snapshots(tree: &KagentTree, dir: &Path, only: &[String]) -> Result<Vec<Comparison>> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such directory; create it with `{} render --all-envs --out-dir {}`",
            dir.display(),
            program_name(),
            dir.display()
        )));
    }
    let all = tree.envs()?;
    let envs: Vec<String> = if only.is_empty() {
        all.clone()
    } else {
        for e in only {
            tree.overlay(e)?;
        }
        only.to_vec()
    };
    let mut out = Vec::new();
    for env in &envs {
        let new = render(tree, env)?;
        let path = dir.join(format!("{env}.yaml"));
        let mut c = Comparison {
            label: env.clone(),
            ..Comparison::default()
        };
        if path.is_file() {
            let text = source::read_text(&path)?;
            c.old = source::parse_rendered(&text, &path)?;
            if c.old == new && text != crate::yaml::emit_documents(&new) {
                c.text_differs = true;
                c.notes.push(format!(
                    "{} has the same objects but not the text `{} render` writes \
                     (formatting or order)",
                    path.display(),
                    program_name()
                ));
            }
        } else {
            c.notes.push(format!(
                "{} does not exist: everything is added",
                path.display()
            ));
        }
        c.new = new;
        out.push(c);
    }
    if only.is_empty() {
        // Snapshots of environments that no longer exist are stale too.
        for (stem, path) in source::yaml_files(dir)? {
            if stem.contains('/') || all.contains(&stem) {
                continue;
            }
            out.push(Comparison {
                notes: vec![format!(
                    "there is no environment {stem} in {}: {} is stale (everything is removed)",
                    tree.root().display(),
                    path.display()
                )],
                label: stem,
                old: source::read_rendered(&path)?,
                ..Comparison::default()
            });
        }
    }
    Ok(out)
}

/// `diff --env ENV --against-env OTHER`: OTHER is the old side.
fn against_env(
    tree: &KagentTree,
    envs: &[String],
    all_envs: bool,
    against: &str,
    explain: bool,
) -> Result<Vec<Comparison>> {
    let envs: Vec<String> = if all_envs {
        tree.envs()?.into_iter().filter(|e| e != against).collect()
    } else {
        envs.to_vec()
    };
    let old = render(tree, against)?;
    let side = |env: &str| -> Result<Option<Side>> {
        if !explain {
            return Ok(None);
        }
        Side::build(&tree.overlay(env)?, tree.root(), &BuildOptions::default()).map(Some)
    };
    envs.iter()
        .map(|env| {
            Ok(Comparison {
                label: format!("{against} -> {env}"),
                old: old.clone(),
                new: render(tree, env)?,
                why_old: side(against)?,
                why_new: side(env)?,
                ..Comparison::default()
            })
        })
        .collect()
}

/// The environments of a tree that may not exist (absent at a git ref).
fn envs_if_any(tree: &KagentTree) -> Result<Vec<String>> {
    if tree.root().join("overlays").is_dir() {
        tree.envs()
    } else {
        Ok(Vec::new())
    }
}

/// `diff --env ENV --base REF`: the tree at REF is the old side, the working tree the new.
fn against_ref(
    tree: &KagentTree,
    envs: &[String],
    git_ref: &str,
    explain: bool,
) -> Result<Vec<Comparison>> {
    let snapshot: GitTree = source::tree_at_ref(tree.root(), git_ref)?;
    let base = KagentTree::at(&snapshot.root);
    let base_envs = envs_if_any(&base)?;
    let work_envs = tree.envs()?;
    let envs: Vec<String> = if envs.is_empty() {
        let mut all = work_envs.clone();
        all.extend(base_envs.iter().filter(|e| !work_envs.contains(e)).cloned());
        all.sort();
        all
    } else {
        envs.to_vec()
    };
    let mut out = Vec::new();
    for env in &envs {
        let (in_base, in_work) = (base_envs.contains(env), work_envs.contains(env));
        if !in_base && !in_work {
            // Let the tree say which environments exist.
            tree.overlay(env)?;
        }
        let mut c = Comparison {
            label: env.clone(),
            ..Comparison::default()
        };
        if in_base {
            c.old = render(&base, env).map_err(|e| at_ref(e, &snapshot, git_ref))?;
            if explain {
                let side = Side::build(&base.overlay(env)?, base.root(), &BuildOptions::default());
                c.why_old = Some(side.map_err(|e| at_ref(e, &snapshot, git_ref))?);
            }
        } else {
            c.notes.push(format!(
                "environment {env} does not exist at {git_ref}: it is new, everything is added"
            ));
        }
        if in_work {
            c.new = render(tree, env)?;
            if explain {
                let side = Side::build(&tree.overlay(env)?, tree.root(), &BuildOptions::default());
                c.why_new = Some(side?);
            }
        } else {
            c.notes.push(format!(
                "environment {env} no longer exists in the working tree: everything is removed"
            ));
        }
        out.push(c);
    }
    Ok(out)
}

/// Names the ref in a render error from the extracted tree, instead of its temporary path.
fn at_ref(e: Error, snapshot: &GitTree, git_ref: &str) -> Error {
    let tmp = snapshot.root.display().to_string();
    Error::Build(format!(
        "at {git_ref} ({}): {}",
        &snapshot.commit[..snapshot.commit.len().min(12)],
        e.to_string()
            .replace(&tmp, &format!("{git_ref}:{}", snapshot.prefix))
    ))
}
