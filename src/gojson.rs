//! Decoding JSON values the way Go's `encoding/json` fills a struct: keys match field
//! names exactly or else case-insensitively, null leaves a field unset, and (in a
//! kustomization file, which Kustomize reads strictly) unknown keys are errors. Used to
//! decode the kustomization entries Kustomize reads with Go types (replacements, vars).

use serde_json::Value;

/// The fields of a JSON object matched to a struct's field names.
pub(crate) struct Fields<'a> {
    pairs: Vec<(&'static str, &'a Value)>,
    strict: bool,
}

impl<'a> Fields<'a> {
    /// Matches the keys of `v` (an object, or null for "absent") to `names`.
    pub(crate) fn new(
        v: &'a Value,
        names: &[&'static str],
        strict: bool,
        what: &str,
    ) -> std::result::Result<Option<Fields<'a>>, String> {
        let map = match v {
            Value::Null => return Ok(None),
            Value::Object(m) => m,
            other => {
                return Err(format!(
                    "{what}: expected a mapping, got {}",
                    type_name(other)
                ))
            }
        };
        let mut pairs = Vec::new();
        for (k, val) in map {
            let found = names
                .iter()
                .find(|n| **n == k.as_str())
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(k)));
            match found {
                Some(n) => pairs.push((*n, val)),
                None if strict => return Err(format!("{what}: unknown field {k:?}")),
                None => {}
            }
        }
        Ok(Some(Fields { pairs, strict }))
    }

    /// The value of field `name` (the last matching key wins), null counting as unset.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_null())
    }

    /// A string field. Outside kustomization files numbers and booleans are taken as
    /// their text, as sigs.k8s.io/yaml does for string-typed fields; a kustomization file
    /// goes through plain JSON, where they are errors.
    pub(crate) fn string(&self, name: &str, what: &str) -> std::result::Result<String, String> {
        match self.get(name) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) if !self.strict => Ok(n.to_string()),
            Some(Value::Bool(b)) if !self.strict => Ok(b.to_string()),
            Some(other) => Err(format!(
                "{what}: field {name:?} must be a string, got {}",
                type_name(other)
            )),
        }
    }

    pub(crate) fn int(&self, name: &str, what: &str) -> std::result::Result<i64, String> {
        match self.get(name) {
            None => Ok(0),
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| format!("{what}: field {name:?} must be an integer, got {n}")),
            Some(other) => Err(format!(
                "{what}: field {name:?} must be an integer, got {}",
                type_name(other)
            )),
        }
    }

    pub(crate) fn boolean(&self, name: &str, what: &str) -> std::result::Result<bool, String> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(format!(
                "{what}: field {name:?} must be true or false, got {}",
                type_name(other)
            )),
        }
    }

    pub(crate) fn list(
        &self,
        name: &str,
        what: &str,
    ) -> std::result::Result<Option<&'a Vec<Value>>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(format!(
                "{what}: field {name:?} must be a list, got {}",
                type_name(other)
            )),
        }
    }
}

/// The Go-ish name of a value's type, for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
