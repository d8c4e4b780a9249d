//! YAML parsing into `serde_json::Value`, resolving plain scalars the way go-yaml v3
//! (which Kustomize's kyaml uses) does, with bounded alias expansion and nesting depth.
//!
//! This module is the dispatcher: it refuses unprintable input, tries the fast path
//! (`fast.rs`, block-style documents) and falls back to the full parser (`full.rs`).
//! The shared types are in `document.rs`, the scalar rules in `scalar.rs`.

pub use super::document::{Document, Limits, PathStep, QuotedScalars, YamlError};
use super::full::parse_events;
pub use super::scalar::resolve_plain;

/// Whether a plain scalar is an infinity or NaN (`.inf`, `-.Inf`, `.nan`).
pub fn is_non_finite(s: &str) -> bool {
    super::scalar::non_finite(s)
}

/// Parses every document of `src`. Empty documents are returned as `Value::Null`.
pub fn parse_documents(src: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    parse_stream(src, limits, false)
}

/// Parses only the first document of `src`, as go-yaml's `Unmarshal` does: whatever
/// follows it is never read (so it may even be malformed). `None` for an empty stream.
pub fn parse_first_document(src: &str, limits: Limits) -> Result<Option<Document>, YamlError> {
    Ok(parse_stream(src, limits, true)?.into_iter().next())
}

fn parse_stream(src: &str, limits: Limits, first_only: bool) -> Result<Vec<Document>, YamlError> {
    check_printable(src)?;
    if let Ok(docs) = super::fast::parse_stream(src, limits, first_only) {
        return Ok(docs);
    }
    parse_events(src, limits, first_only)
}

/// What [`both_paths`] returns.
#[doc(hidden)]
pub type BothPaths = (
    Result<Vec<Document>, &'static str>,
    Result<Vec<Document>, YamlError>,
);

/// The fast path's reading of `src` (an error: why it is not in its subset) and the full
/// parser's,
/// for differential tests.
#[doc(hidden)]
pub fn both_paths(src: &str, limits: Limits, first_only: bool) -> BothPaths {
    let fast = check_printable(src)
        .map_err(|_| "control character")
        .and_then(|()| super::fast::parse_stream(src, limits, first_only));
    let full = check_printable(src).and_then(|()| parse_events(src, limits, first_only));
    (fast, full)
}

/// Parses with the full parser only, skipping the fast path (for benchmarks and
/// differential tests).
#[doc(hidden)]
pub fn parse_documents_full(src: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    check_printable(src)?;
    parse_events(src, limits, false)
}

