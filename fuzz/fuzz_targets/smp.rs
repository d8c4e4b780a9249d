//! The input is YAML: the first document is the target object, the second the
//! strategic-merge patch. The merge runs with the target's kind (Kubernetes merge keys)
//! and the result is emitted.

#![no_main]

use kagentctl::resource::Gvk;
use kagentctl::schema::openapi::OpenApi;
use kagentctl::transform::smp;
use kagentctl::yaml::{emit_document, parse_documents, Limits};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = parse_documents(text, Limits::default()) else {
        return;
    };
    let mut objects = docs.into_iter().filter_map(|d| match d.value {
        Value::Object(m) => Some(m),
        _ => None,
    });
    let (Some(mut target), Some(patch)) = (objects.next(), objects.next()) else {
        return;
    };
    let s = |k: &str| {
        target
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let gvk = Gvk::from_api_version(&s("apiVersion"), &s("kind"));
    if smp::merge(&mut target, &patch, &gvk, OpenApi::BUILTIN).is_ok() {
        let mut out = String::new();
        emit_document(&Value::Object(target), &mut out);
    }
});
