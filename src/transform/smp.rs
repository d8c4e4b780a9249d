//! Strategic merge patches as Kustomize (kyaml merge2) applies them (placeholder).

use serde_json::{Map, Value};

use crate::resource::Gvk;

/// Merges `patch` into `target` (both whole objects of kind `gvk`) with Kubernetes merge
/// keys and strategies, and the `$patch` directives.
pub fn merge(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    gvk: &Gvk,
) -> Result<(), String> {
    let _ = gvk;
    for (k, v) in patch {
        target.insert(k.clone(), v.clone());
    }
    Ok(())
}
