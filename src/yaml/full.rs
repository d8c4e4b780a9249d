//! The full YAML parser: every construct YAML allows (flow collections, anchors and
//! aliases with bounded expansion, tags, merge keys, block scalars), built from
//! saphyr-parser's events, with errors at their line and column. [`super::parse`] uses
//! it for what the fast path does not read.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Value};

use super::document::{Document, Limits, PathStep, YamlError};
use super::scalar::{
    in_annotations, looks_like_timestamp, may_be_spelled, non_finite, resolve_plain, spelling,
    yaml11_bool,
};

fn err_at(span: &Span, message: impl Into<String>) -> YamlError {
    YamlError {
        line: span.start.line(),
        col: span.start.col() + 1,
        message: message.into(),
    }
}

struct Anchor {
    value: Value,
    nodes: usize,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        nodes: usize,
    },
    Map {
        map: Map<String, Value>,
        key: Option<(String, bool)>,
        merged: Vec<Map<String, Value>>,
        anchor: usize,
        nodes: usize,
        span: Span,
    },
}

struct Builder {
    stack: Vec<Frame>,
    empty_nulls: Vec<Vec<String>>,
    tagged_strings: Vec<Vec<String>>,
    plain_annotations: Vec<String>,
    null_tagged_annotations: Vec<String>,
    quoted_strings: Vec<Vec<String>>,
    plain_spellings: Vec<(Vec<String>, String)>,
    list_quoted: Vec<Vec<PathStep>>,
    list_tagged: Vec<Vec<PathStep>>,
    list_spellings: Vec<(Vec<PathStep>, String)>,
    non_finite: Vec<(Vec<PathStep>, String)>,
    anchors: Vec<Option<Anchor>>,
    source_nodes: usize,
    alias_nodes: usize,
    limits: Limits,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Builder {
            stack: Vec::new(),
            empty_nulls: Vec::new(),
            tagged_strings: Vec::new(),
            plain_annotations: Vec::new(),
            null_tagged_annotations: Vec::new(),
            quoted_strings: Vec::new(),
            plain_spellings: Vec::new(),
            list_quoted: Vec::new(),
            list_tagged: Vec::new(),
            list_spellings: Vec::new(),
            non_finite: Vec::new(),
            anchors: Vec::new(),
            source_nodes: 0,
            alias_nodes: 0,
            limits,
        }
    }

    fn remember(&mut self, anchor: usize, value: &Value, nodes: usize) {
        if anchor == 0 {
            return;
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize_with(anchor + 1, || None);
        }
        self.anchors[anchor] = Some(Anchor {
            value: value.clone(),
            nodes,
        });
    }

    /// Adds a finished node to its parent; returns it when it is the document root.
    fn push(
        &mut self,
        value: Value,
        nodes: usize,
        is_merge_key: bool,
        span: &Span,
    ) -> Result<Option<Value>, YamlError> {
        let allow_dup = self.limits.allow_duplicate_keys;
        let keep_quoted_merge = self.limits.keep_quoted_merge_keys;
        match self.stack.last_mut() {
            None => Ok(Some(value)),
            Some(Frame::Seq {
                items, nodes: n, ..
            }) => {
                items.push(value);
                *n += nodes;
                Ok(None)
            }
            Some(Frame::Map {
                map,
                key,
                merged,
                nodes: n,
                ..
            }) => {
                *n += nodes;
                match key.take() {
                    None => {
                        // go-yaml decodes into string-keyed maps, as kubectl does: a
                        // mapping or sequence as a key is "invalid map key" there. (Turned
                        // into text, nested ones would also grow exponentially.)
                        if value.is_object() || value.is_array() {
                            return Err(err_at(
                                span,
                                "invalid map key: a mapping or sequence cannot be a mapping key",
                            ));
                        }
                        let k = key_string(value);
                        *key = Some((k, is_merge_key));
                    }
                    Some((_, true)) => match value {
                        Value::Object(m) => merged.push(m),
                        Value::Array(items) => {
                            for item in items {
                                match item {
                                    Value::Object(m) => merged.push(m),
                                    _ => return Err(err_at(
                                        span,
                                        "map merge requires map or sequence of maps as the value",
                                    )),
                                }
                            }
                        }
                        Value::Null => {}
                        _ => {
                            return Err(err_at(
                                span,
                                "map merge requires map or sequence of maps as the value",
                            ))
                        }
                    },
                    Some((k, false)) if k == "<<" && !keep_quoted_merge => {}
                    Some((k, false)) => {
                        if map.contains_key(&k) && !allow_dup {
                            return Err(err_at(span, format!("mapping key {k:?} already defined")));
                        }
                        map.insert(k, value);
                    }
                }
                Ok(None)
            }
        }
    }

    /// Records the mapping-key path of an empty value being added (not inside lists).
    fn record_empty_null(&mut self) {
        if let Some(path) = self.key_path() {
            if self.empty_nulls.len() < 10_000 {
                self.empty_nulls.push(path);
            }
        }
    }

    /// Records the mapping-key path of a tagged string being added (not inside lists).
    fn record_tagged_string(&mut self) {
        if let Some(path) = self.key_path() {
            if self.tagged_strings.len() < 10_000 {
                self.tagged_strings.push(path);
            }
        } else if let Some(path) = self.list_field_path() {
            if self.list_tagged.len() < 10_000 {
                self.list_tagged.push(path);
            }
        }
    }

    /// Records the mapping-key path of a quoted string being added (see
    /// [`Document::quoted_strings`]).
    fn record_quoted_string(&mut self) {
        if let Some(path) = self.key_path() {
            if !in_annotations(&path) && self.quoted_strings.len() < 10_000 {
                self.quoted_strings.push(path);
            }
        } else if let Some(path) = self.list_field_path() {
            if self.list_quoted.len() < 10_000 {
                self.list_quoted.push(path);
            }
        }
    }

    /// The path, with list positions, of the value being added.
    fn full_path(&self) -> Option<Vec<PathStep>> {
        let mut path = Vec::with_capacity(self.stack.len());
        for f in &self.stack {
            match f {
                Frame::Map {
                    key: Some((k, false)),
                    ..
                } => path.push(PathStep::Key(k.clone())),
                Frame::Seq { items, .. } => path.push(PathStep::Index(items.len())),
                _ => return None,
            }
        }
        Some(path)
    }

    /// [`Builder::full_path`] of a mapping value under a list.
    fn list_field_path(&self) -> Option<Vec<PathStep>> {
        let path = self.full_path()?;
        let under_list = path.iter().any(|s| matches!(s, PathStep::Index(_)));
        (under_list && matches!(path.last(), Some(PathStep::Key(_)))).then_some(path)
    }

    /// Records where a plain `.inf` or `.nan` being added is.
    fn record_non_finite(&mut self, text: &str) {
        let Some(path) = self.full_path() else { return };
        if self.non_finite.len() < 10_000 {
            self.non_finite.push((path, text.to_string()));
        }
    }

    /// Records how a plain number or boolean being added was written.
    fn record_spelling(&mut self, text: String) {
        if let Some(path) = self.key_path() {
            if self.plain_spellings.len() < 10_000 {
                self.plain_spellings.push((path, text));
            }
        } else if let Some(path) = self.list_field_path() {
            if self.list_spellings.len() < 10_000 {
                self.list_spellings.push((path, text));
            }
        }
    }

    /// Whether the value being added is one of a document's `metadata.annotations` (or,
    /// with [`Limits::raw_labels`], `metadata.labels`).
    fn in_raw_metadata(&self) -> bool {
        let key = |i: usize, want: Option<&str>| match self.stack.get(i) {
            Some(Frame::Map {
                key: Some((k, false)),
                ..
            }) => want.is_none_or(|w| k == w),
            _ => false,
        };
        self.stack.len() == 3
            && key(0, Some("metadata"))
            && (key(1, Some("annotations")) || (self.limits.raw_labels && key(1, Some("labels"))))
            && key(2, None)
    }

    /// The key of the annotation value being added (`None` outside `metadata.annotations`).
    fn annotation_key(&self) -> Option<String> {
        match (self.stack.get(1), self.stack.get(2)) {
            (
                Some(Frame::Map {
                    key: Some((a, false)),
                    ..
                }),
                Some(Frame::Map {
                    key: Some((k, false)),
                    ..
                }),
            ) if a == "annotations" => Some(k.clone()),
            _ => None,
        }
    }

    /// Records the key of a plain annotation value being added.
    fn record_plain_annotation(&mut self) {
        if let Some(k) = self.annotation_key() {
            if self.plain_annotations.len() < 10_000 {
                self.plain_annotations.push(k);
            }
        }
    }

    /// Records the key of a `!!null`-tagged annotation value being added.
    fn record_null_tagged_annotation(&mut self) {
        if let Some(k) = self.annotation_key() {
            if self.null_tagged_annotations.len() < 10_000 {
                self.null_tagged_annotations.push(k);
            }
        }
    }

    /// The mapping keys leading to the value being added, if no list is on the way.
    fn key_path(&self) -> Option<Vec<String>> {
        let mut path = Vec::with_capacity(self.stack.len());
        for f in &self.stack {
            match f {
                Frame::Map {
                    key: Some((k, false)),
                    ..
                } => path.push(k.clone()),
                _ => return None,
            }
        }
        (!path.is_empty()).then_some(path)
    }

    fn check_depth(&self, span: &Span) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(err_at(
                span,
                format!(
                    "nesting deeper than {} levels; refusing to parse further",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }
}

/// Turns a parsed key into the string key JSON needs.
fn key_string(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

fn finish_map(mut map: Map<String, Value>, merged: Vec<Map<String, Value>>) -> Value {
    for m in merged {
        for (k, v) in m {
            map.entry(k).or_insert(v);
        }
    }
    Value::Object(map)
}

/// The full parser: every construct, and errors with their positions.
pub(super) fn parse_events(
    src: &str,
    limits: Limits,
    first_only: bool,
) -> Result<Vec<Document>, YamlError> {
    let mut parser = Parser::new_from_str(src);
    let mut docs = Vec::new();
    let mut b = Builder::new(limits);
    let mut doc_line = 1;
    let mut root: Option<Value> = None;
    let mut eof_chars: Option<usize> = None;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        if b.stack.is_empty()
            && root.is_none()
            && matches!(
                ev,
                Event::Scalar(..)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
                    | Event::Alias(_)
            )
        {
            doc_line = span.start.line();
        }
        match ev {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                b = Builder::new(limits);
                root = None;
                doc_line = span.end.line();
            }
            Event::DocumentEnd => {
                if docs.len() >= limits.max_documents {
                    return Err(err_at(
                        &span,
                        format!("more than {} documents", limits.max_documents),
                    ));
                }
                docs.push(Document {
                    value: root.take().unwrap_or(Value::Null),
                    line: doc_line,
                    empty_nulls: std::mem::take(&mut b.empty_nulls),
                    tagged_strings: std::mem::take(&mut b.tagged_strings),
                    plain_annotations: std::mem::take(&mut b.plain_annotations),
                    null_tagged_annotations: std::mem::take(&mut b.null_tagged_annotations),
                    quoted_strings: std::mem::take(&mut b.quoted_strings),
                    plain_spellings: std::mem::take(&mut b.plain_spellings),
                    list_quoted: std::mem::take(&mut b.list_quoted),
                    list_tagged: std::mem::take(&mut b.list_tagged),
                    list_spellings: std::mem::take(&mut b.list_spellings),
                    non_finite: std::mem::take(&mut b.non_finite),
                });
                if first_only {
                    break;
                }
            }
            Event::Alias(id) => {
                let Some(Some(anchor)) = b.anchors.get(id) else {
                    return Err(err_at(&span, "unknown anchor"));
                };
                b.alias_nodes += anchor.nodes;
                let allowed = limits
                    .max_alias_nodes
                    .max(b.source_nodes.saturating_mul(limits.alias_ratio));
                if b.alias_nodes > allowed {
                    return Err(err_at(
                        &span,
                        format!(
                            "alias expansion exceeds {allowed} nodes (a \"billion laughs\" document?)"
                        ),
                    ));
                }
                let (v, n) = (anchor.value.clone(), anchor.nodes);
                if let Some(v) = b.push(v, n, false, &span)? {
                    root = Some(v);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                b.source_nodes += 1;
                let expecting_key = matches!(b.stack.last(), Some(Frame::Map { key: None, .. }));
                let is_merge =
                    expecting_key && style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                let null_tag = tag.as_deref().is_some_and(|t| {
                    (t.is_yaml_core_schema() || t.handle == "!!") && t.suffix == "null"
                });
                if text.is_empty()
                    && style == ScalarStyle::Plain
                    && (tag.is_none() || null_tag)
                    && !expecting_key
                {
                    b.record_empty_null();
                }
                let text = trim_block_at_eof(text, style, &span, src, &mut eof_chars);
                let plain = style == ScalarStyle::Plain;
                let spelled = (plain && tag.is_none() && !expecting_key && may_be_spelled(&text))
                    .then(|| text.to_string());
                if expecting_key
                    && plain
                    && tag.is_none()
                    && !is_merge
                    && limits.record_non_finite
                    && !resolve_plain(&text).is_string()
                {
                    return Err(err_at(
                        &span,
                        format!(
                            "mapping key {text} is not a string (Kustomize fails: JSON keys must be strings); quote it"
                        ),
                    ));
                }
                let inf = spelled.as_deref().is_some_and(non_finite) && !b.in_raw_metadata();
                if inf && limits.record_non_finite {
                    b.record_non_finite(&text);
                } else if inf && limits.reject_non_finite {
                    return Err(err_at(
                        &span,
                        format!(
                            "{text} is a float JSON cannot hold (Kustomize fails: json: unsupported value); quote it to keep it as text"
                        ),
                    ));
                }
                // A tagged number or boolean whose text reads plain as another type
                // (`!!float 1`) keeps its tag when Kustomize writes it back, so its type.
                let plain_type = tag.as_ref().map(|t| {
                    let plain = match resolve_plain(&text) {
                        Value::Number(n) if n.is_f64() => "float",
                        Value::Number(_) => "int",
                        Value::Bool(_) => "bool",
                        Value::Null => "null",
                        _ => "str",
                    };
                    plain != t.suffix.as_str()
                });
                let v = if limits.yaml11_booleans && style == ScalarStyle::Plain && tag.is_none() {
                    match yaml11_bool(&text) {
                        Some(b) => Value::Bool(b),
                        None => resolve_scalar(text, style, tag.as_deref(), &span)?,
                    }
                } else if !limits.yaml11_booleans && !expecting_key && b.in_raw_metadata() {
                    // Kustomize reads annotations as the text written (`0x1F`, `~`).
                    if style == ScalarStyle::Plain && tag.is_none() {
                        b.record_plain_annotation();
                    } else if null_tag {
                        b.record_null_tagged_annotation();
                    }
                    Value::String(text.into_owned())
                } else {
                    let v = resolve_scalar(text, style, tag.as_deref(), &span)?;
                    match v {
                        Value::String(s)
                            if !limits.yaml11_booleans
                                && style == ScalarStyle::Plain
                                && tag.is_none()
                                && looks_like_timestamp(&s) =>
                        {
                            Value::String(super::timestamp::normalize(&s).unwrap_or(s))
                        }
                        v => v,
                    }
                };
                let tag_kept = match &v {
                    Value::String(_) => true,
                    Value::Number(_) | Value::Bool(_) => plain_type == Some(true),
                    _ => false,
                };
                if tag.is_some() && tag_kept && !expecting_key {
                    b.record_tagged_string();
                }
                if !expecting_key {
                    match (&v, spelled) {
                        (Value::String(s), _)
                            if !plain && tag.is_none() && resolve_plain(s).is_string() =>
                        {
                            b.record_quoted_string()
                        }
                        (v, Some(t)) => {
                            if let Some(t) = spelling(&t, v) {
                                b.record_spelling(t);
                            }
                        }
                        _ => {}
                    }
                }
                b.remember(anchor, &v, 1);
                if let Some(v) = b.push(v, 1, is_merge, &span)? {
                    root = Some(v);
                }
            }
            Event::SequenceStart(anchor, _) => {
                b.check_depth(&span)?;
                b.source_nodes += 1;
                b.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    nodes: 1,
                });
            }
            Event::MappingStart(anchor, _) => {
                b.check_depth(&span)?;
                b.source_nodes += 1;
                b.stack.push(Frame::Map {
                    map: Map::new(),
                    key: None,
                    merged: Vec::new(),
                    anchor,
                    nodes: 1,
                    span,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (v, anchor, nodes) = match b.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        anchor,
                        nodes,
                    }) => (Value::Array(items), anchor, nodes),
                    Some(Frame::Map {
                        map,
                        merged,
                        anchor,
                        nodes,
                        ..
                    }) => (finish_map(map, merged), anchor, nodes),
                    None => return Err(err_at(&span, "unbalanced collection end")),
                };
                b.remember(anchor, &v, nodes);
                if let Some(v) = b.push(v, nodes, false, &span)? {
                    root = Some(v);
                }
            }
        }
    }
    // Guard against an unused frame (cannot happen with a well-formed event stream).
    if let Some(Frame::Map { span, .. }) = b.stack.last() {
        return Err(err_at(span, "unterminated mapping"));
    }
    Ok(docs)
}

