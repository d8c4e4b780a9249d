//! go-yaml v2 compatible emitter (placeholder; being written).

use serde_json::Value;

/// Appends one YAML document for `value` to `out`, formatted as go-yaml v2 formats it.
pub fn emit_document(value: &Value, out: &mut String) {
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
    out.push('\n');
}

/// Emits several documents joined by `---` lines, as `kustomize build` prints them.
pub fn emit_documents<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document(v, &mut out);
    }
    out
}
