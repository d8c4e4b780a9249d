//! The build pipeline: load a kustomization tree, transform, order, emit.

use std::path::Path;

use crate::error::{Error, Result};
use crate::resource::ResMap;

/// Whether files outside a kustomization's root may be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Only files inside the kustomization's directory (Kustomize's default).
    #[default]
    RootOnly,
    /// Any file.
    None,
}

/// Options of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// File-system restriction.
    pub load_restrictor: LoadRestrictor,
}

/// Builds the kustomization in `dir`, as `kustomize build DIR` does.
pub fn build(dir: &Path, opts: &BuildOptions) -> Result<ResMap> {
    let _ = opts;
    Err(Error::Build(format!(
        "{}: build not implemented yet",
        dir.display()
    )))
}
