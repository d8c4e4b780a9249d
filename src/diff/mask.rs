//! Secret masking: Secret `data`/`stringData` values (and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation, which repeats them) are
//! replaced before anything is printed. Unchanged, added and removed values become `***`;
//! a changed value becomes `*** (before)` on the old side and `*** (after)` on the new
//! side, so a unified diff of the masked YAML still shows which keys changed, as
//! `kubectl diff` does.

use serde_json::{Map, Value};

/// The mask of an unchanged, added or removed value.
pub const MASK: &str = "***";
/// The mask of a changed value, old side.
pub const MASK_BEFORE: &str = "*** (before)";
/// The mask of a changed value, new side.
pub const MASK_AFTER: &str = "*** (after)";
/// The annotation `kubectl apply` writes; on a Secret it holds the data in clear.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The masked maps of a Secret: `data` and `stringData` (top level).
pub const SECRET_FIELDS: [&str; 2] = ["data", "stringData"];

/// What happened to one Secret key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, with different values.
    Changed,
    /// On both sides, same value.
    Unchanged,
}

impl KeyStatus {
    /// `added`, `removed`, `changed` or `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Added => "added",
            KeyStatus::Removed => "removed",
            KeyStatus::Changed => "changed",
            KeyStatus::Unchanged => "unchanged",
        }
    }
}

/// One masked Secret entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey<'a> {
    /// The map holding it: `data`, `stringData` or `metadata.annotations`.
    pub field: &'static str,
    /// The key in that map.
    pub key: &'a str,
    /// What happened to it.
    pub status: KeyStatus,
}

/// Whether `v` is a Secret (any apiVersion: masking errs on the safe side).
pub fn is_secret(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("Secret")
}

/// The masked copies of a changed Secret and the status of each of its keys.
#[derive(Debug, Clone)]
pub struct MaskedPair<'a> {
    /// The old object, masked.
    pub old: Value,
    /// The new object, masked.
    pub new: Value,
    /// Every key of `data`, `stringData` (and the last-applied annotation when present on
    /// either side), in field then key order.
    pub keys: Vec<SecretKey<'a>>,
}

/// `null`, the missing side of an added or removed Secret.
static ABSENT: Value = Value::Null;

/// Masks a Secret shown on its own: `removed` from the old side, else added on the new
/// side. Every value becomes `***`; every key is reported added (or removed).
pub fn mask_alone(v: &Value, removed: bool) -> (Value, Vec<SecretKey<'_>>) {
    if removed {
        let m = mask_pair(v, &ABSENT);
        (m.old, m.keys)
    } else {
        let m = mask_pair(&ABSENT, v);
        (m.new, m.keys)
    }
}

/// Masks both sides of a changed Secret (or of an object that is a Secret on one side).
pub fn mask_pair<'a>(old: &'a Value, new: &'a Value) -> MaskedPair<'a> {
    let mut m_old = old.clone();
    let mut m_new = new.clone();
    let mut keys = Vec::new();
    for field in SECRET_FIELDS {
        let (o, n) = (old.get(field), new.get(field));
        match (o.and_then(Value::as_object), n.and_then(Value::as_object)) {
            (o_map, n_map) if o_map.is_some() || n_map.is_some() => {
                let get = |m: Option<&'a Map<String, Value>>, k: &str| m.and_then(|m| m.get(k));
                let mut all: Vec<&'a str> = o_map
                    .into_iter()
                    .chain(n_map)
                    .flat_map(|m| m.keys().map(String::as_str))
                    .collect();
                all.sort_unstable();
                all.dedup();
                for k in all {
                    let status = status_of(get(o_map, k), get(n_map, k));
                    keys.push(SecretKey {
                        field,
                        key: k,
                        status,
                    });
                    set_mask(m_old.get_mut(field), k, status, MASK_BEFORE);
                    set_mask(m_new.get_mut(field), k, status, MASK_AFTER);
                }
                // A non-map value (malformed) on one side: mask it whole.
                mask_non_map(m_old.get_mut(field));
                mask_non_map(m_new.get_mut(field));
            }
            _ => {
                if let Some(x) = m_old.get_mut(field) {
                    mask_all(x);
                }
                if let Some(x) = m_new.get_mut(field) {
                    mask_all(x);
                }
                if o.is_some() || n.is_some() {
                    let status = if o == n {
                        KeyStatus::Unchanged
                    } else {
                        status_of(o, n)
                    };
                    keys.push(SecretKey {
                        field,
                        key: "",
                        status,
                    });
                }
            }
        }
    }
    let la_old = last_applied(old);
    let la_new = last_applied(new);
    if la_old.is_some() || la_new.is_some() {
        let status = status_of(la_old, la_new);
        keys.push(SecretKey {
            field: "metadata.annotations",
            key: LAST_APPLIED,
            status,
        });
        for (side, mark) in [(&mut m_old, MASK_BEFORE), (&mut m_new, MASK_AFTER)] {
            if let Some(a) = side.as_object_mut().and_then(annotations_mut) {
                if let Some(x) = a.get_mut(LAST_APPLIED) {
                    *x = Value::String(mask_for(status, mark).into());
                }
            }
        }
    }
    MaskedPair {
        old: m_old,
        new: m_new,
        keys,
    }
}

