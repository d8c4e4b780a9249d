//! `blame`: the rendered YAML with a comment at the end of each line naming who wrote it.
//! Without the comments the text is byte for byte the normal render: each comment is
//! appended to a line (spaces, then `# `), and lines a comment cannot end (inside a
//! multi-line scalar) get none.

use std::path::Path;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{show_value, Described, Node, Provenance};
use crate::check::lines::Step as Seg;
use crate::resource::Resource;

/// Widest text column comments are aligned to; longer lines get theirs two spaces after.
const MAX_ALIGN: usize = 100;

/// The documents of `resources` as `render` prints them, each line followed by a comment
/// naming its origin; file names relative to `root`.
pub fn annotate<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
    prov: &Provenance,
    root: &Path,
) -> String {
    let mut out = String::new();
    let mut memo = Described::default();
    for (i, r) in resources.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let mut doc = String::new();
        crate::yaml::emit_object(&r.obj, &mut doc);
        annotate_doc(
            &doc,
            r.prov.as_deref().map(|p| &p.root),
            prov,
            root,
            &mut memo,
            &mut out,
        );
    }
    out
}

/// Appends one emitted document to `out`, with comments.
fn annotate_doc(
    doc: &str,
    node: Option<&Node>,
    prov: &Provenance,
    root: &Path,
    memo: &mut Described,
    out: &mut String,
) {
    let lines: Vec<&str> = doc.split_inclusive('\n').collect();
    let paths = line_paths(doc, lines.len());
    let comments: Vec<Option<String>> = paths
        .iter()
        .map(|p| {
            let p = p.as_ref()?;
            let n = node?.get(p)?;
            let mut text = prov.describe_memo(&n.origin, root, memo).to_string();
            if let Some(was) = n.was().first() {
                text.push_str(&format!(
                    " (was {}, {})",
                    show_value(&was.value),
                    prov.describe_memo(&was.origin, root, memo)
                ));
            }
            // One line, whatever the names and values hold.
            if text.contains(|c: char| c.is_control()) {
                text = text.replace(|c: char| c.is_control(), " ");
            }
            Some(text)
        })
        .collect();
    let width = |l: &str| l.trim_end_matches('\n').chars().count();
    let align = lines
        .iter()
        .zip(&comments)
        .filter(|(_, c)| c.is_some())
        .map(|(l, _)| width(l))
        .filter(|w| *w <= MAX_ALIGN)
        .max()
        .unwrap_or(0);
    for (l, c) in lines.iter().zip(&comments) {
        let Some(c) = c else {
            out.push_str(l);
            continue;
        };
        let text = l.trim_end_matches('\n');
        out.push_str(text);
        let pad = align.saturating_sub(width(text)) + 2;
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str("# ");
        out.push_str(c);
        if l.ends_with('\n') {
            out.push('\n');
        }
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { index: usize },
}

/// For each line (0-based) of one emitted document: the path of the deepest field that
/// starts on it, or `None` when the line starts no field or a comment cannot end it.
fn line_paths(doc: &str, n: usize) -> Vec<Option<Vec<Seg>>> {
    let mut out: Vec<Option<Vec<Seg>>> = vec![None; n];
    let mut blocked = vec![false; n];
    let mut parser = Parser::new_from_str(doc);
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<Seg> = Vec::new();
    let mark = |line: usize, path: &[Seg], out: &mut Vec<Option<Vec<Seg>>>| {
        if let Some(slot) = line.checked_sub(1).and_then(|l| out.get_mut(l)) {
            if slot.as_ref().is_none_or(|p| p.len() <= path.len()) {
                *slot = Some(path.to_vec());
            }
        }
    };
    while let Some(Ok((ev, span))) = parser.next_event() {
        let line = span.start.line();
        if let Event::Scalar(_, style, ..) = &ev {
            let flow = !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
            let end = span.end.line();
            if flow && end > line {
                for l in line..=end {
                    if let Some(b) = l.checked_sub(1).and_then(|l| blocked.get_mut(l)) {
                        *b = true;
                    }
                }
            }
        }
        if let (Event::Scalar(text, ..), Some(Frame::Map { key: key @ None })) =
            (&ev, stack.last_mut())
        {
            *key = Some(text.to_string());
            path.push(Seg::Key(text.to_string()));
            mark(line, &path, &mut out);
            continue;
        }
        // A block scalar's event starts at its content, on a later line than its header.
        let block = matches!(
            ev,
            Event::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, ..)
        );
        let is_node = matches!(
            ev,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        ) && !block;
        if is_node {
            if let Some(Frame::Seq { index }) = stack.last() {
                path.push(Seg::Index(*index));
            }
            mark(line, &path, &mut out);
        } else if block {
            if let Some(Frame::Seq { index }) = stack.last() {
                path.push(Seg::Index(*index));
            }
        }
        match ev {
            Event::MappingStart(..) => stack.push(Frame::Map { key: None }),
            Event::SequenceStart(..) => stack.push(Frame::Seq { index: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                finish(&mut stack, &mut path);
            }
            Event::Scalar(..) => finish(&mut stack, &mut path),
            _ => {}
        }
    }
    for (slot, b) in out.iter_mut().zip(blocked) {
        if b {
            *slot = None;
        }
    }
    out
}

/// After a value: leave its step and advance the parent.
fn finish(stack: &mut [Frame], path: &mut Vec<Seg>) {
    match stack.last_mut() {
        Some(Frame::Map { key }) => {
            let had_key = key.take().is_some();
            if had_key {
                path.pop();
            }
        }
        Some(Frame::Seq { index }) => {
            *index += 1;
            path.pop();
        }
        None => {}
    }
}

/// Removes the comments `annotate` added: the inverse used by tests and scripts. A line
/// keeps everything before the last run of two or more spaces followed by `# ` when the
/// matching `render` line is that prefix.
pub fn strip_against(blamed: &str, rendered: &str) -> Result<(), String> {
    let b: Vec<&str> = blamed.split('\n').collect();
    let r: Vec<&str> = rendered.split('\n').collect();
    if b.len() != r.len() {
        return Err(format!(
            "blame has {} lines, render has {}",
            b.len(),
            r.len()
        ));
    }
    for (i, (bl, rl)) in b.iter().zip(&r).enumerate() {
        if bl == rl {
            continue;
        }
        let rest = bl.strip_prefix(rl).unwrap_or("");
        let comment = rest.trim_start_matches(' ');
        let ok = bl.starts_with(rl) && rest.len() - comment.len() >= 2 && comment.starts_with("# ");
        if !ok {
            return Err(format!(
                "line {}: blame {bl:?} is not render {rl:?} plus a comment",
                i + 1
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_lines_and_blocked_multiline_scalars() {
        let doc = "a: 1\nb:\n  c:\n  - x\n  - name: n\n    v: w\nd: |\n  text\n  more\ne: \"long\n  folded\"\nf: 2\n";
        let p = line_paths(doc, doc.lines().count());
        let k = |s: &str| Seg::Key(s.into());
        assert_eq!(p[0], Some(vec![k("a")]));
        assert_eq!(p[1], Some(vec![k("b")]));
        assert_eq!(p[3], Some(vec![k("b"), k("c"), Seg::Index(0)]));
        assert_eq!(p[4], Some(vec![k("b"), k("c"), Seg::Index(1), k("name")]));
        assert_eq!(p[5], Some(vec![k("b"), k("c"), Seg::Index(1), k("v")]));
        assert_eq!(p[6], Some(vec![k("d")]));
        assert_eq!(p[7], None);
        assert_eq!(p[8], None);
        assert_eq!(p[9], None, "a quoted scalar going on to the next line");
        assert_eq!(p[10], None);
        assert_eq!(p[11], Some(vec![k("f")]));
    }

    #[test]
    fn strip_against_accepts_only_appended_comments() {
        assert!(strip_against("a: 1  # x\nb: 2\n", "a: 1\nb: 2\n").is_ok());
        assert!(strip_against("a: 1 # x\n", "a: 1\n").is_err());
        assert!(strip_against("a: 2  # x\n", "a: 1\n").is_err());
        assert!(strip_against("a: 1\n", "a: 1\nb: 2\n").is_err());
    }
}
