//! The reader's shared types: the parsed [`Document`], the [`Limits`] that bound a
//! parse and the [`YamlError`] it reports. Both readers (the fast path and the full
//! parser) fill them; [`super::parse`] chooses between the two.

use serde_json::Value;

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
    /// Fail on a plain `.inf` or `.nan`: a float JSON cannot hold, on which Kustomize
    /// fails when it converts the file to JSON (kustomization files).
    pub reject_non_finite: bool,
    /// Record where a plain `.inf` or `.nan` is, outside annotations
    /// ([`Document::non_finite`]): Kustomize fails on it when it next converts the object
    /// to JSON, unless something replaced it (resources and patches).
    pub record_non_finite: bool,
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
            reject_non_finite: false,
            record_non_finite: false,
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
            reject_non_finite: true,
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
    /// Keys of `metadata.annotations` whose value carries an explicit `!!null` tag
    /// (`a: !!null`, `a: !!null x`): read as text like every annotation, but kyaml takes
    /// the node as null, so an untargeted strategic-merge patch deletes them.
    pub null_tagged_annotations: Vec<String>,
    /// Paths (mapping keys only, not in annotations) of untagged scalars written quoted or
    /// as block scalars whose text would be a string unquoted too: a strategic-merge
    /// patch's number replacing them becomes a string (see [`QuotedScalars`]).
    pub quoted_strings: Vec<Vec<String>>,
    /// Plain untagged scalars read as numbers or booleans whose text is not how they
    /// print (`0x1F`, `1e10`, `True`), by mapping-key path, with the text written.
    pub plain_spellings: Vec<(Vec<String>, String)>,
    /// The same as [`Document::quoted_strings`] for strings under a list, with list
    /// positions (fields of list elements, such as a container's `image`).
    pub list_quoted: Vec<Vec<PathStep>>,
    /// The same as [`Document::tagged_strings`] for strings under a list.
    pub list_tagged: Vec<Vec<PathStep>>,
    /// The same as [`Document::plain_spellings`] for scalars under a list.
    pub list_spellings: Vec<(Vec<PathStep>, String)>,
    /// Where plain `.inf` and `.nan` scalars are (kept as their text), with that text
    /// (see [`Limits::record_non_finite`]).
    pub non_finite: Vec<(Vec<PathStep>, String)>,
}

/// One step of a path into a document: a mapping key or a list position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A mapping key.
    Key(String),
    /// A list position.
    Index(usize),
}

/// Whether a string was written quoted (or as a block scalar) without a tag, from what a
/// parse recorded: not when tagged ([`Document::tagged_strings`]); yes when its path is in
/// `quoted` ([`Document::quoted_strings`]) or it would not be a string unquoted.
pub struct QuotedScalars<'a> {
    /// See [`Document::quoted_strings`].
    pub quoted: &'a [Vec<String>],
    /// See [`Document::tagged_strings`].
    pub tagged: &'a [Vec<String>],
    /// Strings known to be plain whatever their text (a strategic merge kept a plain
    /// target's style under a patch's `"4"`).
    pub plain: &'a [Vec<String>],
}

impl QuotedScalars<'_> {
    /// Whether the string `text` at the mapping-key `path` was written quoted.
    pub fn is_quoted(&self, path: &[String], text: &str) -> bool {
        let has = |v: &[Vec<String>]| v.iter().any(|p| p.as_slice() == path);
        !has(self.tagged)
            && !has(self.plain)
            && (has(self.quoted) || !super::scalar::resolve_plain(text).is_string())
    }
}
