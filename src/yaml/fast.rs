//! A fast path for the block-style YAML that nearly every Kubernetes manifest is written
//! in. It reads a conservative subset — block mappings and sequences, plain scalars (one
//! or several lines), one-line quoted scalars, literal and folded block scalars, comments
//! and `---` separators — straight into values, and gives up (`None`) on anything else:
//! anchors, tags, flow collections other than `[]`/`{}`, directives, tabs or carriage
//! returns in the layout, duplicate or merge keys, and every error. The caller then parses
//! the same text with the full parser, which also reports errors with their positions.
//!
//! What it accepts it must read exactly as the full parser does; a test compares the two
//! on every YAML file of the test fixtures, and the differential corpus runs do the same
//! on the conformance and real-world corpora.

use serde_json::{Map, Value};

use super::document::{Document, Limits, PathStep};
use super::scalar::{resolve_plain, yaml11_bool};

/// Why the fast path gave up (for diagnostics: only the full parser's answer counts).
pub(super) type GiveUp = &'static str;

type Fast<T> = Result<T, GiveUp>;

/// One line of the input: its text (without the line break), 1-based line number, and
/// how many leading spaces count as indentation (changed in place for the mapping that
/// starts inside a sequence entry: `- key: value`).
#[derive(Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    number: usize,
    indent: usize,
}

impl<'a> Line<'a> {
    /// The text after the indentation.
    fn content(&self) -> &'a str {
        &self.text[self.indent..]
    }

    /// Blank, or only a comment.
    fn is_empty(&self) -> bool {
        let c = self.text.trim_start_matches(' ');
        c.is_empty() || c.starts_with('#')
    }
}

/// Parses `src` if it is in the subset; an error says why it is not (use the full parser).
pub(super) fn parse_stream(src: &str, limits: Limits, first_only: bool) -> Fast<Vec<Document>> {
    // Line breaks other than `\n` and byte-order marks go to the full parser.
    if src.contains('\r') || src.contains('\u{feff}') {
        return Err("carriage return or byte-order mark");
    }
    // Without a final line break, a block scalar that runs to the end has no last break
    // to keep; the full parser handles that case.
    let unterminated = !src.ends_with('\n');
    let body = src.strip_suffix('\n').unwrap_or(src);
    let mut docs = Vec::new();
    let mut segment: Vec<Line> = Vec::new();
    // `Some(line)` once the current document was opened by `---` on that line.
    let mut opened_at: Option<usize> = None;
    for (i, text) in body.split('\n').enumerate() {
        let number = i + 1;
        if let Some(after) = text.strip_prefix("---") {
            if !after.trim_end_matches(' ').is_empty() {
                return Err("content after ---");
            }
            if finish(&mut docs, &segment, opened_at, limits, false)? && first_only {
                return Ok(docs);
            }
            segment.clear();
            opened_at = Some(number);
            continue;
        }
        if text.starts_with("...") || text.starts_with('%') {
            return Err("document end marker or directive");
        }
        if text.contains('\t') {
            return Err("tab");
        }
        let indent = text.len() - text.trim_start_matches(' ').len();
        segment.push(Line {
            text,
            number,
            indent,
        });
    }
    finish(&mut docs, &segment, opened_at, limits, unterminated)?;
    Ok(docs)
}

/// Parses one document's lines and adds it; `false` when there was no document (an
/// implicit one with no content).
fn finish(
    docs: &mut Vec<Document>,
    lines: &[Line],
    opened_at: Option<usize>,
    limits: Limits,
    unterminated: bool,
) -> Fast<bool> {
    let first = lines.iter().position(|l| !l.is_empty());
    let (value, line, empty_nulls, plain_annotations, quoted_strings, plain_spellings, lists) =
        match first {
            // An empty document after `---`: its line is where the full parser's next token
            // starts, which the full parser knows best.
            None => match opened_at {
                None => return Ok(false),
                Some(_) => return Err("empty document"),
            },
            Some(i) => {
                let mut p = DocParser {
                    lines: lines.to_vec(),
                    at: i,
                    limits,
                    path: Vec::new(),
                    steps: Vec::new(),
                    in_sequence: 0,
                    empty_nulls: Vec::new(),
                    plain_annotations: Vec::new(),
                    quoted_strings: Vec::new(),
                    plain_spellings: Vec::new(),
                    list_quoted: Vec::new(),
                    list_spellings: Vec::new(),
                    unterminated,
                };
                let number = p.lines[i].number;
                let indent = p.lines[i].indent;
                let v = p.collection(indent, 0)?;
                p.skip_empty();
                if p.at < p.lines.len() {
                    return Err("content after the root collection");
                }
                (
                    v,
                    number,
                    p.empty_nulls,
                    p.plain_annotations,
                    p.quoted_strings,
                    p.plain_spellings,
                    (p.list_quoted, p.list_spellings),
                )
            }
        };
    let (list_quoted, list_spellings) = lists;
    if docs.len() >= limits.max_documents {
        return Err("too many documents");
    }
    docs.push(Document {
        value,
        line,
        empty_nulls,
        tagged_strings: Vec::new(),
        plain_annotations,
        null_tagged_annotations: Vec::new(),
        quoted_strings,
        plain_spellings,
        list_quoted,
        list_tagged: Vec::new(),
        list_spellings,
        non_finite: Vec::new(),
    });
    Ok(true)
}

