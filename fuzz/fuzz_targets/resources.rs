//! The input is a resource file: parsed (multi-document, `kind: List`) and each
//! resource emitted.

#![no_main]

use std::path::Path;

use kagentctl::load::parse_resources;
use kagentctl::yaml::{emit_object, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(resources) = parse_resources(Path::new("fuzz.yaml"), text, Limits::default()) {
        let mut out = String::new();
        for r in &resources {
            emit_object(&r.obj, &mut out);
        }
    }
});
