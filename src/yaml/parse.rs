//! YAML parsing into `serde_json::Value`, resolving plain scalars the way go-yaml v3
//! (which Kustomize's kyaml uses) does, with bounded alias expansion and nesting depth.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

/// Bounds that protect the parser against hostile input.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most nodes that alias expansion may add to a document, beyond
    /// `alias_ratio` times the nodes written out in the source.
    pub max_alias_nodes: usize,
    /// Allowed ratio of alias-expanded nodes to nodes in the source.
    pub alias_ratio: usize,
    /// Most documents in one file.
    pub max_documents: usize,
    /// Let a repeated mapping key override the earlier one (go-yaml v2, which reads
    /// kustomization files) instead of failing (go-yaml v3, which reads resources).
    pub allow_duplicate_keys: bool,
    /// Read YAML 1.1 booleans (`yes`, `no`, `on`, `off`, `y`, `n`) as go-yaml v2 does;
    /// Kustomize reads kustomization files that way, resources as YAML 1.2.
    pub yaml11_booleans: bool,
    /// Keep a `<<` key that is not a merge key (quoted or tagged) as an ordinary key
    /// (go-yaml v2, kustomization files) instead of dropping it with its value (what
    /// Kustomize's kyaml does to resources and patches).
    pub keep_quoted_merge_keys: bool,
    /// Read `metadata.labels` as the text written, as annotations always are (what
    /// Kustomize does to the patches listed under `patchesStrategicMerge:`).
    pub raw_labels: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
            alias_ratio: 10,
            max_documents: 1_000_000,
            allow_duplicate_keys: false,
            yaml11_booleans: false,
            keep_quoted_merge_keys: false,
            raw_labels: false,
        }
    }
}

impl Limits {
    /// The settings Kustomize reads kustomization files with (go-yaml v2): repeated keys
    /// override, YAML 1.1 booleans, quoted `<<` keys kept; the default bounds.
    pub fn kustomization() -> Self {
        Limits {
            allow_duplicate_keys: true,
            yaml11_booleans: true,
            keep_quoted_merge_keys: true,
            ..Limits::default()
        }
    }
}

/// A parse error with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct YamlError {
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

/// One YAML document with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's content (`Value::Null` for an empty document).
    pub value: Value,
    /// 1-based line where the document's content starts.
    pub line: usize,
    /// Paths (mapping keys only) of values written as nothing at all (`key:`), which
    /// Kustomize's strategic merge drops while it keeps an explicit `null`.
    pub empty_nulls: Vec<Vec<String>>,
    /// Paths (mapping keys only) of strings written with an explicit tag (`!!str 4`):
    /// Kustomize's replica count keeps a string only when quoting, not a tag, made it one.
    pub tagged_strings: Vec<Vec<String>>,
    /// Keys of `metadata.annotations` written as plain scalars (`a: 1e10`, not `a: "1e10"`):
    /// after a JSON 6902 patch Kustomize reads them back as YAML values.
    pub plain_annotations: Vec<String>,
}

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

    /// Records the key of a plain annotation value being added.
    fn record_plain_annotation(&mut self) {
        if let Some(Frame::Map {
            key: Some((k, false)),
            ..
        }) = self.stack.get(2)
        {
            let is_annotation = matches!(
                self.stack.get(1),
                Some(Frame::Map { key: Some((k, false)), .. }) if k == "annotations"
            );
            if is_annotation && self.plain_annotations.len() < 10_000 {
                let k = k.clone();
                self.plain_annotations.push(k);
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
                if text.is_empty() && style == ScalarStyle::Plain && tag.is_none() && !expecting_key
                {
                    b.record_empty_null();
                }
                let text = trim_block_at_eof(text, style, &span, src, &mut eof_chars);
                let v = if limits.yaml11_booleans && style == ScalarStyle::Plain && tag.is_none() {
                    match yaml11_bool(&text) {
                        Some(b) => Value::Bool(b),
                        None => resolve_scalar(text, style, tag.as_deref(), &span)?,
                    }
                } else if !limits.yaml11_booleans && !expecting_key && b.in_raw_metadata() {
                    // Kustomize reads annotations as the text written (`0x1F`, `~`).
                    if style == ScalarStyle::Plain && tag.is_none() {
                        b.record_plain_annotation();
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
                if tag.is_some() && v.is_string() && !expecting_key {
                    b.record_tagged_string();
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

/// go-yaml v2's YAML 1.1 booleans beyond `true`/`false`.
pub(super) fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
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

/// Resolves an untagged plain scalar: null, bool, int, float or string (YAML 1.2 core
/// schema as go-yaml v3 implements it, including its base-prefix integer parsing).
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        // JSON has no infinities or NaN: keep them as strings (go's json.Marshal
        // would fail on them, and Kustomize then errors; a string is the safe choice).
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Value::String(s.to_string()),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::String(s.to_string());
    }
    if looks_like_timestamp(s) {
        return Value::String(s.to_string());
    }
    // go-yaml hands a scalar led by '.' to Go's `strconv.ParseFloat` as written, which
    // allows '_' only between digits (checked with kubectl kustomize: `.5` is 0.5, `.5_5`
    // is 0.55, `.5_` and `._5` stay strings); other numbers lose every '_'.
    if first == b'.' {
        let plain = s.replace('_', "");
        if go_underscores_ok(s) && is_yaml_float(&plain) {
            if let Some(n) = plain.parse::<f64>().ok().and_then(Number::from_f64) {
                return Value::Number(n);
            }
        }
        return Value::String(s.to_string());
    }
    let plain: Cow<'_, str> = if s.contains('_') {
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    if let Some(v) = parse_go_int(&plain) {
        return v;
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(s.to_string())
}

/// Go's `strconv.underscoreOK` for a decimal number: every '_' sits between two digits.
fn go_underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, c)| {
        *c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    })
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: sign, then `0x`, `0o`, `0b`
/// or a leading `0` (octal) prefix.
fn parse_go_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.as_bytes();
    let (radix, digits) = if lower.len() > 2 && lower[0] == b'0' {
        match lower[1] {
            b'x' | b'X' => (16, &body[2..]),
            b'o' | b'O' => (8, &body[2..]),
            b'b' | b'B' => (2, &body[2..]),
            _ => (8, &body[1..]),
        }
    } else if lower.len() == 2 && lower[0] == b'0' && lower[1].is_ascii_digit() {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            let v = (mag as i128).wrapping_neg() as i64;
            return Some(Value::Number(v.into()));
        }
        None
    } else if mag <= i64::MAX as u64 {
        Some(Value::Number((mag as i64).into()))
    } else {
        Some(Value::Number(mag.into()))
    }
}

/// go-yaml v3's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if int_digits == 0 {
        if i >= b.len() || b[i] != b'.' {
            return false;
        }
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == fs {
            return false;
        }
    } else if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return false;
        }
    }
    i == b.len()
}

/// Timestamps such as `2001-12-14` stay strings when decoded into an interface.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && s[5..].chars().any(|c| c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
