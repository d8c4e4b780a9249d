//! YAML output that matches `kubectl kustomize` byte for byte.
//!
//! Kustomize prints each resource by encoding it as JSON and handing that to
//! `sigs.k8s.io/yaml`'s `JSONToYAML`, which reads the JSON with go-yaml v2 and writes it
//! again with go-yaml v2's encoder. This module reproduces that encoder for the values the
//! round trip can produce (`null`, booleans, numbers, strings, sequences and mappings):
//!
//! * mapping keys are sorted with go-yaml v2's "natural" order (see `key_less`);
//! * block style with two-space indentation; a sequence that is a mapping value is not
//!   indented (`containers:\n- name: x`); empty collections are `[]` and `{}`;
//! * strings that YAML 1.1 would read as another type are double-quoted; strings with a
//!   line feed become literal blocks; others are plain, single- or double-quoted after the
//!   same scalar analysis as libyaml's emitter;
//! * plain and quoted scalars are folded at spaces once the line passes column 80;
//! * numbers are printed as Go's `encoding/json` text re-read by go-yaml v2 and printed
//!   again: integral floats that fit a 64-bit integer become integers, other floats use
//!   Go's shortest `%g` form (`1e+21`, `1e-07`, `1.5`).
//!
//! The emitter writes into one `String` and keeps libyaml's column, indentation and
//! whitespace state, so that folding and indentation decisions are the same.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use super::resolve::{is_base60_float, resolves_as_string};

/// Indentation step (go-yaml v2's `best_indent`).
const BEST_INDENT: i64 = 2;
/// Column after which scalars are folded at a space (go-yaml v2's `best_width`).
const BEST_WIDTH: usize = 80;
/// Spaces for indentation.
const SPACES: &str = "                                                                ";
/// Longest key (in bytes) that is written as an implicit `key: value` key.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Appends one YAML document for `value` to `out`, formatted as go-yaml v2 formats it.
///
/// The document always ends with a line feed and has no `---` marker.
pub fn emit_document(value: &Value, out: &mut String) {
    let mut e = Emitter {
        out,
        column: 0,
        indent: -1,
        whitespace: true,
        indention: true,
    };
    e.node(value, Ctx::default());
    // DOCUMENT-END: go to the start of a fresh line.
    e.write_indent();
}

/// Appends one YAML document for a mapping (a resource) to `out`; the same bytes as
/// [`emit_document`] of `Value::Object(map)`, without building that value.
pub fn emit_object(map: &Map<String, Value>, out: &mut String) {
    let mut e = Emitter {
        out,
        column: 0,
        indent: -1,
        whitespace: true,
        indention: true,
    };
    if map.is_empty() {
        e.empty_collection("{}");
    } else {
        e.mapping(map);
    }
    e.write_indent();
}

/// Emits several documents joined by `---` lines, as `kustomize build` prints them.
///
/// There is no leading `---`; no documents give an empty string.
pub fn emit_documents<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document(v, &mut out);
    }
    out
}

/// Why `kubectl kustomize` would fail to print `value`, if it would.
///
/// Kustomize's JSON-to-YAML step re-reads Go's JSON text with go-yaml v2, which rejects:
/// characters YAML forbids in a stream that Go's JSON encoder leaves unescaped (DEL, the
/// C1 controls other than NEL, U+FFFE and U+FFFF); mapping keys holding a NEL (a line
/// break inside an implicit key); and keys whose JSON text (escapes included, quotes not)
/// is longer than 1022 characters (an implicit key must end within 1024 characters).
/// [`emit_document`] prints such values anyway; callers that must fail as kubectl does
/// check them first.
pub fn kubectl_encode_error(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => forbidden_char(s),
        Value::Array(items) => items.iter().find_map(kubectl_encode_error),
        Value::Object(map) => kubectl_encode_error_in_map(map),
        _ => None,
    }
}

/// [`kubectl_encode_error`] for an object held as a map (a resource).
pub fn kubectl_encode_error_in_map(map: &Map<String, Value>) -> Option<String> {
    map.iter().find_map(|(k, v)| {
        if let Some(e) = forbidden_char(k) {
            return Some(e);
        }
        if k.contains(NEL) {
            return Some(format!("mapping key {k:?} contains a NEL line break"));
        }
        // A character escapes to 6 JSON characters at most: short keys need no count.
        let json_len: usize = if k.len() * 6 <= 1022 {
            0
        } else {
            k.chars().map(go_json_escaped_len).sum()
        };
        if json_len > 1022 {
            return Some(format!(
                "mapping key of {json_len} JSON characters is longer than 1022"
            ));
        }
        kubectl_encode_error(v)
    })
}

