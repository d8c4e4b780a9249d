//! Locating the kagent tree (`--root`, `KAGENTCTL_ROOT`, `kubernetes/kagent` upwards, or
//! the copy built into the binary) and rendering its environments.

use std::path::{Path, PathBuf};

use crate::build::{build, BuildOptions};
use crate::error::{Error, Result};
use crate::resource::ResMap;

/// A kagent tree on disk: `base/`, `overlays/<env>/`, `policy.yaml`.
#[derive(Debug)]
pub struct KagentTree {
    root: PathBuf,
    /// Keeps an extracted embedded copy alive.
    _temp: Option<tempfile::TempDir>,
}

impl KagentTree {
    /// A tree at `root`.
    pub fn at(root: impl Into<PathBuf>) -> KagentTree {
        KagentTree {
            root: root.into(),
            _temp: None,
        }
    }

    /// The tree's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this is the copy built into the binary.
    pub fn is_embedded(&self) -> bool {
        self._temp.is_some()
    }

    /// Environment names: the directories under `overlays/` (hidden ones left out), sorted.
    pub fn envs(&self) -> Result<Vec<String>> {
        let dir = self.root.join("overlays");
        let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut envs: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        envs.sort();
        Ok(envs)
    }

    /// The overlay directory of `env`; an unknown env is an error listing the known ones.
    pub fn overlay(&self, env: &str) -> Result<PathBuf> {
        let envs = self.envs()?;
        if !envs.iter().any(|e| e == env) {
            return Err(Error::Usage(format!(
                "unknown environment {env:?} in {}: known environments are {}",
                self.root.display(),
                envs.join(", ")
            )));
        }
        Ok(self.root.join("overlays").join(env))
    }

    /// Builds one environment.
    pub fn render(&self, env: &str, opts: &BuildOptions) -> Result<ResMap> {
        build(&self.overlay(env)?, opts)
    }
}

include!(concat!(env!("OUT_DIR"), "/embedded_tree.rs"));

/// How the tree was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// `--root`.
    Flag,
    /// `KAGENTCTL_ROOT`.
    EnvVar,
    /// `kubernetes/kagent` in the working directory or a parent.
    Search,
    /// The copy built into the binary.
    Embedded,
}

/// Finds the tree: `root` (from `--root`), else `KAGENTCTL_ROOT`, else the nearest
/// `kubernetes/kagent` from `cwd` upwards, else the embedded copy.
pub fn locate(
    root: Option<&Path>,
    env_root: Option<&Path>,
    cwd: &Path,
) -> Result<(KagentTree, Found)> {
    if let Some(r) = root {
        return check_dir(r).map(|t| (t, Found::Flag));
    }
    if let Some(r) = env_root.filter(|r| !r.as_os_str().is_empty()) {
        return check_dir(r).map(|t| (t, Found::EnvVar));
    }
    for dir in cwd.ancestors() {
        let cand = dir.join("kubernetes").join("kagent");
        if cand.join("overlays").is_dir() {
            return Ok((KagentTree::at(cand), Found::Search));
        }
    }
    embedded().map(|t| (t, Found::Embedded))
}

fn check_dir(r: &Path) -> Result<KagentTree> {
    if !r.join("overlays").is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a kagent tree (no overlays/ directory); point --root or KAGENTCTL_ROOT at the directory holding base/ and overlays/",
            r.display()
        )));
    }
    Ok(KagentTree::at(r))
}

/// Writes the embedded tree to a temporary directory.
pub fn embedded() -> Result<KagentTree> {
    let tmp = tempfile::Builder::new()
        .prefix("kagentctl-tree")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    for (rel, text) in EMBEDDED_TREE {
        let path = tmp.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    Ok(KagentTree {
        root: tmp.path().to_path_buf(),
        _temp: Some(tmp),
    })
}
