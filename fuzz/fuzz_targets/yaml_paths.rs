//! Differential: whenever the YAML fast path reads the input, the full parser must read it
//! the same way (as a resource file and as a kustomization file).

#![no_main]

use kagentctl::yaml::parse::{both_paths, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let kust = Limits::kustomization();
    for (limits, first_only) in [(Limits::default(), false), (kust, true)] {
        if let (Ok(fast), full) = both_paths(text, limits, first_only) {
            assert_eq!(Ok(fast), full, "fast path and full parser disagree");
        }
    }
});
