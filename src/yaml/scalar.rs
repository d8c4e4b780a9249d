//! The reader's scalar rules: how go-yaml v3 (Kustomize's kyaml) resolves an untagged
//! plain scalar (null, bool, int, float or string), and go-yaml v2's YAML 1.1 booleans
//! for kustomization files. Shared by the fast path and the full parser. (The emitter's
//! rules, go-yaml v2's, are in `resolve.rs`.)

use std::borrow::Cow;

use serde_json::{Number, Value};

/// go-yaml v2's YAML 1.1 booleans beyond `true`/`false`.
pub(super) fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Resolves an untagged plain scalar: null, bool, int, float or string (YAML 1.2 core
/// schema as go-yaml v3 implements it, including its base-prefix integer parsing).
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        // JSON has no infinities or NaN: keep them as strings (go's json.Marshal
        // would fail on them, and Kustomize then errors; a string is the safe choice).
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Value::String(s.to_string()),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::String(s.to_string());
    }
    if looks_like_timestamp(s) {
        return Value::String(s.to_string());
    }
    // go-yaml hands a scalar led by '.' to Go's `strconv.ParseFloat` as written, which
    // allows '_' only between digits (checked with kubectl kustomize: `.5` is 0.5, `.5_5`
    // is 0.55, `.5_` and `._5` stay strings); other numbers lose every '_'.
    if first == b'.' {
        let plain = s.replace('_', "");
        if go_underscores_ok(s) && is_yaml_float(&plain) {
            if let Some(n) = plain.parse::<f64>().ok().and_then(Number::from_f64) {
                return Value::Number(n);
            }
        }
        return Value::String(s.to_string());
    }
    let plain: Cow<'_, str> = if s.contains('_') {
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    if let Some(v) = parse_go_int(&plain) {
        return v;
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(s.to_string())
}

/// Go's `strconv.underscoreOK` for a decimal number: every '_' sits between two digits.
fn go_underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, c)| {
        *c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    })
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: sign, then `0x`, `0o`, `0b`
/// or a leading `0` (octal) prefix.
fn parse_go_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.as_bytes();
    let (radix, digits) = if lower.len() > 2 && lower[0] == b'0' {
        match lower[1] {
            b'x' | b'X' => (16, &body[2..]),
            b'o' | b'O' => (8, &body[2..]),
            b'b' | b'B' => (2, &body[2..]),
            _ => (8, &body[1..]),
        }
    } else if lower.len() == 2 && lower[0] == b'0' && lower[1].is_ascii_digit() {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            let v = (mag as i128).wrapping_neg() as i64;
            return Some(Value::Number(v.into()));
        }
        None
    } else if mag <= i64::MAX as u64 {
        Some(Value::Number((mag as i64).into()))
    } else {
        Some(Value::Number(mag.into()))
    }
}

/// go-yaml v3's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if int_digits == 0 {
        if i >= b.len() || b[i] != b'.' {
            return false;
        }
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == fs {
            return false;
        }
    } else if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return false;
        }
    }
    i == b.len()
}

/// Timestamps such as `2001-12-14` stay strings when decoded into an interface.
pub(super) fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && s[5..].chars().any(|c| c == '-')
}

/// Whether a plain scalar's text might read as a number or boolean (worth keeping to
/// compare with how the value prints).
pub(super) fn may_be_spelled(text: &str) -> bool {
    text.as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'T' | b'F'))
}

/// `text` when a plain scalar written so reads as a number or boolean that prints
/// otherwise (`0x1F`, `1e10`, `True`, `1.0`).
pub(super) fn spelling(text: &str, v: &Value) -> Option<String> {
    let differs = match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => format!("{f}") != text,
            _ => n.to_string() != text,
        },
        Value::Bool(b) => text != if *b { "true" } else { "false" },
        _ => false,
    };
    differs.then(|| text.to_string())
}

/// Whether a mapping-key path leads into `metadata.annotations` (read as text anyway).
pub(super) fn in_annotations(path: &[String]) -> bool {
    path.len() > 2 && path[0] == "metadata" && path[1] == "annotations"
}

/// Whether a plain scalar is an infinity or NaN (`.inf`, `-.Inf`, `.nan`): go-yaml reads a
/// float that JSON cannot hold, and Kustomize fails when it converts the object to JSON.
pub(super) fn non_finite(s: &str) -> bool {
    matches!(
        s,
        ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    )
}
