//! The pre-commit hooks (.pre-commit-hooks.yaml): every entry is a command line the CLI
//! accepts, each `language: rust` hook has a `system` twin, and — where `pre-commit` is
//! installed (.ci/run installs it from PyPI when it can; skipped with a notice otherwise) —
//! `pre-commit try-repo` runs them in a scratch repository: they pass on a clean tree and
//! the snapshot hook fails on stale snapshots.

use crate::common::repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::Parser;
use kagentctl::cli::Cli;
use serde_json::Value;

fn hooks() -> Vec<Value> {
    let text = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).expect("hooks file");
    let doc = kagentctl::yaml::parse_documents(&text, kagentctl::yaml::Limits::default())
        .expect("valid YAML")
        .into_iter()
        .next()
        .expect("a document")
        .value;
    doc.as_array().expect("a list of hooks").clone()
}

fn hook(id: &str) -> Value {
    hooks()
        .into_iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("no hook {id}"))
}

/// The command line a hook runs: its entry, then its args (files are not passed).
fn argv(h: &Value) -> Vec<String> {
    let mut v: Vec<String> = h["entry"]
        .as_str()
        .expect("entry")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if let Some(args) = h["args"].as_array() {
        v.extend(
            args.iter()
                .map(|a| a.as_str().expect("string arg").to_string()),
        );
    }
    v
}

#[test]
fn every_hook_runs_a_command_line_the_cli_accepts() {
    let all = hooks();
    for id in [
        "kagentctl-check",
        "kagentctl-snapshots",
        "kagentctl-check-system",
        "kagentctl-snapshots-system",
    ] {
        assert!(all.iter().any(|h| h["id"] == id), "no hook {id}");
    }
    for h in &all {
        let argv = argv(h);
        assert_eq!(argv[0], "kagentctl", "{h}");
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("hook {}: `{}` is rejected:\n{e}", h["id"], argv.join(" "));
        }
        assert_eq!(
            h["pass_filenames"], false,
            "{}: kagentctl takes no file list",
            h["id"]
        );
        assert!(h["name"].is_string() && h["files"].is_string(), "{h}");
    }
}

#[test]
fn each_rust_hook_has_a_system_twin_running_the_same_command() {
    for h in hooks().iter().filter(|h| h["language"] == "rust") {
        let id = h["id"].as_str().expect("id");
        let twin = hook(&format!("{id}-system"));
        assert_eq!(twin["language"], "system");
        assert_eq!(argv(&twin), argv(h), "{id}");
        assert_eq!(twin["files"], h["files"], "{id}");
    }
}

/// A scratch repository with the kagent tree and its committed snapshots.
fn consumer() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path().join("work");
    copy_dir(
        &repo().join("kubernetes/kagent"),
        &work.join("kubernetes/kagent"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kagentctl"))
        .args(["render", "--all-envs", "--out-dir", "rendered/"])
        .current_dir(&work)
        .env_remove("KAGENTCTL_ROOT")
        .output()
        .expect("render");
    assert!(out.status.success(), "{out:?}");
    git(&work, &["init", "-q"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "snapshots"]);
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

fn pre_commit_available() -> bool {
    match Command::new("pre-commit").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!(
                "notice: pre-commit is not installed (pip install pre-commit); skipping pre-commit try-repo"
            );
            false
        }
    }
}

/// A hook repository holding only this repository's .pre-commit-hooks.yaml: enough for
/// `system` hooks, and much faster for try-repo to clone than the whole repository.
fn hook_repo(dir: &Path) -> PathBuf {
    let hooks = dir.join("hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    std::fs::copy(
        repo().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .expect("copy hooks");
    git(&hooks, &["init", "-q"]);
    git(&hooks, &["add", "."]);
    git(&hooks, &["commit", "-q", "-m", "hooks"]);
    hooks
}

/// `pre-commit try-repo HOOK_REPO HOOK --all-files` in `dir`'s work tree, with this
/// build's kagentctl first on PATH.
fn try_repo(dir: &Path, hook_repo: &Path, hook: &str) -> Output {
    let bin_dir: PathBuf = Path::new(env!("CARGO_BIN_EXE_kagentctl"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    Command::new("pre-commit")
        .arg("try-repo")
        .arg(hook_repo)
        .args([hook, "--all-files"])
        .current_dir(dir.join("work"))
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", dir.join("pre-commit-home"))
        .env("NO_COLOR", "1")
        .env_remove("KAGENTCTL_ROOT")
        .output()
        .expect("pre-commit runs")
}

#[test]
fn try_repo_runs_the_hooks_they_pass_on_a_clean_tree_and_catch_stale_snapshots() {
    if !pre_commit_available() {
        return;
    }
    let dir = consumer();
    let hooks = hook_repo(dir.path());
    for hook in ["kagentctl-check-system", "kagentctl-snapshots-system"] {
        let out = try_repo(dir.path(), &hooks, hook);
        assert!(
            out.status.success(),
            "{hook}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Passed"));
    }
    // Change prod without refreshing its snapshot: the snapshot hook fails and says how to
    // refresh.
    let k = dir
        .path()
        .join("work/kubernetes/kagent/overlays/prod/kustomization.yaml");
    let text = std::fs::read_to_string(&k).expect("prod kustomization");
    std::fs::write(&k, format!("{text}\nnamePrefix: renamed-\n")).expect("write");
    let out = try_repo(dir.path(), &hooks, "kagentctl-snapshots-system");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Failed") && stdout.contains("stale"),
        "{stdout}"
    );
}

/// The `language: rust` hook builds kagentctl with cargo (a release build: minutes), so it
/// runs on request: `cargo test --test pre_commit -- --ignored`.
#[test]
#[ignore = "builds kagentctl in release mode through pre-commit (minutes)"]
fn try_repo_builds_and_runs_the_rust_hook() {
    if !pre_commit_available() {
        return;
    }
    let dir = consumer();
    // The whole repository: the rust hook builds kagentctl from it.
    let out = try_repo(dir.path(), repo(), "kagentctl-check");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
