//! `namePrefix` / `nameSuffix`: rename objects (except CRDs, APIServices and Namespaces)
//! and remember the old names so references can follow.

use serde_json::Value;

use super::fieldpath::{visit_object, CreateKind};
use super::TransformResult;
use crate::resource::{Gvk, ResMap};
use crate::schema::FieldSpec;

fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// Adds `prefix` and `suffix` to the names that `specs` select.
pub fn apply(
    m: &mut ResMap,
    prefix: &str,
    suffix: &str,
    specs: &[FieldSpec],
    is_prefix: bool,
) -> TransformResult {
    let affix = if is_prefix { prefix } else { suffix };
    if affix.is_empty() {
        return Ok(());
    }
    for r in m.iter_mut() {
        let org = r.orig_id();
        if skipped(&org.gvk) {
            continue;
        }
        for fs in specs.iter().filter(|fs| fs.selects(&org.gvk)) {
            if fs.path == "metadata/name" {
                if is_prefix {
                    r.prefixes.push(affix.to_string());
                } else {
                    r.suffixes.push(affix.to_string());
                }
                r.remember_id();
            }
            let create = CreateKind::when(fs.create, CreateKind::Scalar);
            visit_object(&mut r.obj, &fs.path, create, &mut |node| {
                let cur = match node {
                    Value::String(s) => s.as_str(),
                    Value::Null => "",
                    _ => return Err("expected a string name".into()),
                };
                *node = Value::String(if is_prefix {
                    format!("{affix}{cur}")
                } else {
                    format!("{cur}{affix}")
                });
                Ok(())
            })?;
        }
    }
    m.reindex();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Origin, Resource};
    use serde_json::json;

    #[test]
    fn names_get_affixes_except_crds_and_namespaces_and_old_names_are_kept() {
        let mut m = ResMap::new();
        for o in [
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}),
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "x.y"}}),
        ] {
            if let Value::Object(o) = o {
                m.append(Resource::new(o, Origin::default())).unwrap();
            }
        }
        let cfg = crate::schema::default_config();
        apply(&mut m, "p-", "", &cfg.name_prefix, true).unwrap();
        apply(&mut m, "", "-s", &cfg.name_suffix, false).unwrap();
        let svc = m.get(0).unwrap();
        assert_eq!(svc.name(), "p-svc-s");
        assert_eq!(svc.orig_id().name, "svc");
        assert_eq!(svc.prefixes, ["p-"]);
        assert_eq!(svc.suffixes, ["-s"]);
        assert_eq!(m.get(1).unwrap().name(), "ns");
        assert_eq!(m.get(2).unwrap().name(), "x.y");
    }
}
