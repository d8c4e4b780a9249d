//! Line numbers of fields in a YAML file, so findings on rendered files point at the line
//! of the field (or of its nearest existing parent when the field is missing).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};

/// One step of a field path, owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Splits a finding's field path (`spec.containers[0].resources`,
/// `metadata.labels["app.kubernetes.io/name"]`) into steps.
pub fn split_path(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let b: Vec<char> = path.chars().collect();
    let mut i = 0;
    let mut cur = String::new();
    while i < b.len() {
        match b[i] {
            '.' => {
                if !cur.is_empty() {
                    out.push(Step::Key(std::mem::take(&mut cur)));
                }
                i += 1;
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(Step::Key(std::mem::take(&mut cur)));
                }
                i += 1;
                if i < b.len() && b[i] == '"' {
                    // A quoted key, with Rust-style escapes for `"` and `\`.
                    i += 1;
                    let mut key = String::new();
                    while i < b.len() && b[i] != '"' {
                        if b[i] == '\\' && i + 1 < b.len() {
                            i += 1;
                        }
                        key.push(b[i]);
                        i += 1;
                    }
                    out.push(Step::Key(key));
                    i += 1; // closing quote
                } else {
                    let mut n = String::new();
                    while i < b.len() && b[i].is_ascii_digit() {
                        n.push(b[i]);
                        i += 1;
                    }
                    if let Ok(n) = n.parse() {
                        out.push(Step::Index(n));
                    }
                }
                if i < b.len() && b[i] == ']' {
                    i += 1;
                }
            }
            c => {
                cur.push(c);
                i += 1;
            }
        }
    }
    if !cur.is_empty() {
        out.push(Step::Key(cur));
    }
    out
}

/// Field lines of one document.
#[derive(Debug, Clone, Default)]
pub struct DocLines {
    /// 1-based line where the document's content starts (as in [`crate::yaml::Document`]).
    pub start: usize,
    /// Line and 1-based column of each field (of its key, for mapping entries).
    lines: HashMap<Vec<Step>, (usize, usize)>,
}

impl DocLines {
    /// The line of `path`, or of its nearest existing ancestor, or the document start.
    pub fn line_of(&self, path: &str) -> usize {
        let mut steps = split_path(path);
        loop {
            if let Some(l) = self.lines.get(&steps) {
                return l.0;
            }
            if steps.pop().is_none() {
                return self.start;
            }
        }
    }

    /// Line and 1-based column of exactly `steps`, when the document has that field.
    pub fn position(&self, steps: &[Step]) -> Option<(usize, usize)> {
        self.lines.get(steps).copied()
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { index: usize },
}

/// Maps every field of every document of `src` to its line. Returns an empty list when
/// the text does not parse (the caller already reported that).
pub fn field_lines(src: &str) -> Vec<DocLines> {
    field_lines_of(src, None)
}

/// Like [`field_lines`], but records fields only in the documents starting at one of the
/// `starts` lines (when given): a large file with findings in few documents stays cheap.
pub fn field_lines_of(src: &str, starts: Option<&[usize]>) -> Vec<DocLines> {
    let mut docs = Vec::new();
    let mut wanted = true;
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<Step> = Vec::new();
    let mut doc = DocLines::default();
    let mut started = false;
    while let Some(Ok((ev, span))) = parser.next_event() {
        let line = span.start.line();
        let at = (line, span.start.col() + 1);
        let is_node = matches!(
            ev,
            Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(_)
        );
        if is_node && !started {
            doc.start = line;
            started = true;
            wanted = starts.is_none_or(|s| s.contains(&line));
        }
        // A node in key position of a mapping: remember the key and its line.
        if let (Event::Scalar(text, ..), Some(Frame::Map { key: key @ None })) =
            (&ev, stack.last_mut())
        {
            *key = Some(text.to_string());
            path.push(Step::Key(text.to_string()));
            if wanted {
                doc.lines.insert(path.clone(), at);
            }
            continue;
        }
        if is_node {
            if let Some(Frame::Seq { index }) = stack.last() {
                path.push(Step::Index(*index));
                if wanted {
                    doc.lines.insert(path.clone(), at);
                }
            } else if let Some(Frame::Map { key: None }) = stack.last() {
                // A complex (non-scalar) key: not addressable by a field path.
                path.push(Step::Key(String::new()));
            }
        }
        match ev {
            Event::MappingStart(..) => stack.push(Frame::Map { key: None }),
            Event::SequenceStart(..) => stack.push(Frame::Seq { index: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                finish_value(&mut stack, &mut path);
            }
            Event::Scalar(..) | Event::Alias(_) => finish_value(&mut stack, &mut path),
            Event::DocumentEnd => {
                let past_last = starts.is_some_and(|s| s.iter().all(|w| *w <= doc.start));
                docs.push(std::mem::take(&mut doc));
                stack.clear();
                path.clear();
                started = false;
                if past_last {
                    // Every wanted document is done: the rest of the file is not needed.
                    break;
                }
            }
            _ => {}
        }
    }
    docs
}

/// After a value: leave its step and advance the parent.
fn finish_value(stack: &mut [Frame], path: &mut Vec<Step>) {
    match stack.last_mut() {
        Some(Frame::Map { key }) => {
            if key.take().is_some() {
                path.pop();
            } else {
                // The value closed a complex key; its value comes next.
                *key = Some(String::new());
            }
        }
        Some(Frame::Seq { index }) => {
            *index += 1;
            path.pop();
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split() {
        assert_eq!(
            split_path("spec.containers[0].resources"),
            vec![
                Step::Key("spec".into()),
                Step::Key("containers".into()),
                Step::Index(0),
                Step::Key("resources".into())
            ]
        );
        assert_eq!(
            split_path("metadata.labels[\"app.kubernetes.io/name\"]"),
            vec![
                Step::Key("metadata".into()),
                Step::Key("labels".into()),
                Step::Key("app.kubernetes.io/name".into())
            ]
        );
        assert!(split_path("").is_empty());
    }

    #[test]
    fn lines() {
        let src = "# c\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: x\nspec:\n  containers:\n  - name: c\n    image: i\n  - name: d\n    args: [a, b]\n---\nkind: B\nspec:\n  replicas: 1\n";
        let docs = field_lines(src);
        assert_eq!(docs.len(), 2);
        let d = &docs[0];
        assert_eq!(d.start, 2);
        assert_eq!(d.line_of("kind"), 3);
        assert_eq!(d.line_of("metadata.name"), 5);
        assert_eq!(d.line_of("metadata.labels[\"app.kubernetes.io/name\"]"), 7);
        assert_eq!(d.line_of("spec.containers[0].image"), 11);
        assert_eq!(d.line_of("spec.containers[1]"), 12);
        assert_eq!(d.line_of("spec.containers[1].args[1]"), 13);
        // Missing fields resolve to their nearest parent.
        assert_eq!(d.line_of("spec.containers[1].resources.limits"), 12);
        assert_eq!(d.line_of(""), 2);
        assert_eq!(docs[1].start, 15);
        assert_eq!(docs[1].line_of("spec.replicas"), 17);
    }
}
