//! `crds:`: field specs read from OpenAPI definitions of custom resources
//! (`x-kubernetes-object-ref-*`, `x-kubernetes-annotation`, `x-kubernetes-label-selector`,
//! `x-kubernetes-identity`), so transformers and name references reach into them.

use serde_json::Value;

use super::{FieldSpec, NameBackRefs, TransformerConfig};

fn spec(kind: &str, path: &[String]) -> FieldSpec {
    FieldSpec {
        kind: kind.to_string().into(),
        path: path.join("/").into(),
        ..Default::default()
    }
}

fn walk(
    defs: &serde_json::Map<String, Value>,
    type_name: &str,
    kind: &str,
    path: &mut Vec<String>,
    tc: &mut TransformerConfig,
) {
    // Type graphs can be cyclic; real CRD schemas are shallow.
    if path.len() > 32 {
        return;
    }
    let Some(props) = defs
        .get(type_name)
        .and_then(|t| t.get("Schema"))
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, prop) in props {
        path.push(name.clone());
        let ext = |k: &str| prop.get(k).and_then(Value::as_str);
        if ext("x-kubernetes-annotation").is_some() {
            tc.common_annotations.push(spec(kind, path));
        }
        if ext("x-kubernetes-label-selector").is_some() {
            tc.common_labels.push(spec(kind, path));
        }
        if ext("x-kubernetes-identity").is_some() {
            tc.name_prefix.push(spec(kind, path));
        }
        if let (Some(version), Some(ref_kind)) = (
            ext("x-kubernetes-object-ref-api-version"),
            ext("x-kubernetes-object-ref-kind"),
        ) {
            let key = ext("x-kubernetes-object-ref-name-key").unwrap_or("name");
            path.push(key.to_string());
            tc.merge(&TransformerConfig {
                name_reference: vec![NameBackRefs {
                    group: "".into(),
                    version: version.to_string().into(),
                    kind: ref_kind.to_string().into(),
                    referrers: vec![spec(kind, path)],
                }],
                ..Default::default()
            });
            path.pop();
        }
        if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
            walk(defs, r, kind, path, tc);
        }
        path.pop();
    }
}

/// Field specs from one `crds:` file (JSON or YAML already parsed to a value).
pub fn config_from_definitions(defs: &Value) -> TransformerConfig {
    let mut tc = TransformerConfig::default();
    let Some(defs) = defs.as_object() else {
        return tc;
    };
    for (name, def) in defs {
        let props = def
            .get("Schema")
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object);
        let looks_like_type = props.is_some_and(|p| {
            p.contains_key("kind") && p.contains_key("apiVersion") && p.contains_key("metadata")
        });
        if !looks_like_type {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name);
        walk(defs, name, kind, &mut Vec::new(), &mut tc);
    }
    tc
}
