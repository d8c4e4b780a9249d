//! kagentctl as kubectl's `kagent` plugin: the `kubectl-kagent` launcher, a link named
//! `kubectl-kagent`, kubectl's own plugin lookup (where kubectl is installed) and the krew
//! manifest in deploy/krew/.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::tree;

fn kagentctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kagentctl"))
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.env_remove("KAGENTCTL_ROOT")
        .output()
        .expect("the command starts")
}

fn render_prod(bin: &Path) -> std::process::Output {
    run(Command::new(bin)
        .args(["render", "--env", "prod", "--root"])
        .arg(tree()))
}

#[test]
fn the_launcher_renders_like_kagentctl_and_calls_itself_kubectl_kagent() {
    let launcher = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-kagent"));
    let ours = render_prod(&kagentctl_bin());
    let plugin = render_prod(&launcher);
    assert!(plugin.status.success(), "{plugin:?}");
    assert_eq!(plugin.stdout, ours.stdout);

    let help = run(Command::new(&launcher).arg("--help"));
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Usage: kubectl kagent <COMMAND>"), "{help}");

    let bad = run(Command::new(&launcher).args(["render", "--no-such-flag"]));
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("Usage: kubectl kagent render"), "{err}");

    let unknown = run(Command::new(&launcher)
        .args(["render", "--env", "qa", "--root"])
        .arg(tree()));
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.starts_with("kubectl kagent: error: unknown environment"),
        "{err}"
    );
}

#[test]
fn kagentctl_under_its_own_name_still_says_kagentctl() {
    let out = run(Command::new(kagentctl_bin())
        .args(["render", "--env", "qa", "--root"])
        .arg(tree()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("kagentctl: error: unknown environment"),
        "{err}"
    );
    let help = run(Command::new(kagentctl_bin()).arg("--help"));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: kagentctl <COMMAND>"));
}

/// A directory holding only a link `kubectl-kagent` -> the kagentctl binary (as krew
/// installs it).
#[cfg(unix)]
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::os::unix::fs::symlink(kagentctl_bin(), dir.path().join("kubectl-kagent")).expect("link");
    dir
}

#[cfg(unix)]
#[test]
fn a_link_named_kubectl_kagent_calls_itself_kubectl_kagent() {
    let dir = plugin_dir();
    let link = dir.path().join("kubectl-kagent");
    let out = run(Command::new(&link).args(["envs", "--root"]).arg(tree()));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "dev\nprod\nstaging\tautoscaling,monitoring,mesh\n"
    );
    let bad = run(Command::new(&link).args(["diff", "--bogus"]));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Usage: kubectl kagent diff"));
}

/// `kubectl kagent render --env prod` through kubectl's plugin lookup, with a temporary
/// PATH holding the link; skipped (with a notice) where kubectl is not installed.
#[cfg(unix)]
#[test]
fn kubectl_finds_the_plugin_on_path() {
    let Ok(v) = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
    else {
        eprintln!("notice: kubectl not found; skipping the kubectl plugin lookup test");
        return;
    };
    if !v.status.success() {
        eprintln!("notice: kubectl not usable; skipping the kubectl plugin lookup test");
        return;
    }
    let dir = plugin_dir();
    let path = std::env::join_paths(std::iter::once(dir.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");

    let list = run(Command::new("kubectl")
        .args(["plugin", "list"])
        .env("PATH", &path));
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("kubectl-kagent"),
        "kubectl plugin list: {listed}"
    );

    let ours = render_prod(&kagentctl_bin());
    let via = run(Command::new("kubectl")
        .args(["kagent", "render", "--env", "prod", "--root"])
        .arg(tree())
        .env("PATH", &path));
    assert!(via.status.success(), "{via:?}");
    assert_eq!(via.stdout, ours.stdout, "kubectl kagent render differs");

    let bad = run(Command::new("kubectl")
        .args(["kagent", "render", "--env", "qa", "--root"])
        .arg(tree())
        .env("PATH", &path));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("kubectl kagent: error:"));
}
