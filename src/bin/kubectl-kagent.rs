//! `kubectl-kagent`: the name under which kubectl finds kagentctl as its `kagent` plugin
//! (`kubectl kagent render --env prod`). A small launcher installed next to `kagentctl` by
//! `cargo install`: it runs the `kagentctl` beside it (else the one on `PATH`) under the
//! plugin's name, so help and errors say `kubectl kagent`. A symbolic link named
//! `kubectl-kagent` pointing at `kagentctl` works the same way (krew installs that).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// The `kagentctl` next to this executable, if there is one; else the name, for `PATH`.
fn kagentctl() -> PathBuf {
    let exe = format!("kagentctl{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(&exe)))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(exe))
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let target = kagentctl();
    let mut cmd = Command::new(&target);
    cmd.args(&args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Replace this process: signals, exit code and stdio are kagentctl's own.
        let err = cmd.arg0("kubectl-kagent").exec();
        eprintln!(
            "kubectl kagent: error: cannot run {}: {err}; install kagentctl next to kubectl-kagent or on PATH (cargo install --path .)",
            target.display()
        );
        ExitCode::from(1)
    }
    #[cfg(not(unix))]
    {
        // No exec here: run kagentctl as a child and pass its exit code on (help and
        // errors then say `kagentctl`; a link named kubectl-kagent.exe says `kubectl kagent`).
        match cmd.status() {
            Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(0, 255) as u8),
            Err(err) => {
                eprintln!(
                    "kubectl kagent: error: cannot run {}: {err}; install kagentctl next to kubectl-kagent or on PATH (cargo install --path .)",
                    target.display()
                );
                ExitCode::from(1)
            }
        }
    }
}