fn forbidden_char(s: &str) -> Option<String> {
    super::find_control_char(s, super::Controls::C1)
        .map(|(_, c)| format!("control characters are not allowed (U+{:04X})", c as u32))
}

/// Characters Go's `encoding/json` writes for `c` inside a string.
fn go_json_escaped_len(c: char) -> usize {
    match c {
        // Go 1.22 and later write `\b` and `\f` as short escapes too.
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
        c if (c as u32) < 0x20 => 6,
        _ => 1,
    }
}

/// Where a node sits, as libyaml's emitter tracks it.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// The node is a mapping key or value.
    mapping: bool,
    /// The node is an implicit (simple) mapping key.
    simple_key: bool,
}

const MAPPING: Ctx = Ctx {
    mapping: true,
    simple_key: false,
};
const SIMPLE_KEY: Ctx = Ctx {
    mapping: true,
    simple_key: true,
};
const ITEM: Ctx = Ctx {
    mapping: false,
    simple_key: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter<'o> {
    out: &'o mut String,
    /// Characters (not bytes) written on the current line.
    column: usize,
    /// Current indentation; -1 before the root collection.
    indent: i64,
    /// The last thing written was whitespace (or nothing on this line).
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
}

impl Emitter<'_> {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Writes ASCII text.
    fn put_ascii(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.len();
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Writes a line-break character taken from a scalar.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            let n = (indent - self.column).min(SPACES.len());
            self.put_ascii(&SPACES[..n]);
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.put_ascii(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn node(&mut self, v: &Value, ctx: Ctx) {
        match v {
            Value::Null => self.plain_token("null"),
            Value::Bool(true) => self.plain_token("true"),
            Value::Bool(false) => self.plain_token("false"),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.string(&json_round_trip(s), ctx),
            Value::Array(items) if items.is_empty() => self.empty_collection("[]"),
            Value::Object(map) if map.is_empty() => self.empty_collection("{}"),
            Value::Array(items) => self.sequence(items, ctx),
            Value::Object(map) => self.mapping(map),
        }
    }

    /// An empty flow collection: `[` then `]` (or `{` and `}`).
    fn empty_collection(&mut self, text: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        self.put_ascii(text);
        self.whitespace = false;
        self.indention = false;
    }

    fn sequence(&mut self, items: &[Value], ctx: Ctx) {
        let saved = self.indent;
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, ITEM);
        }
        self.indent = saved;
    }

    fn mapping(&mut self, map: &Map<String, Value>) {
        let saved = self.indent;
        self.increase_indent(false, false);
        let mut any_nel = false;
        let mut entries: Vec<(Cow<'_, str>, &Value)> = map
            .iter()
            .map(|(k, v)| {
                any_nel |= has_nel(k);
                (Cow::Borrowed(k.as_str()), v)
            })
            .collect();
        if any_nel {
            entries = folded_entries(map);
        }
        let order = sorted_order(entries.len(), |a, b| key_less(&entries[a].0, &entries[b].0));
        for i in order {
            let (k, v) = (entries[i].0.as_ref(), entries[i].1);
            self.write_indent();
            if k.len() <= MAX_SIMPLE_KEY_LEN
                && (k.is_ascii() && !k.contains(['\n', '\r']) || !k.chars().any(is_break))
            {
                self.string(k, SIMPLE_KEY);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.string(k, MAPPING);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(v, MAPPING);
        }
        self.indent = saved;
    }

    /// A plain scalar without spaces or breaks (null, booleans, numbers).
    fn plain_token(&mut self, text: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        self.put_ascii(text);
        self.whitespace = false;
        self.indention = false;
    }

    fn number(&mut self, n: &Number) {
        if !self.whitespace {
            self.put(' ');
        }
        let start = self.out.len();
        write_number(n, self.out);
        self.column += self.out.len() - start;
        self.whitespace = false;
        self.indention = false;
    }

    fn string(&mut self, s: &str, ctx: Ctx) {
        // go-yaml v2 `encoder.stringv`: the style it asks the emitter for.
        let a = analyze(s);
        let requested = if a.has_lf {
            Style::Literal
        } else if !resolves_as_string(s) || is_base60_float(s) {
            Style::Double
        } else {
            Style::Plain
        };
        // libyaml `yaml_emitter_select_scalar_style` (block context, no tags).
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && ctx.simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || ctx.simple_key) {
            style = Style::Double;
        }
        let saved = self.indent;
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(s, allow_breaks && a.has_space),
            Style::Single => self.write_single(s, allow_breaks),
            Style::Double => self.write_double(s, allow_breaks),
            Style::Literal => self.write_literal(s, a.other_breaks),
        }
        self.indent = saved;
    }

    fn write_plain(&mut self, s: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        if !allow_breaks {
            // No folding possible (and plain scalars never hold line breaks).
            self.out.push_str(s);
            self.column += char_count(s);
        } else {
            let mut spaces = false;
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                if c == ' ' {
                    if !spaces && self.column > BEST_WIDTH && chars.peek() != Some(&' ') {
                        self.write_indent();
                    } else {
                        self.put(c);
                    }
                    spaces = true;
                } else {
                    self.put(c);
                    self.indention = false;
                    spaces = false;
                }
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let n = s.len();
        let mut iter = s.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if c == ' ' {
                let next_space = matches!(iter.peek(), Some((_, ' ')));
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < n
                    && !next_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // libyaml checks for a byte-order mark at the start of the value (not at the
        // current character), so a leading BOM escapes every character.
        let bom = s.starts_with('\u{feff}');
        let mut spaces = false;
        let n = s.len();
        let mut iter = s.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.write_escape(c);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < n {
                    self.write_indent();
                    if matches!(iter.peek(), Some((_, ' '))) {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_escape(&mut self, c: char) {
        self.put('\\');
        let short = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{b}' => Some('v'),
            '\u{c}' => Some('f'),
            '\r' => Some('r'),
            '\u{1b}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{a0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(e) = short {
            self.put(e);
            return;
        }
        let v = c as u32;
        let start = self.out.len();
        // Writing to a String cannot fail.
        let _ = if v <= 0xFF {
            write!(self.out, "x{v:02X}")
        } else if v <= 0xFFFF {
            write!(self.out, "u{v:04X}")
        } else {
            write!(self.out, "U{v:08X}")
        };
        self.column += self.out.len() - start;
    }

    fn write_literal(&mut self, s: &str, other_breaks: bool) {
        self.write_indicator("|", true, false, false);
        // Block scalar header: indentation indicator, then chomping indicator.
        if s.starts_with(' ') || s.starts_with(is_break) {
            self.write_indicator("2", false, false, false);
        }
        let mut rev = s.chars().rev();
        match (rev.next(), rev.next()) {
            (Some(last), _) if !is_break(last) => self.write_indicator("-", false, false, false),
            (Some(_), None) => self.write_indicator("+", false, false, false),
            (Some(_), Some(prev)) if is_break(prev) => {
                self.write_indicator("+", false, false, false)
            }
            (None, _) => self.write_indicator("-", false, false, false),
            _ => {}
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        if !other_breaks {
            // Line by line: only line feeds break lines.
            for (n, line) in s.split('\n').enumerate() {
                if n > 0 {
                    self.put_break();
                    self.indention = true;
                }
                if !line.is_empty() {
                    self.write_indent();
                    self.out.push_str(line);
                    self.column += char_count(line);
                    self.indention = false;
                }
            }
            return;
        }
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// NEXT LINE (U+0085), the one line break that Go's JSON encoder leaves unescaped.
const NEL: char = '\u{85}';

fn has_nel(s: &str) -> bool {
    !s.is_ascii() && s.contains(NEL)
}

/// The string go-yaml v2 reads back from Go's JSON encoding of `s`.
///
/// Go's `encoding/json` escapes every line break except NEL, and go-yaml v2's scanner
/// folds raw line breaks inside a double-quoted scalar: a run of spaces and NELs becomes
/// one space when it holds a single NEL, and n-1 line feeds when it holds n of them.
fn json_round_trip(s: &str) -> Cow<'_, str> {
    if !has_nel(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run_start: Option<usize> = None;
    let mut nels = 0usize;
    let flush = |out: &mut String, run: &str, nels: usize| match nels {
        0 => out.push_str(run),
        1 => out.push(' '),
        n => (1..n).for_each(|_| out.push('\n')),
    };
    for (i, c) in s.char_indices() {
        if c == ' ' || c == NEL {
            run_start.get_or_insert(i);
            nels += usize::from(c == NEL);
        } else {
            if let Some(start) = run_start.take() {
                flush(&mut out, &s[start..i], nels);
                nels = 0;
            }
            out.push(c);
        }
    }
    if let Some(start) = run_start {
        flush(&mut out, &s[start..], nels);
    }
    Cow::Owned(out)
}

/// Mapping entries with keys as go-yaml v2 reads them back from Go's JSON, when some
/// keys contain NEL: keys that became equal keep the value that comes last in the JSON
/// text, where Go orders the original keys bytewise.
fn folded_entries(map: &Map<String, Value>) -> Vec<(Cow<'_, str>, &Value)> {
    let mut originals: Vec<(&String, &Value)> = map.iter().collect();
    originals.sort_by(|a, b| a.0.cmp(b.0));
    let mut entries: Vec<(Cow<'_, str>, &Value)> = Vec::with_capacity(originals.len());
    for (k, v) in originals {
        let k = json_round_trip(k);
        if let Some(e) = entries.iter_mut().find(|e| e.0 == k) {
            e.1 = v;
        } else {
            entries.push((k, v));
        }
    }
    entries
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// libyaml's `is_break`: CR, LF, NEL, LS, PS.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` as go-yaml v2 implements it (note: nothing above U+FFFF, and
/// no TAB, counts as printable).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}')
        || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
}

/// What libyaml's `yaml_emitter_analyze_scalar` finds out about a scalar (block context),
/// plus two facts the writers use.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
    /// The scalar contains a line feed.
    has_lf: bool,
    /// The scalar contains a space.
    has_space: bool,
    /// The scalar contains a line break other than a line feed.
    other_breaks: bool,
}

/// Printable ASCII other than space, `:` and `#`: after the first character, such a byte
/// only resets the "previous character" state of [`analyze`].
fn is_quiet(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && b != b':' && b != b'#'
}

fn analyze(s: &str) -> Analysis {
    let b = s.as_bytes();
    if b.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
            has_lf: false,
            has_space: false,
            other_breaks: false,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut has_lf = false;
    let mut has_space = false;
    let mut other_breaks = false;
    let mut special = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_ws = true;
    let mut previous_space = false;
    let mut previous_break = false;

    let mut i = 0;
    while i < b.len() {
        let byte = b[i];
        if i > 0 && is_quiet(byte) {
            // A run of printable ASCII that is neither space, `:` nor `#`.
            previous_space = false;
            previous_break = false;
            preceded_by_ws = false;
            i += 1;
            while i < b.len() && is_quiet(b[i]) {
                i += 1;
            }
            continue;
        }
        if byte == b' ' {
            // A run of spaces (no indicator test applies to a space).
            has_space = true;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
            preceded_by_ws = true;
            i += 1;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            continue;
        }
        if byte == b'\n' {
            has_lf = true;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
            preceded_by_ws = true;
            i += 1;
            continue;
        }
        let (c, w) = if byte < 0x80 {
            (char::from(byte), 1)
        } else {
            let c = s[i..].chars().next().unwrap_or('\u{fffd}');
            (c, c.len_utf8())
        };
        let next = i + w;
        let followed_by_ws = next >= b.len() || b[next] == b' ' || b[next] == b'\t';
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if c == ' ' {
            has_space = true;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
            preceded_by_ws = true;
        } else if c == '\n' || (byte >= 0x80 || byte == b'\r') && is_break(c) {
            if c == '\n' {
                has_lf = true;
            } else {
                other_breaks = true;
            }
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
            preceded_by_ws = true;
        } else {
            previous_space = false;
            previous_break = false;
            preceded_by_ws = c == '\t' || c == '\0';
        }
        if !(0x20..0x7f).contains(&byte) && !is_printable(c) {
            special = true;
        }
        i = next;
    }
    let first = s.chars().next().unwrap_or(' ');
    let last = s.chars().next_back().unwrap_or(' ');
    let leading_space = first == ' ';
    let leading_break = is_break(first);
    let trailing_space = last == ' ';
    let trailing_break = is_break(last);
    let line_breaks = has_lf || other_breaks;

    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
        has_lf,
        has_space,
        other_breaks,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

// ---------------------------------------------------------------------------------------
// Numbers

/// Writes a JSON number the way it comes out of Go's `encoding/json` and go-yaml v2.
fn write_number(n: &Number, out: &mut String) {
    // Writing to a String cannot fail.
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        write_float(f, out);
    } else {
        out.push_str(&n.to_string());
    }
}

/// A float64 as Go's JSON encoder prints it, re-read by go-yaml v2 (as an integer when the
/// text has no fraction or exponent and fits 64 bits) and printed with `%g` otherwise.
fn write_float(f: f64, out: &mut String) {
    if !f.is_finite() {
        out.push_str(if f.is_nan() {
            ".nan"
        } else if f > 0.0 {
            ".inf"
        } else {
            "-.inf"
        });
        return;
    }
    // encoding/json prints |f| < 1e21 without an exponent, as the shortest round-trip
    // digits padded with zeros; go-yaml v2 then reads integral text as int64 or uint64
    // when it fits.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f.abs() < 9_007_199_254_740_992.0 {
            // Below 2^53 the shortest digits are the exact integer.
            let _ = write!(out, "{}", f as i64);
            return;
        }
        // Rust's `Display` also prints the shortest digits padded with zeros.
        let text = format!("{f}");
        if text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
            out.push_str(&text);
            return;
        }
    }
    write_go_g(f, out);
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for a finite `f`.
pub(super) fn write_go_g(f: f64, out: &mut String) {
    // Rust's `{:e}` gives the shortest round-trip digits, like Go's shortest mode.
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((e.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.is_empty() { "0" } else { &digits };
    if f.is_sign_negative() {
        out.push('-');
    }
    let nd = digits.len() as i32;
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.abs());
        return;
    }
    let dp = exp + 1; // digits before the decimal point
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..-dp {
            out.push('0');
        }
        out.push_str(digits);
    } else if dp >= nd {
        out.push_str(digits);
        for _ in 0..dp - nd {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
}

// ---------------------------------------------------------------------------------------
// Key order

/// The indices `0..n` ordered by `less` with a merge sort.
///
/// go-yaml v2's key order is not transitive for some key sets (`"2" < "10" < "1a" < "2"`);
/// Go then sorts keys that come in random map order, so `kubectl kustomize` itself prints
/// such maps differently from run to run. The standard library's sorts may panic on such a
/// comparator, so this one is hand-written: it never panics and is deterministic, and it
/// agrees with every other sort wherever `less` is a strict weak order.
fn sorted_order(n: usize, less: impl Fn(usize, usize) -> bool) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    if n < 2 {
        return a;
    }
    // Insertion sort for small maps (most Kubernetes objects).
    if n <= 16 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(a[j], a[j - 1]) {
                a.swap(j, j - 1);
                j -= 1;
            }
        }
        return a;
    }
    let mut b = vec![0usize; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Stable: take from the right run only when strictly less.
                if less(a[j], a[i]) {
                    b[k] = a[j];
                    j += 1;
                } else {
                    b[k] = a[i];
                    i += 1;
                }
                k += 1;
            }
            b[k..k + (mid - i)].copy_from_slice(&a[i..mid]);
            k += mid - i;
            b[k..k + (end - j)].copy_from_slice(&a[j..end]);
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// go-yaml v2's `keyList.Less` for string keys.
///
/// At the first differing character: two letters compare by code point; a letter sorts
/// after a non-letter; otherwise the runs of digits starting there compare as numbers
/// (then by length), and failing that the characters compare by code point. A proper
/// prefix sorts first.
fn key_less(a: &str, b: &str) -> bool {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let mut p = ab.iter().zip(bb).take_while(|(x, y)| x == y).count();
    if p == ab.len() || p == bb.len() {
        // One is a prefix of the other (or they are equal).
        return ab.len() < bb.len();
    }
    while !a.is_char_boundary(p) {
        p -= 1;
    }
    let (ra, rb) = (&a[p..], &b[p..]);
    let (Some(ca), Some(cb)) = (ra.chars().next(), rb.chars().next()) else {
        return ab.len() < bb.len();
    };
    let (al, bl) = (is_go_letter(ca), is_go_letter(cb));
    if al && bl {
        return ca < cb;
    }
    if al || bl {
        return bl;
    }
    let (mut an, mut bn) = (0i64, 0i64);
    if ca == '0' || cb == '0' {
        for c in a[..p].chars().rev() {
            if !is_go_digit(c) {
                break;
            }
            if c != '0' {
                an = 1;
                bn = 1;
                break;
            }
        }
    }
    let mut alen = 0;
    for c in ra.chars().take_while(|&c| is_go_digit(c)) {
        an = an
            .wrapping_mul(10)
            .wrapping_add(i64::from(c as u32) - i64::from(b'0'));
        alen += 1;
    }
    let mut blen = 0;
    for c in rb.chars().take_while(|&c| is_go_digit(c)) {
        bn = bn
            .wrapping_mul(10)
            .wrapping_add(i64::from(c as u32) - i64::from(b'0'));
        blen += 1;
    }
    if an != bn {
        return an < bn;
    }
    if alen != blen {
        return alen < blen;
    }
    ca < cb
}

/// Go's `unicode.IsLetter` (approximated outside ASCII by Rust's alphabetic property
/// without numeric letters).
fn is_go_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() && !c.is_numeric()
    }
}

/// Go's `unicode.IsDigit` (category Nd): ASCII digits, and outside ASCII the decimal
/// digit blocks of the Basic Multilingual Plane (ten code points from each zero).
fn is_go_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    const ZEROS: &[u32] = &[
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
        0xAA50, 0xABF0, 0xFF10,
    ];
    let v = c as u32;
    if v > 0xFFFF {
        return c.is_numeric();
    }
    ZEROS.iter().any(|&z| (z..z + 10).contains(&v))
}

