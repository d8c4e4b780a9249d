//! The build profiles (Cargo.toml): `release` builds quickly for the README's first
//! command, `dist` is the fully optimised one for published binaries and speed figures.
//! Cargo lets a custom profile inherit the package overrides of its parent, so every
//! override `release` makes must be undone in `dist`, or published binaries would be
//! built with the quick settings.

use std::collections::BTreeMap;
use std::path::Path;

/// Cargo.toml's `[section]` tables: section name -> key -> raw value.
fn sections() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .expect("Cargo.toml");
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut cur = String::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or_default().trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            cur = name.trim_matches(|c| c == '[' || c == ']').to_string();
            out.entry(cur.clone()).or_default();
        } else if let Some((k, v)) = line.split_once('=') {
            out.entry(cur.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

#[test]
fn dist_is_fully_optimised_whatever_release_overrides() {
    let s = sections();
    let dist = s.get("profile.dist").expect("a dist profile");
    assert_eq!(
        dist.get("inherits").map(String::as_str),
        Some("\"release\"")
    );
    assert_eq!(dist.get("lto").map(String::as_str), Some("\"fat\""));
    assert_eq!(dist.get("codegen-units").map(String::as_str), Some("1"));
    assert_eq!(dist.get("opt-level").map(String::as_str), Some("3"));
    let overridden: Vec<&str> = s
        .keys()
        .filter_map(|k| k.strip_prefix("profile.release.package."))
        .collect();
    for pkg in overridden {
        let d = s
            .get(&format!("profile.dist.package.{pkg}"))
            .unwrap_or_else(|| panic!("release overrides {pkg} but dist does not undo it"));
        assert_eq!(d.get("opt-level").map(String::as_str), Some("3"), "{pkg}");
    }
}

#[test]
fn release_stays_quick_to_build() {
    let s = sections();
    let rel = s.get("profile.release").expect("a release profile");
    // Whole-program optimisation and opt-level 3 belong to dist only (they doubled the
    // first build's CPU time).
    assert!(
        !rel.contains_key("lto") || rel["lto"] == "\"off\"" || rel["lto"] == "false",
        "{rel:?}"
    );
    assert!(rel.get("opt-level").is_some_and(|o| o != "3"), "{rel:?}");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    assert!(
        readme.contains("cargo run --release -- render --env prod"),
        "the README's first command changed: re-measure its build time (docs/performance.md)"
    );
}
