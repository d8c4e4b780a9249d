//! Finding where a value was written in a source file: the position of a field in a
//! resource document, the matching field of a patch, the JSON 6902 operation, the
//! generator literal or label pair of a kustomization.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::positions::{Kids, Pos};
use super::Loc;
use crate::check::lines::{field_lines, split_path, DocLines, Step as Seg};
use crate::yaml::Limits;

/// A YAML file read for positions: each document's value and field positions.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub file: Arc<PathBuf>,
    pub docs: Vec<(Value, DocLines)>,
}

impl Parsed {
    fn from_text(file: Arc<PathBuf>, text: &str) -> Parsed {
        let values = crate::yaml::parse_documents(text, Limits::default()).unwrap_or_default();
        let lines = field_lines(text);
        let docs = values
            .into_iter()
            .map(|d| d.value)
            .zip(lines)
            .collect::<Vec<_>>();
        Parsed { file, docs }
    }

    /// The position of `steps` in document `doc`.
    pub fn loc(&self, doc: usize, steps: &[Seg]) -> Option<Loc> {
        let (_, lines) = self.docs.get(doc)?;
        let (line, col) = lines.position(steps)?;
        Some(Loc {
            file: self.file.clone(),
            line,
            col,
        })
    }

    /// The value at `steps` of document `doc`.
    pub fn value(&self, doc: usize, steps: &[Seg]) -> Option<&Value> {
        let mut v = &self.docs.get(doc)?.0;
        for s in steps {
            v = match (s, v) {
                (Seg::Key(k), Value::Object(m)) => m.get(k)?,
                (Seg::Index(i), Value::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// Files read for positions, each read once per build.
#[derive(Debug, Default)]
pub(super) struct Files {
    cache: HashMap<PathBuf, Arc<Parsed>>,
}

impl Files {
    /// The parsed file (empty when it cannot be read or parsed: positions are best effort).
    pub fn get(&mut self, path: &Path) -> Arc<Parsed> {
        if let Some(p) = self.cache.get(path) {
            return p.clone();
        }
        let file = Arc::new(crate::load::clean(path));
        let parsed = match std::fs::read_to_string(path) {
            Ok(text) => Parsed::from_text(file, &text),
            Err(_) => Parsed {
                file,
                docs: Vec::new(),
            },
        };
        let parsed = Arc::new(parsed);
        self.cache.insert(path.to_path_buf(), parsed.clone());
        parsed
    }

    /// The position of `field` (dotted) in the first document of `kfile`.
    pub fn field(&mut self, kfile: &Path, field: &str) -> Option<Loc> {
        let p = self.get(kfile);
        let steps = split_path(field);
        // The field itself, else its nearest parent.
        (0..=steps.len()).rev().find_map(|n| p.loc(0, &steps[..n]))
    }
}

/// A text patch written inline in a kustomization: its parsed documents and the line of
/// the kustomization its first line is on.
pub(super) fn inline(kfile: &Parsed, field: &[Seg]) -> Option<(Arc<Parsed>, usize)> {
    let text = kfile.value(0, field)?.as_str()?;
    let key_line = kfile.loc(0, field)?.line;
    let p = Parsed::from_text(kfile.file.clone(), text);
    Some((Arc::new(p), key_line))
}

/// Fields that identify a list item, most common first (Kubernetes' merge keys).
pub(super) const ITEM_KEYS: [&str; 9] = [
    "name",
    "containerPort",
    "mountPath",
    "devicePath",
    "ip",
    "topologyKey",
    "key",
    "port",
    "type",
];

/// The identity of a list item for matching: its merge key, else the item itself for a
/// scalar.
pub(super) fn identity(v: &Value) -> Option<(&'static str, &Value)> {
    match v {
        Value::Object(m) => ITEM_KEYS.iter().find_map(|k| m.get(*k).map(|x| (*k, x))),
        Value::Array(_) | Value::Null => None,
        scalar => Some(("", scalar)),
    }
}

/// The path in a patch document that wrote `path` of `obj`: list items matched by merge
/// key (or equal scalar). Returns the deepest part of the path the patch has.
pub(super) fn patch_path(patch: &Value, obj: &Map<String, Value>, path: &[Seg]) -> Vec<Seg> {
    let Some((Seg::Key(first), rest)) = path.split_first() else {
        return Vec::new();
    };
    let (Some(mut pv), Some(mut rv)) = (patch.get(first.as_str()), obj.get(first)) else {
        return Vec::new();
    };
    let mut out = vec![Seg::Key(first.clone())];
    for s in rest {
        match s {
            Seg::Key(k) => match (pv.get(k.as_str()), rv.get(k.as_str())) {
                (Some(p), Some(r)) => {
                    pv = p;
                    rv = r;
                    out.push(s.clone());
                }
                _ => break,
            },
            Seg::Index(i) => {
                let (Some(item), Some(items)) = (rv.get(*i), pv.as_array()) else {
                    break;
                };
                let id = identity(item);
                let found = items.iter().position(|p| match (id, identity(p)) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                });
                let found = found.or_else(|| (items.len() == 1 && id.is_none()).then_some(0));
                let Some(j) = found else { break };
                pv = &items[j];
                rv = item;
                out.push(Seg::Index(j));
            }
        }
    }
    out
}

/// A JSON pointer's tokens, unescaped.
pub(super) fn pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The document path written by the JSON 6902 operation that wrote `path`: `[i, value,
/// ...rest]` for the last operation whose pointer leads to it.
pub(super) fn json_op_path(ops: &Value, path: &[Seg]) -> Option<Vec<Seg>> {
    let ops = ops.as_array()?;
    let seg_str = |s: &Seg| match s {
        Seg::Key(k) => k.clone(),
        Seg::Index(i) => i.to_string(),
    };
    for (i, op) in ops.iter().enumerate().rev() {
        let Some(p) = op.get("path").and_then(Value::as_str) else {
            continue;
        };
        let toks = pointer(p);
        if toks.len() > path.len() {
            continue;
        }
        let prefix = toks
            .iter()
            .zip(path)
            .all(|(t, s)| t == "-" || *t == seg_str(s));
        if prefix {
            let mut out = vec![Seg::Index(i), Seg::Key("value".into())];
            out.extend(path[toks.len()..].iter().cloned());
            return Some(out);
        }
    }
    None
}

/// The deepest position along `steps` in document `doc` of `p`.
pub(super) fn deepest(p: &Parsed, doc: usize, steps: &[Seg]) -> Option<Loc> {
    (0..=steps.len())
        .rev()
        .find_map(|n| p.loc(doc, &steps[..n]))
}

/// Where a generator entry set data key `key`: its literal, its file entry, or the line of
/// its env file.
pub(super) fn generator_key(kfile: &Parsed, entry: &[Seg], key: &str) -> Option<Loc> {
    let gen = kfile.value(0, entry)?;
    let with = |field: &str, idx: usize| {
        let mut s = entry.to_vec();
        s.push(Seg::Key(field.into()));
        s.push(Seg::Index(idx));
        kfile.loc(0, &s)
    };
    let list = |field: &str| {
        gen.get(field)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let prefix = format!("{key}=");
    if let Some(j) = list("literals")
        .iter()
        .rposition(|l| l.trim_start().starts_with(&prefix))
    {
        return with("literals", j);
    }
    if let Some(j) = list("files")
        .iter()
        .rposition(|f| f.starts_with(&prefix) || Path::new(f).file_name().is_some_and(|n| n == key))
    {
        return with("files", j);
    }
    let dir = kfile
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for (j, env) in list("envs").iter().enumerate().rev() {
        let path = dir.join(env);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let hit = text.lines().position(|l| {
                let l = l.trim_start();
                l.starts_with(&prefix) || l == key
            });
            if let Some(n) = hit {
                return Some(Loc {
                    file: Arc::new(crate::load::clean(&path)),
                    line: n + 1,
                    col: 1,
                });
            }
            return with("envs", j);
        }
    }
    None
}

/// An open map or list while reading events.
enum Open {
    Map {
        at: (usize, usize),
        members: Vec<(String, Pos)>,
        /// The key read and its position, waiting for its value; `None` when a key is due;
        /// an empty key for a complex (non-scalar) key.
        key: Option<(String, (usize, usize))>,
    },
    Seq {
        at: (usize, usize),
        items: Vec<Pos>,
    },
}

/// The position tree of each document of `src` with the line its content starts on (as
/// [`DocLines::start`]): read from the lines for block-style files
/// ([`super::positions`]), else from the parser's events ([`event_positions`]).
pub(super) fn positions(src: &str) -> Vec<(usize, Pos)> {
    super::positions::positions(src).unwrap_or_else(|| event_positions(src))
}

/// [`positions`] in one pass over the parser's events, no path kept per field.
/// Documents after a parse error are missing (positions are best effort).
pub(super) fn event_positions(src: &str) -> Vec<(usize, Pos)> {
    use saphyr_parser::{Event, Parser};
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut start = None;
    let mut parser = Parser::new_from_str(src);
    while let Some(Ok((ev, span))) = parser.next_event() {
        let at = (span.start.line(), span.start.col() + 1);
        let done = match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                start.get_or_insert(at.0);
                stack.push(match ev {
                    Event::MappingStart(..) => Open::Map {
                        at,
                        members: Vec::new(),
                        key: None,
                    },
                    _ => Open::Seq {
                        at,
                        items: Vec::new(),
                    },
                });
                continue;
            }
            Event::Scalar(text, ..) => {
                start.get_or_insert(at.0);
                (
                    Some(text.to_string()),
                    Pos {
                        line: at.0,
                        col: at.1,
                        kids: Kids::None,
                    },
                )
            }
            Event::Alias(_) => {
                start.get_or_insert(at.0);
                (
                    None,
                    Pos {
                        line: at.0,
                        col: at.1,
                        kids: Kids::None,
                    },
                )
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Open::Map {
                    at, mut members, ..
                }) => {
                    members.sort_by(|a, b| a.0.cmp(&b.0));
                    (
                        None,
                        Pos {
                            line: at.0,
                            col: at.1,
                            kids: Kids::Map(members),
                        },
                    )
                }
                Some(Open::Seq { at, items }) => (
                    None,
                    Pos {
                        line: at.0,
                        col: at.1,
                        kids: Kids::Seq(items),
                    },
                ),
                None => continue,
            },
            Event::DocumentEnd => {
                stack.clear();
                start = None;
                continue;
            }
            _ => continue,
        };
        let (text, pos) = done;
        match stack.last_mut() {
            Some(Open::Map { members, key, .. }) => match key.take() {
                None => {
                    // A key: a scalar's text, or empty for a complex key.
                    *key = Some((text.unwrap_or_default(), (pos.line, pos.col)));
                }
                Some((k, (line, col))) => {
                    if !k.is_empty() {
                        members.push((
                            k,
                            Pos {
                                line,
                                col,
                                kids: pos.kids,
                            },
                        ));
                    }
                }
            },
            Some(Open::Seq { items, .. }) => items.push(pos),
            None => out.push((start.unwrap_or(pos.line), pos)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::positions::positions as line_positions;

    /// Whenever the line reader reads `src`, the event reader reads the same positions.
    fn lines_agree(src: &str) -> bool {
        match line_positions(src) {
            Some(p) => {
                assert_eq!(p, event_positions(src), "positions differ on:\n{src}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn line_positions_agree_with_the_events_on_every_fixture() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let (mut files, mut read) = (0, 0);
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
            read += usize::from(lines_agree(&src));
        }
        assert!(files > 1000, "fixtures not found under {root}");
        assert!(read * 10 > files * 8, "read only {read} of {files} files");
    }

    #[test]
    fn line_positions_read_the_common_shapes() {
        let cases = [
            "a: 1\nb:\n  c: x\n  d: {}\n  e: []\n",
            "- a\n-\n  b: 1\n- c: 2\n  d: 3\n",
            "a:\n- x\n- y: 1\n  z: [ ]\nb: |\n  text\n\n  more\nc: 'q'\n\"d\": \"e\"\n",
            "---\na: 1\n---\n# c\nb:\n  - 1\n  - 2\n",
            "# only a comment\n",
            "a: 1 # c\nb: x:y\nc: \"a # b\"\n",
            "a:\n  b:\n    - name: x\n      v: >-\n        folded\n        text\n    - name: y\n",
        ];
        for src in cases {
            assert!(lines_agree(src), "not read: {src}");
        }
        for src in [
            "a: [x]\n",
            "a: b\n  c\n",
            "a: &x 1\n",
            "- - x\n",
            "a: \"x\n  y\"\n",
            "a: 1\n---\n",
            "-\n",
        ] {
            assert!(line_positions(src).is_none(), "read: {src}");
        }
    }
}