#[cfg(test)]
mod tests {
    use super::super::resolve::parse_timestamp;
    use super::*;
    use serde_json::json;

    fn emit(v: &Value) -> String {
        let mut s = String::new();
        emit_document(v, &mut s);
        s
    }

    fn val(s: &str) -> String {
        emit(&json!({ "k": s }))
    }

    #[test]
    fn empty_input_gives_empty_output() {
        assert_eq!(emit_documents(std::iter::empty()), "");
    }

    #[test]
    fn documents_are_joined_without_leading_marker() {
        let a = json!({"a": 1});
        let b = json!({"b": 2});
        assert_eq!(emit_documents([&a, &b]), "a: 1\n---\nb: 2\n");
    }

    #[test]
    fn block_structure() {
        let v = json!({
            "spec": {"containers": [{"name": "x", "args": ["a", "b"]}], "empty": {}, "none": []},
            "n": null,
            "nested": [["a", "b"], [], {}],
        });
        assert_eq!(
            emit(&v),
            "\"n\": null\nnested:\n- - a\n  - b\n- []\n- {}\nspec:\n  containers:\n  - args:\n    - a\n    - b\n    name: x\n  empty: {}\n  none: []\n"
        );
    }

    #[test]
    fn root_scalars_and_empty_collections() {
        assert_eq!(emit(&json!(null)), "null\n");
        assert_eq!(emit(&json!({})), "{}\n");
        assert_eq!(emit(&json!([])), "[]\n");
        assert_eq!(emit(&json!(["a", 1])), "- a\n- 1\n");
    }