fn status_of(o: Option<&Value>, n: Option<&Value>) -> KeyStatus {
    match (o, n) {
        (None, _) => KeyStatus::Added,
        (_, None) => KeyStatus::Removed,
        (Some(a), Some(b)) if a == b => KeyStatus::Unchanged,
        _ => KeyStatus::Changed,
    }
}

fn mask_for(status: KeyStatus, changed_mark: &'static str) -> &'static str {
    if status == KeyStatus::Changed {
        changed_mark
    } else {
        MASK
    }
}

fn set_mask(map: Option<&mut Value>, key: &str, status: KeyStatus, changed_mark: &'static str) {
    if let Some(x) = map
        .and_then(Value::as_object_mut)
        .and_then(|m| m.get_mut(key))
    {
        *x = Value::String(mask_for(status, changed_mark).into());
    }
}

/// Replaces every value of a map (or the value itself, if not a map) with `***`.
fn mask_all(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for x in m.values_mut() {
                *x = Value::String(MASK.into());
            }
        }
        Value::Null => {}
        other => *other = Value::String(MASK.into()),
    }
}

fn mask_non_map(v: Option<&mut Value>) {
    if let Some(v) = v {
        if !v.is_object() && !v.is_null() {
            *v = Value::String(MASK.into());
        }
    }
}

fn annotations_mut(obj: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    obj.get_mut("metadata")?
        .get_mut("annotations")?
        .as_object_mut()
}

fn last_applied(v: &Value) -> Option<&Value> {
    v.get("metadata")?.get("annotations")?.get(LAST_APPLIED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "s", "annotations": {LAST_APPLIED: format!("{data}")}},
               "data": data})
    }

    #[test]
    fn per_key_status_and_masks() {
        let old = secret(json!({"A": "YQ==", "B": "Yg==", "C": "Yw=="}));
        let new = secret(json!({"A": "YQ==", "B": "YmI=", "D": "ZA=="}));
        let m = mask_pair(&old, &new);
        let got: Vec<(&str, &str, &str)> = m
            .keys
            .iter()
            .map(|k| (k.field, k.key, k.status.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("data", "A", "unchanged"),
                ("data", "B", "changed"),
                ("data", "C", "removed"),
                ("data", "D", "added"),
                ("metadata.annotations", LAST_APPLIED, "changed"),
            ]
        );
        assert_eq!(
            m.old["data"],
            json!({"A": "***", "B": "*** (before)", "C": "***"})
        );
        assert_eq!(
            m.new["data"],
            json!({"A": "***", "B": "*** (after)", "D": "***"})
        );
        let text = format!("{}{}", m.old, m.new);
        for leak in ["YQ==", "Yg==", "YmI=", "Yw==", "ZA=="] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }

    #[test]
    fn alone_masks_everything() {
        let s = json!({"kind": "Secret", "data": {"A": "c2VjcmV0"}, "stringData": {"B": "secret"}});
        for removed in [false, true] {
            let (m, keys) = mask_alone(&s, removed);
            assert!(!m.to_string().contains("secret"), "{m}");
            assert!(!m.to_string().contains("c2VjcmV0"), "{m}");
            let want = if removed { "removed" } else { "added" };
            assert!(keys.iter().all(|k| k.status.as_str() == want), "{keys:?}");
            assert_eq!(keys.len(), 2);
        }
    }

    #[test]
    fn malformed_data_is_masked_whole() {
        let old = json!({"kind": "Secret", "data": "plain"});
        let new = json!({"kind": "Secret", "data": {"A": "plain2"}});
        let m = mask_pair(&old, &new);
        let text = format!("{}{}", m.old, m.new);
        assert!(!text.contains("plain"), "{text}");
    }
}
