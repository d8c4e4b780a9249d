//! The input is a file given to `check --crd`: its CustomResourceDefinitions are read, and
//! every other document of the same file is checked against them.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kagentctl::check::{check_objects, crd, objects_from_yaml, CheckOptions};
use libfuzzer_sys::fuzz_target;

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("kagentctl-fuzz-crd-")
            .tempdir()
            .expect("tempdir")
            .keep();
        dir.join("crd.yaml")
    })
}

fuzz_target!(|data: &[u8]| {
    let file = file();
    if std::fs::write(file, data).is_err() {
        return;
    }
    let Ok(set) = crd::load::read(std::slice::from_ref(file)) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let objects = objects_from_yaml(text, None).unwrap_or_default();
    let opts = CheckOptions {
        crds: set,
        ..CheckOptions::default()
    };
    let _ = check_objects(&objects, None, None, &opts);
});