    #[test]
    fn strings_that_look_like_other_types_are_double_quoted() {
        for s in [
            "true",
            "True",
            "yes",
            "Yes",
            "on",
            "y",
            "n",
            "N",
            "off",
            "~",
            "null",
            "",
            "012",
            "1e3",
            "0x10",
            "1:20",
            "2001-12-14",
            "1.5",
            ".5",
            "-1",
            "+1",
            ".inf",
            "-.inf",
            ".nan",
            "0b101",
            "1_000",
            "2001-12-14T21:59:43.10-05:00",
            "2001-12-14 21:59:43.10",
        ] {
            assert_eq!(val(s), format!("k: \"{s}\"\n"), "{s:?}");
        }
    }

    #[test]
    fn strings_that_stay_plain() {
        for s in [
            "<<",
            "yess",
            "1.2.3",
            "2001-02-30",
            "12:60",
            "1e400",
            "0x",
            "a-b",
            "a:b",
            "a#b",
            "v1.2",
            "0xZZ",
            "+",
            "x: ",
            ".",
            "_1",
            "2001-12-14x",
        ] {
            let want = if s.ends_with(' ') {
                format!("k: '{s}'\n")
            } else {
                format!("k: {s}\n")
            };
            assert_eq!(val(s), want, "{s:?}");
        }
    }

