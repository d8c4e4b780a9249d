//! What the command modules share (`cli`, `provenance::cli`, `integrate`): the
//! `--load-restrictor` values, opening the kagent tree, writing files atomically. Kept
//! apart from the dispatcher so the command modules need not import it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::error::{Error, Result};
use crate::load::LoadRestrictor;
use crate::program::program_name;
use crate::tree::{self, Found, KagentTree};

/// Kustomize's `--load-restrictor` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Restrictor {
    /// Files must be inside the kustomization's directory.
    #[default]
    #[value(
        name = "LoadRestrictionsRootOnly",
        alias = "rootonly",
        alias = "root-only"
    )]
    RootOnly,
    /// Any file may be loaded.
    #[value(name = "LoadRestrictionsNone", alias = "none")]
    None,
}

impl From<Restrictor> for LoadRestrictor {
    fn from(r: Restrictor) -> Self {
        match r {
            Restrictor::RootOnly => LoadRestrictor::RootOnly,
            Restrictor::None => LoadRestrictor::None,
        }
    }
}

/// Opens the kagent tree from `--root`, `KAGENTCTL_ROOT`, the working directory's
/// ancestors, or the built-in copy (with a notice on stderr).
pub fn open_tree(root: &Option<PathBuf>) -> Result<KagentTree> {
    let env_root = std::env::var_os("KAGENTCTL_ROOT").map(PathBuf::from);
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let (t, found) = tree::locate(root.as_deref(), env_root.as_deref(), &cwd)?;
    if found == Found::Embedded {
        eprintln!(
            "{}: no kubernetes/kagent found here or above; using the tree built into kagentctl",
            program_name()
        );
    }
    Ok(t)
}

/// Writes `bytes` to `path` atomically (see [`write_atomic_with`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes to `path` through a temporary file in the same directory and a rename, so
/// readers never see a half-written file and a failure leaves `path` untouched.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::other("is a directory; -o/--output takes the path of a file"),
        ));
    }
    if !dir.is_dir() {
        return Err(Error::io(
            &dir,
            std::io::Error::other(
                "no such directory; create it first or choose another -o/--output path",
            ),
        ));
    }
    let tmp = tempfile::Builder::new()
        .prefix(".kagentctl-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp);
    write(&mut w)
        .and_then(|_| w.flush())
        .map_err(|e| Error::io(path, e))?;
    let tmp = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
