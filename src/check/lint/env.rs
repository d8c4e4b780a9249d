//! Container environment: duplicate variable names, secrets written as literal values.

use std::collections::HashMap;

use serde_json::Value;

use super::{containers, finding, pod_path, Pod};
use crate::check::schema::PathPart;
use crate::check::{Finding, Object, ResourceRef};

/// Name parts (between `_`, `-` or `.`, case-insensitive) that mark a variable as holding a
/// secret.
pub const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "APIKEY",
    "CREDENTIALS",
    "PRIVATE_KEY",
    "API_KEY",
    "ACCESS_KEY",
    "SECRET_KEY",
];

/// Whether a variable named `name` looks like it holds a secret (`A2A_TOKEN`,
/// `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`); `TOKEN_URL`-style names whose last part names
/// something else do not.
pub fn secret_like(name: &str) -> bool {
    let up = name.to_ascii_uppercase().replace(['-', '.'], "_");
    SECRET_WORDS
        .iter()
        .any(|w| up == *w || up.ends_with(&format!("_{w}")))
}

/// Whether a literal value is a real value, not empty, a placeholder reference
/// (`$(OTHER_VAR)`) or a path to a file holding the secret.
fn literal(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty() || (v.starts_with("$(") && v.ends_with(')')) || v.starts_with('/'))
}

/// Checks every container's `env` list.
pub(super) fn check(obj: &Object, res: &ResourceRef, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    for c in containers(pod) {
        let Some(env) = c.value.get("env").and_then(Value::as_array) else {
            continue;
        };
        let what = c.what();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, e) in env.iter().enumerate() {
            let Some(name) = e.get("name").and_then(Value::as_str) else {
                continue;
            };
            let at = |field: Option<&'static str>| {
                let mut p = vec![
                    PathPart::Key(c.list),
                    PathPart::Index(c.index),
                    PathPart::Key("env"),
                    PathPart::Index(i),
                ];
                if let Some(f) = field {
                    p.push(PathPart::Key(f));
                }
                pod_path(pod, &p)
            };
            if let Some(first) = seen.insert(name, i) {
                out.push(finding(
                    "env-duplicate",
                    obj,
                    res,
                    at(Some("name")),
                    format!("{what} sets {name} twice (env[{first}] and env[{i}]); the last one wins, silently"),
                    format!("remove one of the two {name} entries"),
                ));
            }
            if let Some(v) = e.get("value").and_then(Value::as_str) {
                if secret_like(name) && literal(v) {
                    out.push(finding(
                        "env-secret-literal",
                        obj,
                        res,
                        at(Some("value")),
                        format!("{what} sets {name} to a literal value: a secret in plain text in the manifest"),
                        format!("store it in a Secret and use env[].valueFrom.secretKeyRef (e.g. a secretGenerator) for {name}"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for yes in [
            "A2A_TOKEN",
            "DB_PASSWORD",
            "password",
            "AWS_SECRET_ACCESS_KEY",
            "OPENAI_API_KEY",
            "client-secret",
            "GITHUB_TOKEN",
        ] {
            assert!(secret_like(yes), "{yes}");
        }
        for no in [
            "TOKEN_URL",
            "LOG_LEVEL",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "TOKENIZER",
        ] {
            assert!(!secret_like(no), "{no}");
        }
        assert!(literal("hunter2"));
        assert!(!literal(""));
        assert!(!literal("$(BASE_TOKEN)"));
        assert!(!literal("/var/run/secrets/token"));
    }
}
