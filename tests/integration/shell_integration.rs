//! `kagentctl completions`, `kagentctl man` and `kagentctl version`. The expectations are
//! derived from the clap definition itself (`Cli::command()`), so every subcommand and
//! flag that anyone adds is covered without editing these tests.

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;
use kagentctl::cli::Cli;

fn kagentctl(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kagentctl"))
        .args(args)
        .env_remove("KAGENTCTL_ROOT")
        .output()
        .expect("kagentctl starts")
}

fn stdout(args: &[&str]) -> String {
    let out = kagentctl(args);
    assert!(out.status.success(), "kagentctl {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// (subcommand name, its long flags, its short flags), for every visible subcommand.
fn subcommands() -> Vec<(String, Vec<String>, Vec<char>)> {
    let cmd = Cli::command();
    let subs: Vec<_> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let args = || s.get_arguments().filter(|a| !a.is_hide_set());
            (
                s.get_name().to_string(),
                args()
                    .filter_map(|a| a.get_long().map(str::to_string))
                    .collect(),
                args().filter_map(|a| a.get_short()).collect(),
            )
        })
        .collect();
    assert!(subs.len() >= 8, "{subs:?}");
    subs
}

/// What bash completion offers after `words` (the last one being completed).
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = stdout(&["completions", "bash"]);
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("kagentctl.bash");
    std::fs::write(&file, script).expect("write");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prog = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_kagentctl kagentctl '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file.display(),
        quoted.join(" "),
        words.join(" "),
        words[cword],
        if cword > 0 { words[cword - 1] } else { "" },
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &prog])
        .output()
        .expect("bash starts");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_offers_every_subcommand() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("notice: bash not found; skipping the bash completion test");
        return;
    }
    let offered = bash_complete(&["kagentctl", ""]);
    for (name, _, _) in subcommands() {
        assert!(offered.contains(&name), "{name} not offered: {offered:?}");
    }
}

#[test]
fn bash_completion_offers_every_flag_of_every_subcommand() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("notice: bash not found; skipping the bash completion test");
        return;
    }
    for (name, longs, _) in subcommands() {
        let offered = bash_complete(&["kagentctl", &name, "--"]);
        for long in longs {
            let flag = format!("--{long}");
            assert!(
                offered.contains(&flag),
                "{name} {flag} not offered: {offered:?}"
            );
        }
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for (name, _, _) in subcommands() {
            assert!(script.contains(&name), "{shell} script lacks {name}");
        }
    }
    let bad = kagentctl(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A flag as roff prints it (hyphens escaped).
fn roff(flag: &str) -> String {
    flag.replace('-', "\\-")
}

#[test]
fn the_man_page_of_every_subcommand_names_every_flag() {
    let top = stdout(&["man"]);
    assert!(top.contains(".TH kagentctl 1 "), "{top}");
    for (name, longs, shorts) in subcommands() {
        assert!(
            top.contains(&roff(&format!("kagentctl-{name}(1)"))),
            "{name}"
        );
        let page = stdout(&["man", &name]);
        assert!(
            page.contains(&format!(".TH kagentctl-{name} 1")),
            "{name}: {page}"
        );
        for long in longs {
            assert!(
                page.contains(&roff(&format!("--{long}"))),
                "man {name} lacks --{long}"
            );
        }
        for short in shorts {
            assert!(
                page.contains(&roff(&format!("-{short}"))),
                "man {name} lacks -{short}"
            );
        }
    }
}

#[test]
fn man_out_dir_writes_one_page_per_subcommand() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("man1");
    let out = kagentctl(&["man", "--out-dir", dir.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    let top = std::fs::read_to_string(dir.join("kagentctl.1")).expect("kagentctl.1");
    assert_eq!(top, stdout(&["man"]));
    for (name, _, _) in subcommands() {
        let page = std::fs::read_to_string(dir.join(format!("kagentctl-{name}.1")))
            .unwrap_or_else(|e| panic!("kagentctl-{name}.1: {e}"));
        assert_eq!(page, stdout(&["man", &name]));
    }
}

#[test]
fn man_of_an_unknown_command_is_a_usage_error() {
    let out = kagentctl(&["man", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no man page for \"frobnicate\""), "{err}");
    // An unwritable destination fails cleanly too.
    let out = kagentctl(&["man", "--out-dir", "/proc/kagentctl-man"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/proc/kagentctl-man"));
}

#[test]
fn version_prints_kagentctl_kustomize_schema_and_commit() {
    let text = stdout(&["version"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("kagentctl {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(lines[1], "kustomize v5.5.0");
    assert!(lines[2].starts_with("kubernetes schema 1.32."), "{text}");
    assert!(lines[3].starts_with("git commit "), "{text}");

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&["version", "--format", "json"])).expect("JSON");
    assert_eq!(json["kagentctl"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["kustomize"], "v5.5.0");
    assert!(json["kubernetes_schema"]
        .as_str()
        .is_some_and(|v| v.starts_with("1.32.")));
    let commit = json["git_commit"].as_str().expect("a commit");
    assert_eq!(lines[3], format!("git commit {commit}"));

    // Built from this checkout: the commit is its HEAD.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "HEAD"])
        .output();
    match head {
        Ok(h) if h.status.success() && std::env::var_os("KAGENTCTL_GIT_COMMIT").is_none() => {
            assert_eq!(commit, String::from_utf8_lossy(&h.stdout).trim());
        }
        _ => eprintln!("notice: not a git checkout; the commit is {commit}"),
    }
}

/// Every `kagentctl ...` and `kubectl kagent ...` command shown in the README's "Install
/// and integrate" section is accepted by the CLI as defined now.
#[test]
fn the_readme_install_section_shows_only_commands_the_cli_accepts() {
    use clap::Parser;
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let start = readme
        .find("## Install and integrate")
        .expect("an Install and integrate section");
    let rest = &readme[start + 3..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    // Code lines, and commands quoted inline in the prose.
    let mut candidates: Vec<&str> = section.lines().map(str::trim).collect();
    candidates.extend(section.split('`').skip(1).step_by(2));
    let mut n = 0;
    for c in candidates {
        let line = c
            .strip_prefix("kubectl kagent ")
            .map(|r| format!("kagentctl {r}"))
            .or_else(|| c.starts_with("kagentctl ").then(|| c.to_string()));
        let Some(line) = line else { continue };
        let argv = crate::shell_words::words(&line, "x");
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("README shows `{c}`, which the CLI rejects:\n{e}");
        }
        n += 1;
    }
    assert!(n >= 6, "only {n} commands found in the README section");
}
