//! The shape of a user's CustomResourceDefinition (`check --crd`), checked before its
//! schema is used: the API server refuses a CRD with an unknown field, a schema keyword it
//! does not support (`$ref`, `patternProperties`, ...), a keyword of the wrong type, an
//! unknown `type` or an invalid `pattern`. kagentctl refuses the same, so a broken schema
//! is not taken for one that accepts (or refuses) everything.

use serde_json::Value;

use crate::settings::key_step;

/// Keys of a CRD's `spec` (apiextensions.k8s.io/v1).
const SPEC_KEYS: &[&str] = &[
    "group",
    "names",
    "scope",
    "versions",
    "conversion",
    "preserveUnknownFields",
];

/// Keys of one of `spec.versions`.
const VERSION_KEYS: &[&str] = &[
    "name",
    "served",
    "storage",
    "deprecated",
    "deprecationWarning",
    "schema",
    "subresources",
    "additionalPrinterColumns",
    "selectableFields",
];

/// JSON Schema keywords the API server refuses in a CRD schema.
const UNSUPPORTED: &[&str] = &[
    "$ref",
    "$schema",
    "id",
    "definitions",
    "patternProperties",
    "dependencies",
    "additionalItems",
];

/// The types a schema may name.
const TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

/// A problem: the field path (from the CRD document's root) and what is wrong.
pub type Problem = (String, String);

