//! The input is a `.kagentctl-diff.yaml`, then (after a NUL byte) `--ignore` patterns, one a
//! line: the rules are read and applied to a fixed pair of object sets.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kagentctl::diff::ignore::IgnoreRules;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("kagentctl-fuzz-ignore-")
            .tempdir()
            .expect("tempdir")
            .keep();
        dir.join(".kagentctl-diff.yaml")
    })
}

fn sides() -> &'static (Vec<Value>, Vec<Value>) {
    static SIDES: OnceLock<(Vec<Value>, Vec<Value>)> = OnceLock::new();
    SIDES.get_or_init(|| {
        let obj = |image: &str, sum: &str| {
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "annotations": {"checksum/config": sum, "a.b/c": "d"}},
                "spec": {"replicas": 2, "template": {"spec": {"containers": [
                    {"name": "app", "image": image, "env": [{"name": "X", "value": sum}]},
                    {"name": "side", "image": "s:1"}
                ]}}}
            })
        };
        let secret = |v: &str| json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}, "data": {"k": v}});
        (
            vec![obj("a:1", "x"), secret("YQ==")],
            vec![obj("a:2", "y"), secret("Yg==")],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (file_part, lines) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut rules = IgnoreRules::default();
    if std::fs::write(file(), file_part).is_ok() {
        if let Ok(r) = IgnoreRules::load(file()) {
            rules = r;
        }
    }
    let lines: Vec<String> = String::from_utf8_lossy(lines)
        .lines()
        .map(str::to_string)
        .collect();
    if let Ok(r) = IgnoreRules::new(&lines, &[], "--ignore") {
        rules = rules.merge(r);
    }
    let (old, new) = sides();
    let _ = rules.apply(old, new);
});