    #[test]
    fn indicators_force_single_quotes() {
        for s in [
            "*/1 * * * *",
            "&a",
            "!a",
            "- a",
            "? a",
            ": a",
            "a: b",
            "a #b",
            "#x",
            "'",
            "@x",
            "`x",
            "%x",
            "|",
            ">",
            "[a]",
            "{a}",
            ",",
            "---",
            "...x",
            " lead",
            "trail ",
            "\"q",
        ] {
            let esc = s.replace('\'', "''");
            assert_eq!(val(s), format!("k: '{esc}'\n"), "{s:?}");
        }
    }

    #[test]
    fn special_characters_force_double_quotes() {
        assert_eq!(val("a\tb"), "k: \"a\\tb\"\n");
        assert_eq!(val("a\rb"), "k: \"a\\rb\"\n");
        assert_eq!(val("\u{1}"), "k: \"\\x01\"\n");
        assert_eq!(val("é€"), "k: é€\n");
        assert_eq!(val("😀"), "k: \"\\U0001F600\"\n");
        assert_eq!(val("\u{feff}ab"), "k: \"\\uFEFF\\x61\\x62\"\n");
        assert_eq!(val("a\u{a0}b"), "k: a\u{a0}b\n");
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(val("a\nb"), "k: |-\n  a\n  b\n");
        assert_eq!(val("a\nb\n"), "k: |\n  a\n  b\n");
        assert_eq!(val("a\nb\n\n"), "k: |+\n  a\n  b\n\n");
        assert_eq!(val("\n"), "k: |2+\n\n");
        assert_eq!(val("\na"), "k: |2-\n\n  a\n");
        assert_eq!(val(" a\nb\n"), "k: |2\n   a\n  b\n");
        assert_eq!(val("a\n\nb\n"), "k: |\n  a\n\n  b\n");
        // Trailing space, space before a break, tabs and CR rule out a block.
        assert_eq!(val("a\nb "), "k: \"a\\nb \"\n");
        assert_eq!(val("a \nb"), "k: \"a \\nb\"\n");
        assert_eq!(val("a\tx\nb"), "k: \"a\\tx\\nb\"\n");
        assert_eq!(val("a\r\nb"), "k: \"a\\r\\nb\"\n");
        assert_eq!(emit(&json!(["a\nb"])), "- |-\n  a\n  b\n");
    }

