//! Positions of the values of a block-style YAML file read from its lines, for the files
//! nearly every manifest is (block mappings and sequences, one-line scalars, block
//! scalars); anything else (flow collections with content, multi-line plain or quoted
//! scalars, anchors, tags, complex keys, ...) gives up and the caller reads the file's
//! events instead (`locate::event_positions`); what it reads it must read as that does: a
//! test compares the two on every fixture.

/// One line: 1-based number, text without its line break, indentation (changed in place
/// for a mapping that starts inside a sequence entry).
#[derive(Clone, Copy)]
struct Line<'a> {
    number: usize,
    text: &'a str,
    indent: usize,
}

impl<'a> Line<'a> {
    fn content(&self) -> &'a str {
        &self.text[self.indent..]
    }

    /// Blank, or only a comment.
    fn is_empty(&self) -> bool {
        let c = self.text.trim_start_matches(' ');
        c.is_empty() || c.starts_with('#')
    }
}

/// Gave up: the caller reads the file's events.
struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// The position tree of each document of `src` with the line its content starts on, or
/// `None` when `src` is not in the subset read here.
pub(super) fn positions(src: &str) -> Option<Vec<(usize, Pos)>> {
    if src.contains(['\r', '\t', '\u{feff}']) {
        return None;
    }
    let body = src.strip_suffix('\n').unwrap_or(src);
    let mut out = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    let mut opened = false;
    for (i, text) in body.split('\n').enumerate() {
        if let Some(after) = text.strip_prefix("---") {
            if !after.trim_end_matches(' ').is_empty() {
                return None;
            }
            document(&mut lines, opened, &mut out).ok()?;
            opened = true;
            continue;
        }
        if text.starts_with("...") || text.starts_with('%') {
            return None;
        }
        let indent = text.len() - text.trim_start_matches(' ').len();
        lines.push(Line {
            number: i + 1,
            text,
            indent,
        });
    }
    document(&mut lines, opened, &mut out).ok()?;
    Some(out)
}

/// Reads one document's lines (then clears them).
fn document(lines: &mut Vec<Line>, opened: bool, out: &mut Vec<(usize, Pos)>) -> R<()> {
    let Some(first) = lines.iter().position(|l| !l.is_empty()) else {
        // An empty document after `---` is a null scalar to the event reader.
        lines.clear();
        return if opened { Err(GiveUp) } else { Ok(()) };
    };
    let mut p = Doc {
        lines: std::mem::take(lines),
        at: first,
    };
    let indent = p.lines[first].indent;
    let pos = p.nested(indent, 0)?;
    if p.peek().is_some() {
        return Err(GiveUp);
    }
    out.push((pos.line, pos));
    *lines = p.lines;
    lines.clear();
    Ok(())
}

/// Deepest nesting read here.
const MAX_DEPTH: usize = 100;

struct Doc<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
}

/// A sequence entry: `-` then a space or the end of the line.
fn is_entry(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// Nothing, or only a comment.
fn is_nothing(s: &str) -> bool {
    let s = s.trim_start_matches(' ');
    s.is_empty() || s.starts_with('#')
}

/// A one-line quoted scalar at the start of `s` without escapes: its text and the rest.
fn quoted(s: &str) -> R<(&str, &str)> {
    let q = s.as_bytes()[0];
    let inner = &s[1..];
    let end = inner.find(q as char).ok_or(GiveUp)?;
    let text = &inner[..end];
    let rest = &inner[end + 1..];
    if (q == b'"' && text.contains('\\')) || (q == b'\'' && rest.starts_with('\'')) {
        return Err(GiveUp);
    }
    Ok((text, rest))
}

/// Whether `content` (not empty) starts with a character that makes it more than a plain
/// scalar or key here.
fn unusual(content: &str) -> bool {
    matches!(
        content.as_bytes()[0],
        b'&' | b'*'
            | b'!'
            | b'%'
            | b'@'
            | b'`'
            | b'?'
            | b'|'
            | b'>'
            | b'['
            | b'{'
            | b']'
            | b'}'
            | b','
            | b'#'
    ) || is_entry(content)
        || content.starts_with("-\t")
}

/// A mapping key at the start of `content`: its text and what follows the `:`; `None`
/// when the line is no key.
fn key(content: &str) -> R<Option<(&str, &str)>> {
    let first = content.as_bytes()[0];
    if first == b'"' || first == b'\'' {
        let (k, rest) = quoted(content)?;
        let rest = rest.trim_start_matches(' ');
        return Ok(match rest.strip_prefix(':') {
            Some(after) if after.is_empty() || after.starts_with(' ') => Some((k, after)),
            Some(_) => return Err(GiveUp),
            None if is_nothing(rest) => None,
            None => return Err(GiveUp),
        });
    }
    let bytes = content.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && bytes[i - 1] == b' ' {
            break;
        }
        if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            let k = content[..i].trim_end_matches(' ');
            if k.is_empty() || unusual(k) {
                return Err(GiveUp);
            }
            return Ok(Some((k, &content[i + 1..])));
        }
    }
    Ok(None)
}

