//! The input is a target object, a line `~~~`, then patch text (a JSON 6902 operation
//! list or strategic-merge documents), parsed as Kustomize decides between the two and
//! applied to every resource (target selector matching all), then by id.

#![no_main]

use std::path::PathBuf;
use std::sync::Arc;

use kagentctl::kustomization::Selector;
use kagentctl::resource::{Origin, ResMap, Resource};
use kagentctl::schema::openapi::OpenApi;
use kagentctl::transform::patch::{self, LoadedPatch, PatchOptions};
use kagentctl::yaml::{emit_object, parse_documents, Limits};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((target, body)) = text.split_once("\n~~~\n") else {
        return;
    };
    let Ok(docs) = parse_documents(target, Limits::default()) else {
        return;
    };
    let mut m = ResMap::new();
    for d in docs {
        if let Value::Object(o) = d.value {
            let r = Resource::new(
                o,
                Origin {
                    path: Arc::new(PathBuf::from("fuzz.yaml")),
                    line: 1,
                },
            );
            if m.append(r).is_err() {
                return;
            }
        }
    }
    let Ok(body) = patch::parse(body, "fuzz") else {
        return;
    };
    for target in [Some(Selector::default()), None] {
        let mut m = m.clone();
        let lp = LoadedPatch {
            body: body.clone(),
            target,
            options: PatchOptions::default(),
            source: "[fuzz]".into(),
        };
        if patch::apply(&mut m, &lp, OpenApi::BUILTIN).is_ok() {
            let mut out = String::new();
            for r in m.iter() {
                emit_object(&r.obj, &mut out);
            }
        }
    }
});