    #[test]
    fn long_scalars_fold_at_80_columns() {
        let words = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu";
        let v = json!({"data": {"long": words, "quoted": format!("a: {words}"), "dq": format!("\t{words}")}});
        assert_eq!(
            emit(&v),
            "data:\n  dq: \"\\taaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo\n    pppp qqqq rrrr ssss tttt uuuu\"\n  long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo\n    pppp qqqq rrrr ssss tttt uuuu\n  quoted: 'a: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn\n    oooo pppp qqqq rrrr ssss tttt uuuu'\n"
        );
        let long = "x".repeat(200);
        assert_eq!(val(&long), format!("k: {long}\n"));
    }

    #[test]
    fn double_quoted_fold_escapes_a_following_space() {
        let s = format!("\t{}  b", "a".repeat(85));
        assert_eq!(val(&s), format!("k: \"\\t{}\n  \\ b\"\n", "a".repeat(85)));
    }

    #[test]
    fn numbers() {
        let v = json!([
            1,
            -5,
            1000.0,
            1.5,
            -1.5,
            0.1,
            1e-7,
            1e21,
            1e20,
            123456789012.5,
            12345678901234567890u64,
            0.0001,
            0.00001,
            123456.0,
            1234567.5,
            -0.0,
            3e19,
            9_223_372_036_854_775_808.0,
            -9_223_372_036_854_775_808.0
        ]);
        assert_eq!(
            emit(&v),
            "- 1\n- -5\n- 1000\n- 1.5\n- -1.5\n- 0.1\n- 1e-07\n- 1e+21\n- 1e+20\n- 1.234567890125e+11\n- 12345678901234567890\n- 0.0001\n- 1e-05\n- 123456\n- 1.2345675e+06\n- 0\n- 3e+19\n- 9223372036854776000\n- -9.223372036854776e+18\n"
        );
        assert_eq!(emit(&json!({"t": true, "f": false})), "f: false\nt: true\n");
    }