/// libyaml's reader (go-yaml v2 and v3) refuses characters outside YAML's printable set
/// anywhere in the stream, comments and quoted scalars included: C0 controls other than
/// tab and line breaks, DEL, C1 controls other than NEL, U+FFFE and U+FFFF.
fn check_printable(src: &str) -> Result<(), YamlError> {
    let Some((at, c)) = super::find_control_char(src, super::Controls::C0AndC1) else {
        return Ok(());
    };
    let before = &src[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Err(YamlError {
        line: before.matches('\n').count() + 1,
        col: before[line_start..].chars().count() + 1,
        message: format!("control characters are not allowed (U+{:04X})", c as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn one(src: &str) -> Value {
        parse_documents(src, Limits::default())
            .unwrap()
            .remove(0)
            .value
    }

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v3() {
        assert_eq!(one("a: yes"), json!({"a": "yes"}));
        assert_eq!(one("a: true"), json!({"a": true}));
        assert_eq!(one("a: 0644"), json!({"a": 420}));
        assert_eq!(one("a: 0x1F"), json!({"a": 31}));
        assert_eq!(one("a: 1e3"), json!({"a": 1000.0}));
        assert_eq!(one("a: ~"), json!({"a": null}));
        assert_eq!(one("a: '12'"), json!({"a": "12"}));
        assert_eq!(one("a: !!str 12"), json!({"a": "12"}));
        // Timestamps reach the output as Go prints a time (checked with kubectl).
        assert_eq!(one("a: 2001-12-14"), json!({"a": "2001-12-14T00:00:00Z"}));
        assert_eq!(one("a: '2001-12-14'"), json!({"a": "2001-12-14"}));
        assert_eq!(
            one("a: 2001-12-14 21:59:43.10 -5"),
            json!({"a": "2001-12-14 21:59:43.10 -5"})
        );
        // Annotations are read as the text written.
        assert_eq!(
            one("metadata:\n  annotations:\n    a: 0x1F\n    b: ~\n    c:\n"),
            json!({"metadata": {"annotations": {"a": "0x1F", "b": "~", "c": ""}}})
        );
        assert_eq!(one("a: 1_000"), json!({"a": 1000}));
        assert_eq!(one("a: -5"), json!({"a": -5}));
        assert_eq!(one("a: 1.5"), json!({"a": 1.5}));
        assert_eq!(one("a: 1:20"), json!({"a": "1:20"}));
        assert_eq!(one("a: 09"), json!({"a": 9.0}));
        // A leading '.' goes to Go's ParseFloat unchanged: '_' only between digits.
        assert_eq!(one("a: .5"), json!({"a": 0.5}));
        assert_eq!(one("a: .5_"), json!({"a": ".5_"}));
        assert_eq!(one("a: ._5"), json!({"a": "._5"}));
        assert_eq!(one("a: .5__5"), json!({"a": ".5__5"}));
        assert_eq!(one("a: .5_5"), json!({"a": 0.55}));
        assert_eq!(one("a: .5e1_0"), json!({"a": 5e9}));
        assert_eq!(one("a: 1_0.5_"), json!({"a": 10.5}));
        assert_eq!(one("a: 1__0"), json!({"a": 10}));
        assert_eq!(one("a: 1_.5"), json!({"a": 1.5}));
    }

    #[test]
    fn block_scalar_at_end_of_input_without_newline_has_none() {
        assert_eq!(one("a: |\n  x\n  y"), json!({"a": "x\ny"}));
        assert_eq!(one("a: |\n  x\n  y\n"), json!({"a": "x\ny\n"}));
    }

    #[test]
    fn anchors_and_merge_keys_expand() {
        let v = one("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n");
        assert_eq!(
            v,
            json!({"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}})
        );
    }

    #[test]
    fn quoted_merge_keys_are_dropped_as_kyaml_does() {
        let src = "a: 1\n\"<<\": {x: 1}\nb: [{'<<': 2, c: 3}]\n!!str <<: 4\n";
        assert_eq!(one(src), json!({"a": 1, "b": [{"c": 3}]}));
        let keep = Limits {
            keep_quoted_merge_keys: true,
            ..Limits::default()
        };
        let v = parse_documents("\"<<\": 1\n", keep)
            .unwrap()
            .remove(0)
            .value;
        assert_eq!(v, json!({"<<": 1}));
    }

    #[test]
    fn collection_keys_are_refused_as_kubectl_does() {
        for src in ["a:\n  {b: 1}: c\n", "[x, 1]: y\n", "? {a: 1}\n: b\n"] {
            let err = parse_documents(src, Limits::default()).unwrap_err();
            assert!(err.message.contains("invalid map key"), "{src:?}: {err}");
        }
        // Nested ones fail at once rather than growing the key text exponentially.
        let bomb = format!("{}a{}\n", "{".repeat(40), ": b}".repeat(40));
        let started = std::time::Instant::now();
        assert!(parse_documents(&bomb, Limits::default()).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn duplicate_keys_are_errors_with_position() {
        let e = parse_documents("a: 1\na: 2\n", Limits::default()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("already defined"));
    }

    #[test]
    fn multiple_documents_keep_their_lines() {
        let docs = parse_documents("a: 1\n---\nb: 2\n---\n", Limits::default()).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].line, 3);
        assert_eq!(docs[2].value, Value::Null);
    }

    #[test]
    fn alias_bomb_fails_fast() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(src.len() < 1500);
        let e = parse_documents(&src, Limits::default()).unwrap_err();
        assert!(e.message.contains("alias expansion"), "{e}");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let src = "[".repeat(10_000);
        let e = parse_documents(&src, Limits::default()).unwrap_err();
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion"),
            "{e}"
        );
    }

    #[test]
    fn first_document_only_ignores_the_rest() {
        let d = parse_first_document("a: 1\n---\n: : bad [\n", Limits::default()).unwrap();
        assert_eq!(d.map(|d| d.value), Some(json!({"a": 1})));
        let d = parse_first_document("# c\n---\nb: 2\n", Limits::default()).unwrap();
        assert_eq!(d.map(|d| d.value), Some(json!({"b": 2})));
        let d = parse_first_document("---\n---\nb: 2\n", Limits::default()).unwrap();
        assert_eq!(d.map(|d| d.value), Some(Value::Null));
        assert_eq!(parse_first_document("", Limits::default()).unwrap(), None);
    }

    #[test]
    fn control_characters_are_refused_with_their_position() {
        for (src, line, col) in [
            ("a: \"x\u{7f}\"\n", 1, 6),
            ("a: 1\n# \u{1}\n", 2, 3),
            ("a: 1\nb: \u{9f}\n", 2, 4),
            ("\u{feff}a: \u{ffff}", 1, 5),
        ] {
            let e = parse_documents(src, Limits::default()).unwrap_err();
            assert_eq!((e.line, e.col), (line, col), "{src:?}");
            assert!(e.message.contains("control characters"), "{e}");
        }
        assert!(parse_documents("a: \"x\u{85}\ty\"\r\n", Limits::default()).is_ok());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse_documents("a: [1, 2\nb: c\n", Limits::default()).unwrap_err();
        assert!(e.line >= 1);
    }
}
