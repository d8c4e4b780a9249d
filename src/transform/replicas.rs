//! `replicas:`: set the replica count of the named workloads.

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::kustomization::Replica;
use crate::resource::ResMap;
use crate::schema::FieldSpec;

/// Sets `spec.replicas` (or the specs' paths) of resources named `rep.name`.
pub fn apply(m: &mut ResMap, rep: &Replica, specs: &[FieldSpec]) -> TransformResult {
    let mut found = false;
    for fs in specs {
        for r in m.iter_mut() {
            // Cheap name test first: `any_id` builds the current id.
            if !r.has_had_name(&rep.name) {
                continue;
            }
            if !r.any_id(|id| id.name == rep.name && fs.selects(&id.gvk)) {
                continue;
            }
            found = true;
            let create = CreateKind::when(fs.create, CreateKind::Scalar);
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                *node = Value::from(rep.count);
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs
            .iter()
            .map(|f| {
                format!(
                    "{}.{}.{}",
                    if f.kind.is_empty() {
                        "[noKind]"
                    } else {
                        &f.kind
                    },
                    if f.version.is_empty() {
                        "[noVer]"
                    } else {
                        &f.version
                    },
                    if f.group.is_empty() {
                        "[noGrp]"
                    } else {
                        &f.group
                    }
                )
            })
            .collect();
        return Err(format!(
            "resource with name {} does not match a config with the following GVK [{}]",
            rep.name,
            gvks.join(" ")
        ));
    }
    Ok(())
}