/// A block scalar that ends the stream without a final newline has no line break to
/// keep (libyaml, hence go-yaml, reads it that way); the parser we use adds one.
fn trim_block_at_eof<'a>(
    text: Cow<'a, str>,
    style: ScalarStyle,
    span: &Span,
    src: &str,
    eof_chars: &mut Option<usize>,
) -> Cow<'a, str> {
    if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
        || src.ends_with('\n')
        || !text.ends_with('\n')
    {
        return text;
    }
    let total = *eof_chars.get_or_insert_with(|| src.chars().count());
    if span.end.index() < total {
        return text;
    }
    let mut s = text.into_owned();
    s.pop();
    Cow::Owned(s)
}

/// Resolves a scalar the way go-yaml v3 decodes it into an `interface{}`.
fn resolve_scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: &Span,
) -> Result<Value, YamlError> {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "binary" => Ok(Value::String(
                    super::timestamp::decode_binary(&text).unwrap_or_else(|| text.into_owned()),
                )),
                "timestamp" => Ok(Value::String(
                    super::timestamp::normalize(&text).unwrap_or_else(|| text.into_owned()),
                )),
                "str" => Ok(Value::String(text.into_owned())),
                "null" => Ok(Value::Null),
                "bool" => match resolve_plain(&text) {
                    v @ Value::Bool(_) => Ok(v),
                    _ => Err(err_at(span, format!("cannot decode {text:?} as a !!bool"))),
                },
                "int" => match resolve_plain(&text) {
                    v @ Value::Number(_) if !text.contains('.') => Ok(v),
                    _ => Err(err_at(span, format!("cannot decode {text:?} as an !!int"))),
                },
                "float" => match resolve_plain(&text) {
                    Value::Number(n) => Ok(Value::Number(n)),
                    _ => Err(err_at(span, format!("cannot decode {text:?} as a !!float"))),
                },
                _ => Ok(Value::String(text.into_owned())),
            };
        }
        if tag.handle == "!" && tag.suffix.is_empty() {
            return Ok(Value::String(text.into_owned()));
        }
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.into_owned()));
    }
    Ok(resolve_plain(&text))
}