impl<'a> Doc<'a> {
    fn peek(&mut self) -> Option<Line<'a>> {
        while self.at < self.lines.len() && self.lines[self.at].is_empty() {
            self.at += 1;
        }
        self.lines.get(self.at).copied()
    }

    /// A block mapping or sequence starting on the current line at `indent`.
    fn nested(&mut self, indent: usize, depth: usize) -> R<Pos> {
        if depth >= MAX_DEPTH {
            return Err(GiveUp);
        }
        let line = self.peek().ok_or(GiveUp)?;
        if is_entry(line.content()) {
            self.sequence(indent, depth + 1)
        } else if key(line.content())?.is_some() {
            self.mapping(indent, depth + 1)
        } else {
            Err(GiveUp)
        }
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> R<Pos> {
        let mut members: Vec<(String, Pos)> = Vec::new();
        let mut at = None;
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_entry(line.content()) {
                return Err(GiveUp);
            }
            let (k, after) = key(line.content())?.ok_or(GiveUp)?;
            let here = (line.number, indent + 1);
            at.get_or_insert(here);
            let after = after.trim_start_matches(' ');
            let kids = if is_nothing(after) {
                self.at += 1;
                match self.peek() {
                    Some(next) if next.indent > indent => self.nested(next.indent, depth)?.kids,
                    Some(next) if next.indent == indent && is_entry(next.content()) => {
                        self.sequence(indent, depth + 1)?.kids
                    }
                    _ => Kids::None,
                }
            } else {
                self.inline(after, indent)?.1
            };
            members.push((
                k.to_string(),
                Pos {
                    line: here.0,
                    col: here.1,
                    kids,
                },
            ));
        }
        let (line, col) = at.ok_or(GiveUp)?;
        members.sort_by(|a, b| a.0.cmp(&b.0));
        if members.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(GiveUp);
        }
        Ok(Pos {
            line,
            col,
            kids: Kids::Map(members),
        })
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> R<Pos> {
        let mut items = Vec::new();
        let first = self.peek().ok_or(GiveUp)?;
        let (line, col) = (first.number, indent + 1);
        while let Some(l) = self.peek() {
            if l.indent < indent || (l.indent == indent && !is_entry(l.content())) {
                break;
            }
            if l.indent > indent {
                return Err(GiveUp);
            }
            let after = l.content()[1..].trim_start_matches(' ');
            let c = l.text.len() - after.len();
            if is_nothing(after) {
                self.at += 1;
                match self.peek() {
                    Some(next) if next.indent > indent => {
                        items.push(self.nested(next.indent, depth)?)
                    }
                    // An empty item: a null scalar placed by the event reader.
                    _ => return Err(GiveUp),
                }
            } else if is_entry(after) {
                return Err(GiveUp);
            } else if key(after)?.is_some() {
                if depth >= MAX_DEPTH {
                    return Err(GiveUp);
                }
                self.lines[self.at].indent = c;
                items.push(self.mapping(c, depth + 1)?);
            } else {
                let (block, kids) = self.inline(after, indent)?;
                if block {
                    return Err(GiveUp);
                }
                items.push(Pos {
                    line: l.number,
                    col: c + 1,
                    kids,
                });
            }
        }
        Ok(Pos {
            line,
            col,
            kids: Kids::Seq(items),
        })
    }

    /// A value written after `key: ` or `- ` on the current line (`text`, not empty);
    /// `parent` is the indentation of the enclosing collection. Consumes its lines;
    /// whether it was a block scalar, and its members (none, or an empty collection).
    fn inline(&mut self, text: &str, parent: usize) -> R<(bool, Kids)> {
        let first = text.as_bytes()[0];
        self.at += 1;
        let mut block = false;
        let kids = match first {
            b'"' | b'\'' => {
                let (_, rest) = quoted(text)?;
                if !is_nothing(rest) {
                    return Err(GiveUp);
                }
                Kids::None
            }
            b'|' | b'>' => {
                // The text is every following line indented deeper, and blank lines.
                while let Some(l) = self.lines.get(self.at) {
                    if l.text.trim_start_matches(' ').is_empty() || l.indent > parent {
                        self.at += 1;
                    } else {
                        break;
                    }
                }
                block = true;
                Kids::None
            }
            b'[' | b'{' => {
                let close = if first == b'[' { ']' } else { '}' };
                let rest = text[1..].trim_start_matches(' ');
                let rest = rest.strip_prefix(close).ok_or(GiveUp)?;
                if !is_nothing(rest) {
                    return Err(GiveUp);
                }
                if first == b'[' {
                    Kids::Seq(Vec::new())
                } else {
                    Kids::Map(Vec::new())
                }
            }
            _ => {
                if unusual(text) || text.starts_with("- ") {
                    return Err(GiveUp);
                }
                // A plain scalar: a deeper line after it would continue it.
                if let Some(next) = self.peek() {
                    if next.indent > parent {
                        return Err(GiveUp);
                    }
                }
                Kids::None
            }
        };
        Ok((block, kids))
    }
}

/// The position of each node of one YAML document, in the document's shape: for a map
/// member the position of its key, for a list item the item's own.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The members' positions.
    pub kids: Kids,
}

/// The positions of a map's members (sorted by key) or of a list's items.
#[derive(Debug, Default, PartialEq)]
pub(super) enum Kids {
    /// A scalar or alias.
    #[default]
    None,
    /// A map's members, sorted by key.
    Map(Vec<(String, Pos)>),
    /// A list's items.
    Seq(Vec<Pos>),
}

impl Pos {
    /// The position of member `key` of a map.
    pub fn key(&self, key: &str) -> Option<&Pos> {
        match &self.kids {
            Kids::Map(m) => m
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
                .ok()
                .map(|i| &m[i].1),
            _ => None,
        }
    }

    /// The position of item `i` of a list.
    pub fn item(&self, i: usize) -> Option<&Pos> {
        match &self.kids {
            Kids::Seq(v) => v.get(i),
            _ => None,
        }
    }
}
