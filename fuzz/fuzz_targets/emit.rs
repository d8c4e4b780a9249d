//! Emitter round trip: an arbitrary JSON-like value, emitted as go-yaml v2 does, must
//! parse back (as kyaml/go-yaml v3 reads it) to the same value.
//!
//! Excluded from the domain, as in tests/integration/properties.rs: characters go-yaml itself does
//! not round-trip (NEL, LS, PS, C1 controls, DEL, U+FFFE/U+FFFF; see
//! `kagentctl::yaml::emit::kubectl_encode_error`); and the mapping key `<<`, which
//! go-yaml v2 prints plain and then reads back as a merge key (Kustomize fails on it, and
//! kagentctl's generators refuse it). Numbers are compared by value (a float with an
//! integral value is printed without a fraction and reads back as an int, as in
//! Kustomize).

#![no_main]

use arbitrary::{Result, Unstructured};
use kagentctl::yaml::{emit_document, parse_documents, Limits};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

const ATOMS: &[&str] = &[
    " ",
    "a",
    "0",
    "1",
    ".",
    "e",
    "-",
    "+",
    ":",
    ": ",
    "#",
    " #",
    "'",
    "\"",
    "\\",
    "\n",
    "\n\n",
    "\t",
    "\r",
    "é",
    "日",
    "😀",
    "\u{1}",
    "\u{a0}",
    "\u{feff}",
    "?",
    "!",
    "&",
    "*",
    "|",
    ">",
    "%",
    "@",
    "`",
    ",",
    "[",
    "]",
    "{",
    "}",
    "~",
    "y",
    "n",
    "true",
    "null",
    "0x",
    "0o",
    "0b",
    "1e3",
    ".5",
    "2001-12-14",
    "---",
    "...",
    "<<",
    "=",
    "NaN",
    ".inf",
    "_",
];

fn text(u: &mut Unstructured) -> Result<String> {
    let s = if u.arbitrary::<bool>()? {
        u.arbitrary::<String>()?
    } else {
        let n = u.int_in_range(0..=12)?;
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(u.choose(ATOMS)?);
        }
        s
    };
    Ok(s.chars().filter(|c| !excluded(*c)).collect())
}

/// Characters go-yaml does not round-trip (or kubectl refuses to print).
fn excluded(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    )
}

fn value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let top = if depth >= 8 { 4 } else { 6 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => {
            if u.arbitrary::<bool>()? {
                Value::from(u.arbitrary::<i64>()?)
            } else {
                Value::from(u.arbitrary::<u64>()?)
            }
        }
        3 => Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
        4 => Value::String(text(u)?),
        5 => {
            let n = u.int_in_range(0..=5)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => {
            let n = u.int_in_range(0..=5)?;
            let mut m = Map::new();
            for _ in 0..n {
                let k = text(u)?;
                if k != "<<" {
                    m.insert(k, value(u, depth + 1)?);
                }
            }
            Value::Object(m)
        }
    })
}

/// Equal, numbers compared by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(v) = value(&mut u, 0) else {
        return;
    };
    let mut out = String::new();
    emit_document(&v, &mut out);
    let back = match parse_documents(&out, Limits::default()) {
        Ok(d) => d,
        Err(e) => panic!("emitted YAML does not parse: {e}\nvalue: {v:?}\nyaml:\n{out}"),
    };
    let got = back
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null);
    assert!(
        same(&v, &got),
        "round trip changed the value\nvalue: {v:?}\nyaml:\n{out}\nback: {got:?}"
    );
});
