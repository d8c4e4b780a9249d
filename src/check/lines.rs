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

/// One node of a [`Trie`]: its children, its full path, and its line once seen.
#[derive(Default)]
struct TrieNode(HashMap<Step, usize>, Vec<Step>, Option<(usize, usize)>);

/// A trie of the field paths wanted in one document.
#[derive(Default)]
struct Trie {
    nodes: Vec<TrieNode>,
}

impl Trie {
    fn insert(&mut self, steps: &[Step]) {
        if self.nodes.is_empty() {
            self.nodes.push(Default::default());
        }
        let mut at = 0;
        for (i, step) in steps.iter().enumerate() {
            at = match self.nodes[at].0.get(step) {
                Some(&n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes
                        .push(TrieNode(HashMap::new(), steps[..=i].to_vec(), None));
                    self.nodes[at].0.insert(step.clone(), n);
                    n
                }
            };
        }
    }

    fn child(&self, node: Option<usize>, step: &Step) -> Option<usize> {
        node.and_then(|n| self.nodes[n].0.get(step).copied())
    }
}

/// Like [`field_lines`], for the given field paths of the documents starting at the given
/// lines only (`wanted`: document start line → paths). Each path and its ancestors are
/// looked up, nothing else is recorded, and the file is read only up to the last wanted
/// document: pointing a few findings into a large file stays cheap.
pub fn field_lines_for(src: &str, wanted: &HashMap<usize, Vec<&str>>) -> Vec<DocLines> {
    let mut tries: HashMap<usize, Trie> = HashMap::new();
    for (start, paths) in wanted {
        let t = tries.entry(*start).or_default();
        for p in paths {
            t.insert(&split_path(p));
        }
    }
    let last = wanted.keys().copied().max().unwrap_or(0);
    let mut docs = Vec::new();
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    // The trie node of each step of the current path (None: not a wanted prefix).
    let mut nodes: Vec<Option<usize>> = Vec::new();
    let mut start = 0;
    let mut started = false;
    let mut trie: Option<Trie> = None;
    let finish_doc = |start: usize, trie: Option<Trie>, docs: &mut Vec<DocLines>| {
        if let Some(t) = trie {
            let lines = t
                .nodes
                .into_iter()
                .filter_map(|TrieNode(_, path, line)| Some((path, line?)))
                .filter(|(path, _)| !path.is_empty())
                .collect();
            docs.push(DocLines { start, lines });
        }
    };
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
            start = line;
            started = true;
            trie = tries.remove(&start);
        }
        if trie.is_none() {
            if let Event::DocumentEnd = ev {
                started = false;
                stack.clear();
                nodes.clear();
                if start >= last {
                    break;
                }
            }
            continue;
        }
        let Some(t) = trie.as_mut() else {
            continue;
        };
        let parent = if nodes.is_empty() {
            Some(0)
        } else {
            *nodes.last().unwrap_or(&None)
        };
        if let (Event::Scalar(text, ..), Some(Frame::Map { key: key @ None })) =
            (&ev, stack.last_mut())
        {
            *key = Some(text.to_string());
            let n = t.child(parent, &Step::Key(text.to_string()));
            if let Some(n) = n {
                t.nodes[n].2.get_or_insert(at);
            }
            nodes.push(n);
            continue;
        }
        if is_node {
            if let Some(Frame::Seq { index }) = stack.last() {
                let n = t.child(parent, &Step::Index(*index));
                if let Some(n) = n {
                    t.nodes[n].2.get_or_insert(at);
                }
                nodes.push(n);
            } else if let Some(Frame::Map { key: None }) = stack.last() {
                nodes.push(None);
            }
        }
        match ev {
            Event::MappingStart(..) => stack.push(Frame::Map { key: None }),
            Event::SequenceStart(..) => stack.push(Frame::Seq { index: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                finish_value(&mut stack, &mut nodes);
            }
            Event::Scalar(..) | Event::Alias(_) => finish_value(&mut stack, &mut nodes),
            Event::DocumentEnd => {
                finish_doc(start, trie.take(), &mut docs);
                stack.clear();
                nodes.clear();
                started = false;
                if start >= last {
                    break;
                }
            }
            _ => {}
        }
    }
    finish_doc(start, trie.take(), &mut docs);
    docs
}

/// After a value: leave its step (the last of `path`: path steps, or trie nodes) and
/// advance the parent.
fn finish_value<T>(stack: &mut [Frame], path: &mut Vec<T>) {
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
    fn lines_for_wanted_paths_match_all_lines() {
        let src = "# c\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: x\nspec:\n  containers:\n  - name: c\n    image: i\n  - name: d\n    args: [a, b]\n---\nkind: B\nspec:\n  replicas: 1\n---\nkind: C\n";
        let all = field_lines(src);
        let paths = [
            "kind",
            "metadata.labels[\"app.kubernetes.io/name\"]",
            "spec.containers[0].image",
            "spec.containers[1].args[1]",
            "spec.containers[1].resources.limits",
            "",
        ];
        let mut wanted = HashMap::new();
        wanted.insert(2, paths.to_vec());
        wanted.insert(15, vec!["spec.replicas", "spec.selector"]);
        let some = field_lines_for(src, &wanted);
        assert_eq!(some.len(), 2);
        for p in paths {
            assert_eq!(some[0].line_of(p), all[0].line_of(p), "{p}");
        }
        assert_eq!(some[1].start, 15);
        assert_eq!(some[1].line_of("spec.replicas"), 17);
        assert_eq!(some[1].line_of("spec.selector"), 16);
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
