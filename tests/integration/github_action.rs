//! The composite GitHub Action (action.yml): it parses, its inputs are documented and
//! used, every `kagentctl` command line in it is accepted by the CLI as defined now, and
//! its diff, comment and check steps do what they say when run as the runner runs them
//! (bash, with the runner's files and variables; `gh` replaced by a recording fake).

use crate::common::repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::Parser;
use kagentctl::cli::Cli;
use serde_json::Value;

use crate::shell_words::words;

fn action() -> Value {
    let text = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    kagentctl::yaml::parse_documents(&text, kagentctl::yaml::Limits::default())
        .expect("action.yml is valid YAML")
        .into_iter()
        .next()
        .expect("a document")
        .value
}

fn steps() -> Vec<Value> {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    a["runs"]["steps"].as_array().expect("steps").clone()
}

fn step(name: &str) -> Value {
    steps()
        .into_iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?}"))
}

#[test]
fn every_kagentctl_command_line_is_accepted_by_the_cli() {
    let mut seen = Vec::new();
    for s in steps() {
        let Some(run) = s["run"].as_str() else {
            continue;
        };
        let joined = run.replace("\\\n", " ");
        for line in joined.lines() {
            let line = line.trim();
            if !line.starts_with("kagentctl ") && line != "kagentctl" {
                continue;
            }
            let argv = words(line, "main");
            if let Err(e) = Cli::try_parse_from(&argv) {
                panic!(
                    "action.yml step {:?}: `{line}` is rejected:\n{e}",
                    s["name"]
                );
            }
            seen.push(argv[1].clone());
        }
    }
    for want in ["version", "diff", "check"] {
        assert!(
            seen.iter().any(|s| s == want),
            "no `kagentctl {want}` in action.yml: {seen:?}"
        );
    }
}

#[test]
fn the_word_splitter_sees_flags_and_stops_at_redirections() {
    assert_eq!(
        words(
            r#"kagentctl diff --base "$BASE" --format markdown > "$out""#,
            "x"
        ),
        ["kagentctl", "diff", "--base", "x", "--format", "markdown"]
    );
    // A renamed flag is caught.
    let argv = words("kagentctl check --all-environments", "x");
    assert!(Cli::try_parse_from(&argv).is_err());
}

#[test]
fn inputs_are_documented_and_used_and_runs_take_them_from_the_environment() {
    let a = action();
    let text = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    let inputs = a["inputs"].as_object().expect("inputs");
    for (name, spec) in inputs {
        assert!(
            spec["description"].as_str().is_some_and(|d| d.len() > 10),
            "input {name} is not documented"
        );
        assert!(
            text.contains(&format!("inputs.{name}")),
            "input {name} is never used"
        );
    }
    // Every `inputs.X` used is declared.
    for part in text.split("inputs.").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            inputs.contains_key(&name),
            "inputs.{name} is used but not declared"
        );
    }
    // No expression is pasted into a script (an injection risk): they go through `env`.
    for s in steps() {
        if let Some(run) = s["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "step {:?} interpolates into its script",
                s["name"]
            );
        }
    }
    let upload = step("Upload SARIF to code scanning");
    assert!(upload["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")));
}

/// A scratch runner: a git repository holding a copy of the kagent tree at one commit,
/// with the runner's files.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().expect("tmp");
        let work = dir.path().join("work");
        copy_dir(
            &repo().join("kubernetes/kagent"),
            &work.join("kubernetes/kagent"),
        );
        std::fs::create_dir_all(dir.path().join("temp")).expect("temp");
        let r = Runner { dir };
        r.git(&["init", "-q"]);
        r.git(&["add", "."]);
        r.git(&["commit", "-q", "-m", "base"]);
        r
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.work())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs a step's script as the runner does: bash, the step's env, the runner's files.
    fn run(&self, name: &str, env: &[(&str, &str)], fake_bin: Option<&Path>) -> Output {
        let s = step(name);
        let script = s["run"].as_str().expect("a run step");
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_kagentctl"))
            .parent()
            .expect("bin dir");
        let mut path = vec![bin_dir.to_path_buf()];
        path.extend(fake_bin.map(Path::to_path_buf));
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.work())
            .env("PATH", std::env::join_paths(path).expect("PATH"))
            .env("RUNNER_TEMP", self.file("temp"))
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary"))
            .env_remove("KAGENTCTL_ROOT")
            .env("NO_COLOR", "1");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("bash")
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.file("output")).unwrap_or_default()
    }
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

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