struct DocParser<'a> {
    lines: Vec<Line<'a>>,
    /// Index of the next line to read.
    at: usize,
    limits: Limits,
    /// Mapping keys from the root to the value being read.
    path: Vec<String>,
    /// Mapping keys and list positions from the root to the value being read.
    steps: Vec<PathStep>,
    /// How many sequences enclose the value being read.
    in_sequence: usize,
    /// See [`Document::empty_nulls`].
    empty_nulls: Vec<Vec<String>>,
    /// See [`Document::plain_annotations`].
    plain_annotations: Vec<String>,
    /// See [`Document::quoted_strings`].
    quoted_strings: Vec<Vec<String>>,
    /// See [`Document::plain_spellings`].
    plain_spellings: Vec<(Vec<String>, String)>,
    /// See [`Document::list_quoted`].
    list_quoted: Vec<Vec<PathStep>>,
    /// See [`Document::list_spellings`].
    list_spellings: Vec<(Vec<PathStep>, String)>,
    /// The last line ends the input without a line break.
    unterminated: bool,
}

/// A sequence entry: `-` then a space or the end of the line.
fn is_entry(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'a> DocParser<'a> {
    fn skip_empty(&mut self) {
        while self.at < self.lines.len() && self.lines[self.at].is_empty() {
            self.at += 1;
        }
    }

    /// The next non-empty line, if any.
    fn peek(&mut self) -> Option<Line<'a>> {
        self.skip_empty();
        self.lines.get(self.at).copied()
    }

    /// A block mapping or sequence whose first line (the current one) is at `indent`.
    fn collection(&mut self, indent: usize, depth: usize) -> Fast<Value> {
        if depth + 1 >= self.limits.max_depth {
            return Err("deep nesting");
        }
        let line = self.peek().ok_or("no collection")?;
        if is_entry(line.content()) {
            self.sequence(indent, depth)
        } else {
            self.mapping(indent, depth)
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Fast<Value> {
        let mut items = Vec::new();
        self.in_sequence += 1;
        while let Some(line) = self.peek() {
            if line.indent < indent || (line.indent == indent && !is_entry(line.content())) {
                break;
            }
            if line.indent > indent {
                return Err("over-indented line in a sequence");
            }
            let rest = &line.content()[1..];
            let after = rest.trim_start_matches(' ');
            let col = line.text.len() - after.len();
            self.steps.push(PathStep::Index(items.len()));
            if after.is_empty() || after.starts_with('#') {
                // The entry's node starts on a later line, or is empty.
                self.at += 1;
                match self.peek() {
                    Some(next) if next.indent > indent => {
                        items.push(self.nested(next.indent, depth)?)
                    }
                    _ => items.push(Value::Null),
                }
            } else if is_entry(after) {
                return Err("nested entry on one line");
            } else if key_end(after, self.limits.yaml11_booleans)?.is_some() {
                // `- key: value`: a mapping whose indentation is the key's column.
                self.lines[self.at].indent = col;
                items.push(self.mapping(col, depth + 1)?);
            } else {
                items.push(self.inline_value(after, indent)?);
            }
            self.steps.pop();
        }
        self.in_sequence -= 1;
        Ok(Value::Array(items))
    }

    /// A node that starts on its own line at `indent`, under a key or an entry.
    fn nested(&mut self, indent: usize, depth: usize) -> Fast<Value> {
        let line = self.peek().ok_or("no node")?;
        if is_entry(line.content())
            || key_end(line.content(), self.limits.yaml11_booleans)?.is_some()
        {
            self.collection(indent, depth + 1)
        } else {
            Err("scalar on its own line")
        }
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Fast<Value> {
        if depth + 1 >= self.limits.max_depth {
            return Err("deep nesting");
        }
        let mut map = Map::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_entry(line.content()) {
                return Err("over-indented line or entry in a mapping");
            }
            let content = line.content();
            let (key, after) = match key_end(content, self.limits.yaml11_booleans)? {
                Some(split) => split,
                None => return Err("mapping line without a key"),
            };
            if key == "<<" || map.contains_key(&key) {
                return Err("merge or duplicate key");
            }
            let after = after.trim_start_matches(' ');
            self.steps.push(PathStep::Key(key.clone()));
            self.path.push(key);
            let value = if after.is_empty() || after.starts_with('#') {
                self.at += 1;
                match self.peek() {
                    Some(next) if next.indent > indent => self.nested(next.indent, depth)?,
                    Some(next) if next.indent == indent && is_entry(next.content()) => {
                        // A sequence may sit at its key's indentation.
                        self.collection(indent, depth + 1)?
                    }
                    _ => {
                        self.record_empty_null();
                        if self.in_annotation() {
                            self.record_plain_annotation();
                            Value::String(String::new())
                        } else {
                            Value::Null
                        }
                    }
                }
            } else {
                self.inline_value(after, indent)?
            };
            let key = self.path.pop().ok_or("key path")?;
            self.steps.pop();
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }

    /// A plain scalar's value; in resources, timestamps read as Go prints them.
    fn resolve(&self, s: &str) -> Value {
        match resolve_plain(s) {
            Value::String(t) if !self.limits.yaml11_booleans => {
                Value::String(super::timestamp::normalize(&t).unwrap_or(t))
            }
            v => v,
        }
    }

    /// Records the key of a plain annotation value (see [`Document::plain_annotations`]).
    fn record_plain_annotation(&mut self) {
        if self.path[1] == "annotations" && self.plain_annotations.len() < 10_000 {
            self.plain_annotations.push(self.path[2].clone());
        }
    }

    /// Records the key path of a quoted or block string outside lists and annotations
    /// that would be a string unquoted too (see [`Document::quoted_strings`]).
    fn record_quoted(&mut self, s: &str) {
        if self.in_sequence > 0 && self.in_list_field() && resolve_plain(s).is_string() {
            if self.list_quoted.len() < 10_000 {
                self.list_quoted.push(self.steps.clone());
            }
            return;
        }
        if self.in_sequence == 0
            && !self.path.is_empty()
            && !super::scalar::in_annotations(&self.path)
            && self.quoted_strings.len() < 10_000
            && resolve_plain(s).is_string()
        {
            self.quoted_strings.push(self.path.clone());
        }
    }

    /// Whether the value being read is a mapping value (under a list, see
    /// [`Document::list_quoted`]).
    fn in_list_field(&self) -> bool {
        matches!(self.steps.last(), Some(PathStep::Key(_)))
    }

    /// Whether the value being read is one of the document's `metadata.annotations`,
    /// which Kustomize reads as the text written (resources only).
    fn in_annotation(&self) -> bool {
        !self.limits.yaml11_booleans
            && self.in_sequence == 0
            && self.path.len() == 3
            && self.path[0] == "metadata"
            && (self.path[1] == "annotations"
                || (self.limits.raw_labels && self.path[1] == "labels"))
    }

    /// Records the key path of a value written as nothing (`key:`), as the full parser
    /// does: only when no sequence encloses it.
    fn record_empty_null(&mut self) {
        if self.in_sequence == 0 && self.empty_nulls.len() < 10_000 {
            self.empty_nulls.push(self.path.clone());
        }
    }

    /// A value that starts on the current line after `key: ` or `- ` (`text`); `parent`
    /// is the indentation of the enclosing collection. Consumes its lines.
    fn inline_value(&mut self, text: &'a str, parent: usize) -> Fast<Value> {
        let first = text.as_bytes()[0];
        match first {
            b'"' | b'\'' => {
                let more = &self.lines[self.at + 1..];
                let (s, used, rest) = quoted_lines(text, more, parent)?;
                if !is_comment_or_nothing(rest) {
                    return Err("text after a quoted scalar");
                }
                self.at += 1 + used;
                self.record_quoted(&s);
                Ok(Value::String(s))
            }
            b'|' | b'>' => {
                self.at += 1;
                let s = self.block_scalar(text, parent)?;
                self.record_quoted(&s);
                Ok(Value::String(s))
            }
            b'[' | b'{' => {
                let (v, rest) = if first == b'[' {
                    self.flow_sequence(text)?
                } else {
                    let rest = text[1..].trim_start_matches(' ');
                    let rest = rest.strip_prefix('}').ok_or("flow mapping")?;
                    (Value::Object(Map::new()), rest)
                };
                if !is_comment_or_nothing(rest) {
                    return Err("text after a flow collection");
                }
                self.at += 1;
                Ok(v)
            }
            _ => {
                let s = self.plain(text, parent)?;
                if self.in_annotation() {
                    self.record_plain_annotation();
                    return Ok(Value::String(s));
                }
                if (self.limits.reject_non_finite || self.limits.record_non_finite)
                    && super::scalar::non_finite(&s)
                {
                    return Err("infinity or NaN");
                }
                let v = match yaml11_bool(&s).filter(|_| self.limits.yaml11_booleans) {
                    Some(b) => Value::Bool(b),
                    None => self.resolve(&s),
                };
                if super::scalar::may_be_spelled(&s) {
                    if let Some(t) = super::scalar::spelling(&s, &v) {
                        if self.in_sequence == 0 && self.plain_spellings.len() < 10_000 {
                            self.plain_spellings.push((self.path.clone(), t));
                        } else if self.in_sequence > 0
                            && self.in_list_field()
                            && self.list_spellings.len() < 10_000
                        {
                            self.list_spellings.push((self.steps.clone(), t));
                        }
                    }
                }
                Ok(v)
            }
        }
    }

    /// A one-line flow sequence of scalars (`[a, "b"]`) at the start of `text`: its value
    /// and the text after it.
    fn flow_sequence(&self, text: &'a str) -> Fast<(Value, &'a str)> {
        let mut items = Vec::new();
        let mut rest = text[1..].trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((Value::Array(items), after));
        }
        loop {
            match rest.as_bytes().first() {
                Some(b'"' | b'\'') => {
                    let (s, r) = quoted(rest)?;
                    items.push(Value::String(s));
                    rest = r;
                }
                Some(_) if !starts_with_indicator(rest) => {
                    let bytes = rest.as_bytes();
                    let mut end = bytes.len();
                    for (i, &b) in bytes.iter().enumerate() {
                        match b {
                            b',' | b']' => {
                                end = i;
                                break;
                            }
                            b'[' | b'{' | b'}' => return Err("nested flow collection"),
                            b'#' if i > 0 && bytes[i - 1] == b' ' => {
                                return Err("comment in a flow")
                            }
                            // After a space, the full parser reads these as the start
                            // of a new token (`[a -]` is an error there).
                            b'-' | b'?' | b':' if i > 0 && bytes[i - 1] == b' ' => {
                                return Err("indicator after a space in a flow")
                            }
                            b':' if matches!(bytes.get(i + 1), None | Some(b' ' | b',' | b']')) => {
                                return Err("flow mapping entry")
                            }
                            _ => {}
                        }
                    }
                    let s = rest[..end].trim_end_matches(' ');
                    if (self.limits.reject_non_finite || self.limits.record_non_finite)
                        && super::scalar::non_finite(s)
                    {
                        return Err("infinity or NaN");
                    }
                    items.push(
                        match yaml11_bool(s).filter(|_| self.limits.yaml11_booleans) {
                            Some(b) => Value::Bool(b),
                            None => self.resolve(s),
                        },
                    );
                    rest = &rest[end..];
                }
                _ => return Err("flow sequence entry"),
            }
            rest = rest.trim_start_matches(' ');
            if let Some(after) = rest.strip_prefix(']') {
                return Ok((Value::Array(items), after));
            }
            rest = rest
                .strip_prefix(',')
                .ok_or("multi-line flow sequence")?
                .trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with(']') {
                return Err("empty or trailing flow entry");
            }
        }
    }

    /// A plain scalar starting with `text` on the current line, continued on following
    /// lines indented deeper than `parent`.
    fn plain(&mut self, text: &str, parent: usize) -> Fast<String> {
        let (first, mut commented) = plain_line(text, true)?;
        let mut out = first.to_string();
        self.at += 1;
        let mut breaks = 0usize;
        while let Some(line) = self.lines.get(self.at).filter(|_| !commented) {
            let content = line.text.trim_start_matches(' ');
            if content.is_empty() {
                breaks += 1;
                self.at += 1;
                continue;
            }
            if line.indent <= parent || content.starts_with('#') {
                break;
            }
            let (more, comment) = plain_line(content, false)?;
            commented = comment;
            if breaks == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', breaks));
            }
            breaks = 0;
            out.push_str(more);
            self.at += 1;
        }
        Ok(out)
    }

    /// A literal (`|`) or folded (`>`) block scalar; `header` is the rest of its first
    /// line, the current line is the first after it, `parent` the enclosing indentation.
    fn block_scalar(&mut self, header: &str, parent: usize) -> Fast<String> {
        let literal = header.starts_with('|');
        let mut chomp = 0i8; // -1 strip, 0 clip, 1 keep
        let mut rest = &header[1..];
        match rest.as_bytes().first() {
            Some(b'-') => {
                chomp = -1;
                rest = &rest[1..];
            }
            Some(b'+') => {
                chomp = 1;
                rest = &rest[1..];
            }
            _ => {}
        }
        if !rest.is_empty() && !rest.starts_with(' ') {
            return Err("block scalar indentation indicator");
        }
        if !is_comment_or_nothing(rest) {
            return Err("block scalar header");
        }
        // Leading blank lines, and the content indentation (libyaml's rules).
        let mut trailing_breaks = 0usize;
        let mut max_blank = 0usize;
        let mut indent = None;
        while let Some(line) = self.lines.get(self.at) {
            if line.text.bytes().all(|b| b == b' ') {
                max_blank = max_blank.max(line.text.len());
                trailing_breaks += 1;
                self.at += 1;
            } else {
                indent = Some(line.indent);
                break;
            }
        }
        let indent = match indent {
            Some(i) if i > parent && i >= max_blank && i >= 1 => i,
            // Content less indented than its parent: the scalar is empty. Leading blanks
            // deeper than the content, or nothing at all: the full parser decides.
            _ => return Err("empty or oddly indented block scalar"),
        };
        let mut out = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        let mut first = true;
        while let Some(line) = self.lines.get(self.at) {
            if line.text.len() <= indent && line.text.bytes().all(|b| b == b' ') {
                trailing_breaks += 1;
                self.at += 1;
                continue;
            }
            if line.indent < indent && !line.text.bytes().all(|b| b == b' ') {
                break;
            }
            // A content line: its text from the content indentation on.
            let text = &line.text[indent..];
            let trailing_blank = text.starts_with(' ');
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing_breaks == 0 {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            out.extend(std::iter::repeat_n('\n', trailing_breaks));
            trailing_breaks = 0;
            leading_blank = trailing_blank;
            out.push_str(text);
            leading_break = true;
            first = false;
            self.at += 1;
        }
        if first {
            return Err("empty block scalar");
        }
        if self.unterminated && self.at == self.lines.len() {
            return Err("block scalar at the end of unterminated input");
        }
        if chomp != -1 && leading_break {
            out.push('\n');
        }
        if chomp == 1 {
            out.extend(std::iter::repeat_n('\n', trailing_breaks));
        }
        Ok(out)
    }
}

/// Whether `s` (after a value) holds only spaces and perhaps a comment.
fn is_comment_or_nothing(s: &str) -> bool {
    let t = s.trim_start_matches(' ');
    t.is_empty() || (t.starts_with('#') && t.len() < s.len())
}

/// If `content` starts with a mapping key (`key:` then a space or the end), the key as
/// the full parser would make it and the text after the colon; `None` if it is not a
/// key. Gives up on keys outside the subset.
fn key_end(content: &str, yaml11: bool) -> Fast<Option<(String, &str)>> {
    let first = content.as_bytes()[0];
    if first == b'"' || first == b'\'' {
        let (key, rest) = quoted(content)?;
        let rest = rest.trim_start_matches(' ');
        return Ok(match rest.strip_prefix(':') {
            Some(after) if after.is_empty() || after.starts_with(' ') => Some((key, after)),
            _ => None,
        });
    }
    // The first `: ` (or a final `:`) before any comment.
    let bytes = content.as_bytes();
    let mut colon = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && bytes[i - 1] == b' ' {
            break;
        }
        if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            colon = Some(i);
            break;
        }
    }
    let Some(i) = colon else {
        return Ok(None);
    };
    let key = content[..i].trim_end_matches(' ');
    if key.is_empty() || key.len() > 1000 || starts_with_indicator(key) {
        return Err("unusual key");
    }
    let resolved = match yaml11_bool(key).filter(|_| yaml11) {
        Some(b) => Value::Bool(b),
        None => resolve_plain(key),
    };
    let key = match resolved {
        Value::String(s) => s,
        // Resources may not have them (the full parser says so, with the position).
        _ if !yaml11 => return Err("non-string key"),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    };
    Ok(Some((key, &content[i + 1..])))
}

