//! Round-trips `tests/fixtures/emit/*.yaml` through the parser and the emitter: each file
//! is exact `kubectl kustomize` (v1.32, Kustomize v5.5.0) output, so re-emitting its
//! documents must give the same bytes.
//!
//! `corpus_*` files are single documents from the conformance and real-world corpora;
//! `kubectl_*` files are kubectl's output for resources built to exercise one rule each
//! (scalar resolution, scalar styles and folding, numbers, block structure, key order).

use std::path::Path;

use kagentctl::yaml::{emit_documents, parse_documents, Limits};

#[test]
fn fixtures_round_trip_byte_for_byte() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/emit");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "fixtures missing in {}", dir.display());
    let mut failures = Vec::new();
    for path in &paths {
        let src = std::fs::read_to_string(path).expect("fixture text");
        let docs = parse_documents(&src, Limits::default()).expect("fixture parses");
        let out = emit_documents(docs.iter().map(|d| &d.value));
        if out != src {
            let diff = similar::TextDiff::from_lines(&src, &out);
            failures.push(format!(
                "{}:\n{}",
                path.display(),
                diff.unified_diff().context_radius(2).header("kubectl", "emitted")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn multi_document_stream_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/emit");
    let a = std::fs::read_to_string(dir.join("corpus_binary_data.yaml")).expect("fixture");
    let b = std::fs::read_to_string(dir.join("kubectl_structure.yaml")).expect("fixture");
    let stream = format!("{a}---\n{b}");
    let docs = parse_documents(&stream, Limits::default()).expect("stream parses");
    assert_eq!(docs.len(), 2);
    assert_eq!(emit_documents(docs.iter().map(|d| &d.value)), stream);
}
