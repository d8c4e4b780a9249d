//! YAML input and output: a position-aware parser that produces `serde_json::Value`
//! the way Kustomize's kyaml (go-yaml v3) reads it, and an emitter that prints values
//! byte-for-byte the way go-yaml v2 (and so `kubectl kustomize`) does.

mod document;
pub mod emit;
mod fast;
mod full;
pub mod parse;
mod resolve;
mod scalar;
mod timestamp;

pub use emit::{emit_document, emit_documents, emit_object};
pub use parse::{parse_documents, parse_first_document, Document, Limits, YamlError};

/// The RFC 3339 text Go prints for a YAML timestamp, if `s` is one go-yaml v3 accepts.
pub fn timestamp_text(s: &str) -> Option<String> {
    timestamp::normalize(s)
}

/// A float64 as Go's `strconv.FormatFloat(f, 'g', -1, 64)` (and `fmt`'s `%v`) prints it:
/// the shortest digits, plain for exponents from -4 to 5 (`1.5`, `100000`, `0.0001`),
/// else `d.ddde±XX` (`1e+06`, `1.2345678901234567e+19`, `1e-05`). This is the text
/// go-yaml v3 writes for a float64, so the text Kustomize's nodes hold after a JSON round
/// trip.
pub fn go_float_text(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let mut out = String::new();
    emit::write_go_g(f, &mut out);
    out
}

/// Which control characters [`find_control_char`] looks for.
#[derive(Clone, Copy)]
pub(crate) enum Controls {
    /// C1 controls but NEL (U+0080–U+0084, U+0086–U+009F), DEL, U+FFFE and U+FFFF: what
    /// Go's YAML emitter refuses.
    C1,
    /// Those and C0 controls but tab, line feed and carriage return: what Go's YAML
    /// reader refuses.
    C0AndC1,
}

/// Byte offset and value of the first character of `s` in `set`.
///
/// Runs on every byte of input and output, so it scans bytes, not characters: each
/// forbidden character starts with a byte that is either an ASCII control or the lead byte
/// `0xC2` (U+0080–U+00BF) or `0xEF` (U+F000–U+FFFF), and those are looked at closely only
/// in the rare 32-byte blocks that hold one.
pub(crate) fn find_control_char(s: &str, set: Controls) -> Option<(usize, char)> {
    let c0 = matches!(set, Controls::C0AndC1);
    let suspicious = |b: u8| {
        b == 0x7f
            || b == 0xc2
            || b == 0xef
            || (c0 && b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    };
    let forbidden = |c: char| {
        matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
            || (c0 && c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    };
    const BLOCK: usize = 32;
    for (n, block) in s.as_bytes().chunks(BLOCK).enumerate() {
        // A fold, not `any`: no early exit, so the compiler can test the block at once.
        if !block.iter().fold(false, |hit, &b| hit | suspicious(b)) {
            continue;
        }
        for (i, &b) in block.iter().enumerate() {
            let at = n * BLOCK + i;
            if suspicious(b) {
                // `at` starts a character: ASCII, or a lead byte.
                if let Some(c) = s[at..].chars().next().filter(|&c| forbidden(c)) {
                    return Some((at, c));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-by-character definition the byte scan must agree with.
    fn reference(s: &str, set: Controls) -> Option<(usize, char)> {
        let c0 = matches!(set, Controls::C0AndC1);
        s.char_indices().find(|&(_, c)| {
            matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
                || (c0 && c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
        })
    }

    #[test]
    fn byte_scan_agrees_with_the_character_definition() {
        let pieces = [
            "a",
            "\t",
            "\n",
            "\r",
            "\u{0}",
            "\u{8}",
            "\u{b}",
            "\u{1f}",
            "\u{7f}",
            "\u{80}",
            "\u{84}",
            "\u{85}",
            "\u{86}",
            "\u{9f}",
            "\u{a0}",
            "\u{bf}",
            "é",
            "\u{f000}",
            "\u{fffd}",
            "\u{fffe}",
            "\u{ffff}",
            "\u{10000}",
            "日本",
            " ",
        ];
        // Every piece at every offset around a block boundary, after clean padding.
        for pad in 0..70 {
            for p in pieces {
                for q in pieces {
                    let s = format!("{}{p}{}{q}x", "y".repeat(pad), "z".repeat(pad % 7));
                    for set in [Controls::C1, Controls::C0AndC1] {
                        assert_eq!(find_control_char(&s, set), reference(&s, set), "{s:?}");
                    }
                }
            }
        }
    }
}