/// Plain scalars may not start with these (or do so under rules the subset leaves out).
fn starts_with_indicator(s: &str) -> bool {
    let b = s.as_bytes();
    match b[0] {
        // `-1`, `--flag`, `-Xmx1g` are scalars; after `-` the full parser's rules depend on
        // the context (`-]` is an error in a flow), so anything else goes there.
        b'-' => !b
            .get(1)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_')),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => true,
        _ => false,
    }
}

/// One line of a plain scalar (`first`: the line it starts on): its text without a
/// trailing comment or spaces, and whether a comment ended it (which ends the scalar).
/// Gives up on what would break the scalar.
fn plain_line(text: &str, first: bool) -> Fast<(&str, bool)> {
    // Indicators matter where a scalar starts; on the lines that continue one they are
    // text (libyaml's plain-scalar scanner stops only at comments and `: `).
    if first && starts_with_indicator(text) {
        return Err("indicator starts a plain scalar");
    }
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    let mut comment = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && bytes[i - 1] == b' ' {
            end = i;
            comment = true;
            break;
        }
        if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            return Err("`: ` inside a plain scalar");
        }
    }
    let s = text[..end].trim_end_matches(' ');
    if s.is_empty() {
        return Err("empty plain line");
    }
    Ok((s, comment))
}

