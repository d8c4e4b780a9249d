//! kagentctl's own settings files (`policy.yaml`, `.kagentctl-diff.yaml`): one YAML
//! document holding a mapping, read strictly, with errors that name the line of the
//! offending field.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::check::lines::{field_lines, DocLines};
use crate::{Error, Result};

/// The one document of a settings file (an empty file is an empty mapping), with the
/// line numbers of its fields. A second document is refused rather than ignored.
pub fn one_document(src: &str, path: &Path, what: &str) -> Result<(Value, DocLines)> {
    let docs = crate::yaml::parse_documents(src, crate::yaml::Limits::default())
        .map_err(|e| Error::yaml(path, e))?;
    let mut found = docs.iter().enumerate().filter(|(_, d)| !d.value.is_null());
    let first = found.next();
    if let Some((_, second)) = found.next() {
        return Err(Error::invalid(
            path,
            format!(
                "line {}: a second YAML document; {what} is one document (remove the `---`)",
                second.line
            ),
        ));
    }
    let Some((i, doc)) = first else {
        return Ok((Value::Object(Map::new()), DocLines::default()));
    };
    let lines = field_lines(src).into_iter().nth(i).unwrap_or_default();
    Ok((doc.value.clone(), lines))
}

/// A mapping key as a step of a field path (`a`, or `["a.b"]` when it holds `.`, `[`,
/// `]` or `"`), to be appended to a parent path.
pub fn key_step(parent: &str, key: &str) -> String {
    if key.contains(['.', '[', ']', '"', '\\']) || key.is_empty() {
        let quoted = key.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{parent}[\"{quoted}\"]")
    } else if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// The first key of the mapping `v` that `T` refuses on its own (unknown, or a value of
/// the wrong type), for types whose fields all have defaults. `None` when `v` is not a
/// mapping or every key is fine alone.
pub fn first_bad_key<T: DeserializeOwned>(v: &Value) -> Option<&str> {
    v.as_object()?.iter().find_map(|(k, x)| {
        let alone = Value::Object(Map::from_iter([(k.clone(), x.clone())]));
        serde_json::from_value::<T>(alone)
            .is_err()
            .then_some(k.as_str())
    })
}

/// Deserializes `v` as `T`; on failure, the message names the line of `at(v)`, the path
/// of the offending field the caller worked out (the document's start when `None`).
pub fn from_value<T: DeserializeOwned>(
    v: Value,
    lines: &DocLines,
    path: &Path,
    what: &str,
    at: impl FnOnce(&Value) -> Option<String>,
) -> Result<T> {
    match serde_json::from_value::<T>(v.clone()) {
        Ok(t) => Ok(t),
        Err(e) => {
            let field = at(&v);
            let line = field.as_deref().map_or(lines.start, |f| lines.line_of(f));
            let line = line.max(1);
            let place = field.map(|f| format!("{f}: ")).unwrap_or_default();
            Err(Error::invalid(
                path,
                format!("line {line}: {place}invalid {what}: {e}"),
            ))
        }
    }
}