    #[test]
    fn keys_sort_naturally_and_quote_like_values() {
        let v = json!({"a10": 1, "a2": 1, "B": 1, "a": 1, "_x": 1, "1": 1, "10": 1, "2": 1,
            "true": 1, "": 1, "a b": 1});
        assert_eq!(
            emit(&v),
            "\"\": 1\n_x: 1\n\"1\": 1\n\"2\": 1\n\"10\": 1\nB: 1\na: 1\na b: 1\na2: 1\na10: 1\n\"true\": 1\n"
        );
    }

    #[test]
    fn key_order_details() {
        let keys = vec![
            "a01", "a1", "a001", "a0", "a00", "item10", "item9", "é", "z",
        ];
        let keys: Vec<&str> = sorted_order(keys.len(), |a, b| key_less(keys[a], keys[b]))
            .into_iter()
            .map(|i| keys[i])
            .collect();
        assert_eq!(
            keys,
            ["a0", "a00", "a1", "a01", "a001", "item9", "item10", "z", "é"]
        );
    }

    #[test]
    fn intransitive_key_sets_do_not_panic() {
        // "2" < "10" < "1a" < "2" under go-yaml v2's order.
        assert!(key_less("2", "10") && key_less("10", "1a") && key_less("1a", "2"));
        let mut m = serde_json::Map::new();
        for i in 0..200 {
            for k in [
                format!("{i}"),
                format!("{i}a"),
                format!("v{i}beta1"),
                format!("0{i}"),
            ] {
                m.insert(k, json!(1));
            }
        }
        let out = emit(&Value::Object(m));
        assert_eq!(out.lines().count(), 800);
        let order = sorted_order(40, |a, b| a % 7 < b % 7);
        assert!(order.windows(2).all(|w| w[0] % 7 <= w[1] % 7));
    }

