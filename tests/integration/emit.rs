//! The emitter on `tests/fixtures/emit/*.yaml` (exact `kubectl kustomize` output; each
//! file's byte-for-byte round trip is `emit::<file>` in `tests/fixtures.rs`): streams of
//! several documents.
//!
//! `corpus_*` files are single documents from the conformance and real-world corpora;
//! `kubectl_*` files are kubectl's output for resources built to exercise one rule each
//! (scalar resolution, scalar styles, folding, numbers, block structure, key order).
//! A property test checks that whatever the emitter prints parses back to the same value.

use std::path::Path;

use kagentctl::yaml::{emit_documents, parse_documents, Limits};

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

mod round_trip_property {
    use kagentctl::yaml::{emit_document, parse_documents, Limits};
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Characters that stress quoting, folding and block scalars. (LS, PS, NEL, C1
    /// controls and DEL are left out: go-yaml itself does not round-trip them.)
    fn text() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            " ",
            "  ",
            "a",
            "b",
            "Z",
            "0",
            "1",
            "9",
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
            "1e3",
            "2001-12-14",
            "---",
            "...",
            "wordy ",
        ]);
        prop::collection::vec(atoms, 0..30).prop_map(|v| v.concat())
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            text().prop_map(Value::String),
            prop::collection::vec(text(), 8..20).prop_map(|w| Value::String(w.join(" "))),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((text(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn emitted_yaml_parses_back_to_the_same_value(v in value()) {
            let doc = serde_json::json!({ "root": v });
            let mut out = String::new();
            emit_document(&doc, &mut out);
            let back = parse_documents(&out, Limits::default())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
            prop_assert_eq!(back.len(), 1);
            prop_assert_eq!(&back[0].value, &doc, "emitted:\n{}", out);
        }
    }
}
