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

    /// Environment names: the directories under `overlays/`, sorted.
    pub fn envs(&self) -> Result<Vec<String>> {
        let dir = self.root.join("overlays");
        let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut envs: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
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
