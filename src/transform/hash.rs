//! The content-hash name suffix of generated ConfigMaps and Secrets, computed exactly as
//! Kustomize does: Go-style JSON of selected fields, SHA-256, ten characters, re-encoded.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::TransformResult;
use crate::resource::ResMap;

/// Go's `encoding/json` output for a value: sorted keys, compact, HTML-safe escapes.
pub fn go_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if !s.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The value Kustomize hashes for an object.
fn hash_input(obj: &Map<String, Value>) -> Value {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    // Kustomize looks the name up as one field literally called "metadata/name", which
    // never exists: the hashed name is always empty.
    let name = "";
    let or_empty = |k: &str| match obj.get(k) {
        Some(v) if !v.is_null() => v.clone(),
        _ => Value::String(String::new()),
    };
    match kind {
        "ConfigMap" => {
            let mut m = Map::new();
            m.insert("kind".into(), Value::String(kind.into()));
            m.insert("name".into(), Value::String(name.into()));
            m.insert("data".into(), or_empty("data"));
            if let Some(b @ Value::Object(_)) = obj.get("binaryData") {
                m.insert("binaryData".into(), b.clone());
            }
            Value::Object(m)
        }
        "Secret" => {
            let mut m = Map::new();
            m.insert("kind".into(), Value::String(kind.into()));
            m.insert("type".into(), or_empty("type"));
            m.insert("name".into(), Value::String(name.into()));
            m.insert("data".into(), or_empty("data"));
            if let Some(b @ Value::Object(_)) = obj.get("stringData") {
                m.insert("stringData".into(), b.clone());
            }
            Value::Object(m)
        }
        _ => Value::Object(obj.clone()),
    }
}

/// The ten-character suffix for an object.
pub fn suffix(obj: &Map<String, Value>) -> String {
    let digest = Sha256::digest(go_json(&hash_input(obj)).as_bytes());
    let mut out = String::with_capacity(10);
    for b in digest.iter().take(5) {
        for nib in [b >> 4, b & 0xf] {
            out.push(match nib {
                0 => 'g',
                1 => 'h',
                3 => 'k',
                0xa => 'm',
                0xe => 't',
                n => char::from_digit(u32::from(n), 16).unwrap_or('x'),
            });
        }
    }
    out
}

/// Appends `-<hash>` to the name of every resource that asked for it.
pub fn apply(m: &mut ResMap) -> TransformResult {
    for r in m.iter_mut().filter(|r| r.needs_hash) {
        let h = suffix(&r.obj);
        let name = format!("{}-{h}", r.name());
        r.set_name(&name);
    }
    m.reindex();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn matches_kustomize_hasher_vectors() {
        // Expected values from Kustomize's hasher tests.
        let cm = obj(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ""}}));
        assert_eq!(suffix(&cm), "6ct58987ht");
        let cm =
            obj(json!({"kind": "ConfigMap", "metadata": {"name": "one-key"}, "data": {"one": ""}}));
        // The name does not take part in the hash.
        assert_eq!(suffix(&cm), "9g67k2htb6");
        let s = obj(json!({"kind": "Secret", "type": "my-type", "metadata": {"name": ""}}));
        assert_eq!(suffix(&s), "5gmgkf8578");
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        assert_eq!(
            go_json(&json!({"a": "<&>"})),
            "{\"a\":\"\\u003c\\u0026\\u003e\"}"
        );
    }
}
