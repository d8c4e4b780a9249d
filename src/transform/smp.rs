//! Strategic merge patches as Kustomize (kyaml merge2) applies them (placeholder).

use serde_json::{Map, Value};

use crate::resource::Gvk;

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The target was patched.
    Merged,
    /// The patch said `$patch: delete` at its top level.
    Deleted,
}

/// A patch that cannot be applied.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SmpError(pub String);

/// Merges `patch` into `target` (both whole objects of kind `gvk`).
pub fn merge(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    gvk: &Gvk,
) -> Result<Outcome, SmpError> {
    let _ = gvk;
    for (k, v) in patch {
        target.insert(k.clone(), v.clone());
    }
    Ok(Outcome::Merged)
}