/// Unknown keys of `spec` and of its versions.
pub fn check_crd(crd: &Value) -> Result<(), Problem> {
    let unknown = |v: &Value, known: &[&str], at: &str| -> Result<(), Problem> {
        match v
            .as_object()
            .and_then(|m| m.keys().find(|k| !known.contains(&k.as_str())))
        {
            Some(k) => Err((
                key_step(at, k),
                format!("is not a field of {at} (known: {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    };
    let Some(spec) = crd.get("spec") else {
        return Ok(());
    };
    unknown(spec, SPEC_KEYS, "spec")?;
    let versions = spec.get("versions").and_then(Value::as_array);
    for (i, v) in versions.into_iter().flatten().enumerate() {
        let at = format!("spec.versions[{i}]");
        unknown(v, VERSION_KEYS, &at)?;
        unknown(
            v.get("schema").unwrap_or(&Value::Null),
            &["openAPIV3Schema"],
            &format!("{at}.schema"),
        )?;
    }
    Ok(())
}

/// Checks the schema `node` found at `at` (a field path), and everything under it.
pub fn check_schema(node: &Value, at: &str) -> Result<(), Problem> {
    let bad = |k: &str, what: String| Err((key_step(at, k), what));
    let Some(map) = node.as_object() else {
        return Err((at.to_string(), "is not a schema (a mapping)".into()));
    };
    if map.contains_key("properties") && map.contains_key("additionalProperties") {
        return bad(
            "additionalProperties",
            "is set beside properties; the API server allows one or the other".into(),
        );
    }
    for (k, v) in map {
        let here = key_step(at, k);
        match k.as_str() {
            "type" => {
                if !v.as_str().is_some_and(|t| TYPES.contains(&t)) {
                    return bad(k, format!("is {v}; a type is one of {}", TYPES.join(", ")));
                }
            }
            "description" | "title" | "format" => {
                if !v.is_string() {
                    return bad(k, format!("is {v}; expected a string"));
                }
            }
            "pattern" => {
                let Some(p) = v.as_str() else {
                    return bad(k, format!("is {v}; expected a string"));
                };
                // Syntax only: a small size limit stops the compilation of a huge (valid)
                // pattern early, where the validator leaves it unchecked.
                let compiled = regex::RegexBuilder::new(p).size_limit(1 << 12).build();
                if let Err(regex::Error::Syntax(e)) = compiled {
                    let first = e.lines().last().unwrap_or("").trim();
                    return bad(
                        k,
                        format!("{p:?} is not a valid regular expression: {first}"),
                    );
                }
            }
            "x-kubernetes-list-type" => {
                if !matches!(v.as_str(), Some("atomic" | "set" | "map")) {
                    return bad(k, format!("is {v}; expected atomic, set or map"));
                }
            }
            "x-kubernetes-map-type" => {
                if !matches!(v.as_str(), Some("atomic" | "granular")) {
                    return bad(k, format!("is {v}; expected atomic or granular"));
                }
            }
            "maximum" | "minimum" | "multipleOf" => {
                if !v.is_number() {
                    return bad(k, format!("is {v}; expected a number"));
                }
            }
            "exclusiveMaximum"
            | "exclusiveMinimum"
            | "nullable"
            | "x-kubernetes-preserve-unknown-fields"
            | "x-kubernetes-embedded-resource"
            | "x-kubernetes-int-or-string" => {
                if !v.is_boolean() {
                    return bad(k, format!("is {v}; expected true or false"));
                }
            }
            "uniqueItems" => {
                if v != &Value::Bool(false) {
                    return bad(
                        k,
                        "must be false or absent in a CRD (use x-kubernetes-list-type: set)".into(),
                    );
                }
            }
            "maxLength" | "minLength" | "maxItems" | "minItems" | "maxProperties"
            | "minProperties" => {
                if v.as_u64().is_none() {
                    return bad(k, format!("is {v}; expected a whole number, 0 or more"));
                }
            }
            "required" | "x-kubernetes-list-map-keys" => {
                if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                    return bad(k, format!("is {v}; expected a list of strings"));
                }
            }
            "enum" | "x-kubernetes-validations" => {
                if !v.is_array() {
                    return bad(k, format!("is {v}; expected a list"));
                }
            }
            "default" | "example" => {}
            "externalDocs" => {
                if !v.is_object() {
                    return bad(k, format!("is {v}; expected a mapping"));
                }
            }
            "properties" => {
                let Some(props) = v.as_object() else {
                    return bad(k, "is not a mapping of property names to schemas".into());
                };
                for (name, s) in props {
                    check_schema(s, &key_step(&here, name))?;
                }
            }
            "items" => {
                if v.is_array() {
                    return bad(k, "must be one schema (a mapping), not a list".into());
                }
                check_schema(v, &here)?;
            }
            "additionalProperties" => {
                if !v.is_boolean() {
                    check_schema(v, &here)?;
                }
            }
            "not" => check_schema(v, &here)?,
            "allOf" | "anyOf" | "oneOf" => {
                let Some(list) = v.as_array() else {
                    return bad(k, "is not a list of schemas".into());
                };
                for (i, s) in list.iter().enumerate() {
                    check_schema(s, &format!("{here}[{i}]"))?;
                }
            }
            _ if UNSUPPORTED.contains(&k.as_str()) => {
                return bad(
                    k,
                    "is not supported in a CustomResourceDefinition schema".into(),
                );
            }
            _ => return bad(k, "is not a schema field (a typo?)".into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(s: Value) -> String {
        match check_schema(&s, "s") {
            Ok(()) => String::new(),
            Err((at, what)) => format!("{at}: {what}"),
        }
    }

    #[test]
    fn a_valid_schema_passes() {
        let s = json!({"type": "object", "required": ["spec"], "properties": {"spec": {
        "type": "object", "x-kubernetes-validations": [{"rule": "true"}],
        "properties": {
            "a.b": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3, "enum": ["x"]},
            "n": {"type": "integer", "minimum": 1, "maximum": 1e3, "default": 2},
            "l": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
            "m": {"type": "object", "additionalProperties": {"type": "string"}},
            "f": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "i": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
            "big": {"type": "string", "pattern": "(a{1000}){1000}"}
        }}}});
        assert_eq!(problem(s), "");
    }

    #[test]
    fn broken_schemas_name_the_field() {
        for (s, want) in [
            (json!({"type": "objekt"}), "s.type: is \"objekt\""),
            (json!({"type": ["object"]}), "s.type: is [\"object\"]"),
            (json!({"bogus": 1}), "s.bogus: is not a schema field"),
            (
                json!({"properties": ["a"]}),
                "s.properties: is not a mapping",
            ),
            (
                json!({"properties": {"a.b": {"minimum": "x"}}}),
                "s.properties[\"a.b\"].minimum: is \"x\"",
            ),
            (
                json!({"properties": {"a": {"pattern": "("}}}),
                "s.properties.a.pattern: \"(\" is not a valid",
            ),
            (
                json!({"items": [{"type": "string"}]}),
                "s.items: must be one schema",
            ),
            (
                json!({"items": {"$ref": "#/x"}}),
                "s.items.$ref: is not supported",
            ),
            (json!({"allOf": [{}, {"type": 1}]}), "s.allOf[1].type: is 1"),
            (json!({"maxLength": -1}), "s.maxLength: is -1"),
            (json!({"uniqueItems": true}), "s.uniqueItems: must be false"),
            (
                json!({"properties": {}, "additionalProperties": {}}),
                "s.additionalProperties: is set beside",
            ),
            (
                json!({"properties": {"a": 3}}),
                "s.properties.a: is not a schema",
            ),
        ] {
            let got = problem(s);
            assert!(got.starts_with(want), "{got}");
        }
    }

    #[test]
    fn unknown_keys_of_spec_and_versions_are_refused() {
        let crd = json!({"spec": {"group": "g", "versions": [{"name": "v1", "schema": {"openAPIV3Schema": {}}}]}});
        assert_eq!(check_crd(&crd), Ok(()));
        let crd = json!({"spec": {"group": "g", "validation": {}}});
        assert_eq!(
            check_crd(&crd).map_err(|e| e.0),
            Err("spec.validation".into())
        );
        let crd = json!({"spec": {"versions": [{"name": "v1", "servd": true}]}});
        assert_eq!(
            check_crd(&crd).map_err(|e| e.0),
            Err("spec.versions[0].servd".into())
        );
    }
}
