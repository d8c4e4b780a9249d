//! The input is a `policy.yaml`, then (after a NUL byte) a stream of objects that may carry
//! `kagentctl.io/exempt` annotations: the policy is parsed, and every environment's
//! requirements, rule levels and exemptions are applied to the objects.

#![no_main]

use std::path::Path;

use kagentctl::check::{check_objects, objects_from_yaml, CheckOptions, PolicyFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (policy, objects) = text.split_once('\0').unwrap_or((text, ""));
    // The glob of exemptions, on two halves of the input.
    let (p, t) = policy.split_once('\n').unwrap_or((policy, ""));
    let _ = kagentctl::check::exempt::glob(p, t);
    let Ok(pf) = PolicyFile::parse(policy, Path::new("policy.yaml")) else {
        return;
    };
    let objects = objects_from_yaml(objects, None).unwrap_or_default();
    let opts = CheckOptions::default();
    for (env, p) in &pf.environments {
        let _ = check_objects(&objects, Some(p), Some(env), &opts);
    }
});