#[test]
fn the_diff_step_writes_the_summary_and_says_whether_anything_changed() {
    if !have("bash") || !have("git") {
        eprintln!("notice: bash or git missing; skipping the action's diff-step test");
        return;
    }
    let r = Runner::new();
    let out = r.run(
        "Diff against the base",
        &[("BASE", "HEAD"), ("ROOT", "")],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(r.output().contains("changed=false"), "{}", r.output());

    // A change to prod's replicas shows in the summary and the output.
    let patch = r
        .work()
        .join("kubernetes/kagent/overlays/prod/kustomization.yaml");
    let text = std::fs::read_to_string(&patch).expect("prod kustomization");
    std::fs::write(&patch, format!("{text}\nnamePrefix: renamed-\n")).expect("write");
    std::fs::remove_file(r.file("output")).expect("rm output");
    let out = r.run(
        "Diff against the base",
        &[("BASE", "HEAD"), ("ROOT", "kubernetes/kagent")],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let outputs = r.output();
    assert!(outputs.contains("changed=true"), "{outputs}");
    let summary = std::fs::read_to_string(r.file("summary")).expect("summary");
    assert!(summary.contains("renamed-"), "{summary}");
    let file = outputs
        .lines()
        .find_map(|l| l.strip_prefix("file="))
        .expect("file output");
    assert!(std::fs::read_to_string(file)
        .expect("diff file")
        .contains("renamed-"));

    // A base that does not exist fails the step.
    let out = r.run(
        "Diff against the base",
        &[("BASE", "no-such-ref"), ("ROOT", "")],
        None,
    );
    assert!(!out.status.success());
}

#[test]
fn the_check_step_writes_sarif_and_its_exit_code() {
    if !have("bash") || !have("git") {
        eprintln!("notice: bash or git missing; skipping the action's check-step test");
        return;
    }
    let r = Runner::new();
    let out = r.run("Check schema and policy", &[("ROOT", "")], None);
    assert!(out.status.success(), "{out:?}");
    let outputs = r.output();
    let file = outputs
        .lines()
        .find_map(|l| l.strip_prefix("file="))
        .expect("file output");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("sarif")).expect("JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(outputs.contains("exit-code=0"), "{outputs}");
}

#[cfg(unix)]
#[test]
fn the_comment_step_adds_one_comment_then_updates_it() {
    use std::os::unix::fs::PermissionsExt;
    if !have("bash") || !have("git") {
        eprintln!("notice: bash or git missing; skipping the action's comment-step test");
        return;
    }
    let r = Runner::new();
    // A fake gh: lists the comment id it created (if any), records each call.
    let fake = r.file("fakebin");
    std::fs::create_dir_all(&fake).expect("mkdir");
    let log = r.file("gh.log");
    let state = r.file("gh.state");
    let gh = format!(
        "#!/usr/bin/env bash\necho \"$*\" >> '{log}'\ncase \"$*\" in\n  *--paginate*) [ -f '{state}' ] && cat '{state}' ;;\n  *POST*) echo 4242 > '{state}'; for a in \"$@\"; do case \"$a\" in body=@*) cp \"${{a#body=@}}\" '{state}.body' ;; esac; done ;;\n  *PATCH*) for a in \"$@\"; do case \"$a\" in body=@*) cp \"${{a#body=@}}\" '{state}.body' ;; esac; done ;;\nesac\nexit 0\n",
        log = log.display(),
        state = state.display()
    );
    std::fs::write(fake.join("gh"), gh).expect("gh");
    std::fs::set_permissions(fake.join("gh"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let diff = r.file("diff.md");
    std::fs::write(&diff, "### kagentctl diff\nno changes\n").expect("diff");
    let env = [
        ("GH_TOKEN", "t"),
        ("PR", "7"),
        ("REPO", "acme/kagent"),
        ("FILE", diff.to_str().expect("utf-8")),
    ];
    for _ in 0..2 {
        let out = r.run("Comment on the pull request", &env, Some(&fake));
        assert!(out.status.success(), "{out:?}");
    }
    let calls = std::fs::read_to_string(&log).expect("gh log");
    let writes: Vec<&str> = calls.lines().filter(|l| l.contains("--method")).collect();
    assert_eq!(writes.len(), 2, "{calls}");
    assert!(
        writes[0].contains("--method POST repos/acme/kagent/issues/7/comments"),
        "{calls}"
    );
    assert!(
        writes[1].contains("--method PATCH repos/acme/kagent/issues/comments/4242"),
        "{calls}"
    );
    let body = std::fs::read_to_string(r.file("gh.state.body")).expect("body");
    assert!(
        body.starts_with("<!-- kagentctl-diff -->\n### kagentctl diff"),
        "{body}"
    );
}