/// A quoted scalar that closes on its line: its value and the text after it.
fn quoted(text: &str) -> Fast<(String, &str)> {
    let (value, _, rest) = quoted_lines(text, &[], 0)?;
    Ok((value, rest))
}

/// A quoted scalar that starts at `text` and may go on over `more` lines, each indented
/// deeper than `parent`: its value, how many of `more` it took, and the text after it on
/// its last line. Line breaks fold as libyaml folds them: one break is a space, each
/// blank line a line feed, spaces around breaks go, and in double quotes a backslash at
/// the end of a line joins the lines.
fn quoted_lines<'l>(
    text: &'l str,
    more: &[Line<'l>],
    parent: usize,
) -> Fast<(String, usize, &'l str)> {
    let double = text.starts_with('"');
    let mut line = &text[1..];
    let mut used = 0;
    let mut out = String::new();
    loop {
        let mut spaces = 0usize;
        let mut escaped_break = false;
        let mut chars = line.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            out.extend(std::iter::repeat_n(' ', spaces));
            spaces = 0;
            match c {
                '\'' if !double => {
                    if line[i + 1..].starts_with('\'') {
                        out.push('\'');
                        chars.next();
                    } else {
                        return Ok((out, used, &line[i + 1..]));
                    }
                }
                '"' if double => return Ok((out, used, &line[i + 1..])),
                '\\' if double => {
                    let Some((_, e)) = chars.next() else {
                        escaped_break = true;
                        break;
                    };
                    out.push(unescape(e, &mut chars)?);
                }
                c => out.push(c),
            }
        }
        // The end of a line inside the scalar: fold it with the blank lines after it.
        let mut breaks = 0usize;
        loop {
            let next = more.get(used).ok_or("unclosed quoted scalar")?;
            used += 1;
            let content = next.text.trim_start_matches(' ');
            if content.is_empty() {
                breaks += 1;
                continue;
            }
            if next.indent <= parent {
                return Err("quoted scalar continued at a lower indentation");
            }
            line = content;
            break;
        }
        if escaped_break || breaks > 0 {
            out.extend(std::iter::repeat_n('\n', breaks));
        } else {
            out.push(' ');
        }
    }
}