    #[test]
    fn long_and_multi_line_keys_are_complex() {
        let long = "k".repeat(129);
        let v = json!({ long.clone(): "v", "a\nb": ["x"] });
        assert_eq!(emit(&v), format!("? |-\n  a\n  b\n: - x\n? {long}\n: v\n"));
        let ok = "k".repeat(128);
        assert_eq!(emit(&json!({ ok.clone(): 1 })), format!("{ok}: 1\n"));
    }

    #[test]
    fn nel_is_folded_like_go_yaml_reads_json() {
        assert_eq!(val("\u{85}"), "k: ' '\n");
        assert_eq!(val("a \u{85} b"), "k: a b\n");
        assert_eq!(val("a\u{85}\u{85}b"), "k: |-\n  a\n  b\n");
        assert_eq!(val("a \u{85} \u{85}  \u{85} b"), "k: |-\n  a\n\n  b\n");
        assert_eq!(val("\u{85}x"), "k: ' x'\n");
        assert_eq!(val("a\u{85}\nb"), "k: \"a \\nb\"\n");
        let v = json!({"a\u{85}b": 1, "a b": 2, "c": 3});
        assert_eq!(emit(&v), "a b: 1\nc: 3\n");
    }

    #[test]
    fn values_kubectl_cannot_print() {
        assert_eq!(
            kubectl_encode_error(&json!({"a": ["x", {"b": "\u{85}"}]})),
            None
        );
        for bad in ["\u{7f}", "\u{80}", "\u{9f}", "\u{fffe}"] {
            assert!(
                kubectl_encode_error(&json!({"a": [bad]})).is_some(),
                "{bad:?}"
            );
            assert!(
                kubectl_encode_error(&json!({ bad: 1 })).is_some(),
                "{bad:?}"
            );
        }
        assert!(kubectl_encode_error(&json!({"a\u{85}b": 1})).is_some());
        let ok = format!("{}{}", "k".repeat(1021), "é");
        assert_eq!(kubectl_encode_error(&json!({ ok: 1 })), None);
        let long = format!("{}<<<<", "k".repeat(1000));
        assert!(kubectl_encode_error(&json!({ "a": { long: 1 } })).is_some());
    }

    #[test]
    fn timestamps() {
        assert!(parse_timestamp("2001-12-14"));
        assert!(parse_timestamp("2001-1-2"));
        assert!(parse_timestamp("2001-12-14t21:59:43.10Z"));
        assert!(parse_timestamp("2001-12-14T21:59:43+05:00"));
        assert!(parse_timestamp("2001-12-14   1:2:3,5"));
        assert!(!parse_timestamp("2001-12-14T21:59:43"));
        assert!(!parse_timestamp("2001-13-14"));
        assert!(!parse_timestamp("2001-02-29"));
        assert!(parse_timestamp("2000-02-29"));
        assert!(!parse_timestamp("2001-12-14 24:00:00"));
    }
}