/// The character a double-quoted escape `\e` stands for (reading the hex digits of
/// `\x`, `\u` and `\U` from `chars`).
fn unescape(e: char, chars: &mut std::str::CharIndices) -> Fast<char> {
    let mut hex = |n: usize| -> Fast<char> {
        let mut v = 0u32;
        for _ in 0..n {
            let d = chars
                .next()
                .and_then(|(_, c)| c.to_digit(16))
                .ok_or("bad escape")?;
            v = v * 16 + d;
        }
        char::from_u32(v).ok_or("bad escape")
    };
    Ok(match e {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' => hex(2)?,
        'u' => hex(4)?,
        'U' => hex(8)?,
        _ => return Err("bad escape"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse::{both_paths, Limits};

    /// Whenever the fast path reads `src`, the full parser must read it the same way.
    fn agree(src: &str) -> bool {
        let mut fast = false;
        for (limits, first_only) in [(Limits::default(), false), (Limits::kustomization(), true)] {
            let (a, b) = both_paths(src, limits, first_only);
            if let Ok(a) = a {
                assert_eq!(Ok(a), b, "fast path and full parser disagree on:\n{src}");
                fast = true;
            }
        }
        fast
    }

    #[test]
    fn agrees_with_the_full_parser_on_every_fixture() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let (mut files, mut fast) = (0, 0);
        for e in walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
        {
            let name = e.file_name().to_string_lossy();
            if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                continue;
            }
            let Ok(src) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            files += 1;
            fast += usize::from(agree(&src));
        }
        assert!(files > 1000, "fixtures not found under {root}");
        assert!(
            fast * 10 > files * 9,
            "fast path read only {fast} of {files} files"
        );
    }

    #[test]
    fn reads_the_common_shapes() {
        let cases = [
            "a: 1\nb:\n  c: [x, \"y\", 'z', 2]\n  d: {}\n  e: []\n",
            "- a\n-\n  b: 1\n- - x\n",
            "k:\n- a: 1\n  b: |\n    line\n\n    more\n  c: >-\n    folded\n    text\n\n     kept\n",
            "x: plain\n  continued\n\n  para # comment\ny: 'it''s'\nz: \"tab\\tand \\u00e9\"\n",
            "empty:\nnull: ~\nyes: no\n\"q\": 1\n? complex\n",
            "a: |+\n  keep\n\n\nb: |-\n  strip\n\nc: >\n  a\n   b\n  c\n",
            "---\na: 1\n---\n# only a comment\n---\nb: 2\n...\n",
            "a: b: c\n",
            "a: 1\n  b: 2\n",
            "list:\n  - one\n  - two\n   - three\n",
            "s: |\n  no final break",
            "s: plain\n",
            "  indented: root\n  more: 1\n",
            // Found by fuzzing (fuzz/fuzz_targets/yaml_paths.rs).
            "\na:  [-]\n",
            "a: -,\nb: [-x, -]\nc: -]\n",
            "\na: [str -]\n",
            "a: x -]\n",
            "a: x -,\n",
            "- x -{\n",
            "a: [x -y, z - w]\n",
            "a: x\n  -]\n",
            "a: [x ?]\n",
            "a: [x :]\n",
            "au:\n- .6\n- .2a\u{feff}e \n",
        ];
        for src in cases {
            agree(src);
        }
        assert!(agree(
            "a: 1\nb:\n  c: [x, \"y\", 'z', 2]\n  d: {}\n  e: []\n"
        ));
        assert!(agree("k:\n- a: 1\n  b: |\n    line\n\n    more\n  c: >-\n    folded\n    text\n\n     kept\n"));
        // Quoted scalars over several lines, indicators on continuation lines.
        assert!(agree("a: 'x \n  y\n\n  z'\nb: \"p\\\n   q\n  r\"\n"));
        assert!(agree("d: a\n  `b` [c] *d 'e'\n"));
        // Flow entries that start with `-` (an index at 0 once slipped past a check).
        assert!(agree("b: [-x, --flag, \"q\"]\n"));
    }

    /// A small deterministic generator of block-style YAML, with the constructs the fast
    /// path reads and some it must refuse, to compare the two parsers on many shapes.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }

        fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
            xs[self.next(xs.len() as u64) as usize]
        }

        fn scalar_line(&mut self) -> String {
            let words = [
                "a",
                "b c",
                "1",
                "-2",
                "0x1F",
                "1.5",
                "true",
                "no",
                "~",
                "null",
                "x:y",
                "x#y",
                "é",
                "\"q\"",
                "'s'",
                "'it''s'",
                "\"a\\nb\"",
                "[]",
                "{}",
                "[a, b]",
                "[1, 'x']",
                "a # c",
                "-x",
                "http://h:1/p",
                "*a",
                "&a b",
                "!t x",
                "%x",
                "@x",
                "a: b",
                "[a,",
            ];
            self.pick(&words).to_string()
        }

        fn block(&mut self, out: &mut String, indent: usize, depth: usize) {
            let pad = " ".repeat(indent);
            let entries = 1 + self.next(3);
            let seq = self.next(3) == 0;
            for i in 0..entries {
                if self.next(6) == 0 {
                    out.push_str(&format!("{pad}# comment\n"));
                }
                if self.next(8) == 0 {
                    out.push('\n');
                }
                let lead = if seq {
                    format!("{pad}- ")
                } else {
                    format!("{pad}k{i}{}: ", self.pick(&["", "", "x", " "]))
                };
                match self.next(if depth > 3 { 4 } else { 7 }) {
                    0 | 1 => out.push_str(&format!("{lead}{}\n", self.scalar_line())),
                    2 => {
                        // Multi-line plain scalar.
                        out.push_str(&format!("{lead}{}\n", self.pick(&["w", "x y", "z"])));
                        for _ in 0..self.next(3) {
                            let blank = if self.next(3) == 0 { "\n" } else { "" };
                            let more = self.next(3) as usize;
                            out.push_str(&format!(
                                "{blank}{pad}{}{}\n",
                                " ".repeat(1 + more),
                                self.pick(&[
                                    "more",
                                    "text here",
                                    "# c",
                                    "- d",
                                    "e: f",
                                    "`x`",
                                    "[1] y",
                                    "*z",
                                    "'q'",
                                    "\"r",
                                    "? s",
                                    "{t}",
                                    "u #v",
                                    "-w",
                                ])
                            ));
                        }
                    }
                    3 => {
                        // Block scalar.
                        let header = self.pick(&["|", "|-", "|+", ">", ">-", ">+", "|2", "| # c"]);
                        out.push_str(&format!("{lead}{header}\n"));
                        let inner = indent + 2 + self.next(2) as usize;
                        for _ in 0..1 + self.next(5) {
                            let line = match self.next(6) {
                                0 => String::new(),
                                1 => " ".repeat(self.next(inner as u64 + 3) as usize),
                                2 => format!("{}  more indented", " ".repeat(inner)),
                                _ => format!(
                                    "{}{}",
                                    " ".repeat(inner),
                                    self.pick(&["text", "a b", "# not a comment", "x: y"])
                                ),
                            };
                            out.push_str(&line);
                            out.push('\n');
                        }
                    }
                    4 if self.next(2) == 0 => {
                        // Quoted scalar over several lines.
                        let q = self.pick(&["'", "\""]);
                        out.push_str(&format!("{lead}{q}{}", self.pick(&["a", " b ", "c\\"])));
                        for _ in 0..1 + self.next(3) {
                            out.push('\n');
                            if self.next(3) == 0 {
                                out.push_str("  \n");
                            }
                            let more = " ".repeat(self.next(indent as u64 + 4) as usize);
                            let text = self.pick(&["d", "e f ", " g", "h\\", "i''j", "\\\"k"]);
                            out.push_str(&format!("{more}{text}"));
                        }
                        out.push_str(&format!("{q}{}\n", self.pick(&["", " # c", " x"])));
                    }
                    4 => {
                        out.push_str(lead.trim_end());
                        out.push('\n');
                    }
                    _ => {
                        out.push_str(lead.trim_end());
                        out.push('\n');
                        let child = if seq && self.next(2) == 0 {
                            indent
                        } else {
                            indent + 2
                        };
                        let child = if !seq && self.next(4) == 0 {
                            indent
                        } else {
                            child
                        };
                        self.block(out, child, depth + 1);
                    }
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_full_parser_on_generated_documents() {
        let mut g = Gen(42);
        let mut fast = 0;
        for _ in 0..20_000 {
            let mut src = String::new();
            for d in 0..1 + g.next(2) {
                if d > 0 || g.next(4) == 0 {
                    src.push_str("---\n");
                }
                g.block(&mut src, 0, 0);
            }
            if g.next(5) == 0 {
                src.pop();
            }
            fast += usize::from(agree(&src));
        }
        assert!(
            fast > 2_000,
            "fast path read only {fast} generated documents"
        );
    }
}
