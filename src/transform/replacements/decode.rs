//! What a replacement says: the typed entry ([`Replacement`] and its parts) and its
//! decoding from a kustomization's `replacements:` entry or a ReplacementTransformer
//! configuration, field by field as Kustomize's Go types read it. Applying is in the
//! parent module.

use serde_json::Value;

use crate::gojson::{type_name, Fields};

/// Group/version/kind/name/namespace to compare ids with; empty parts match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSelector {
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind (compared literally).
    pub kind: String,
    /// Name (compared literally).
    pub name: String,
    /// Namespace (compared as an effective namespace: unset equals `default`).
    pub namespace: String,
}

impl std::fmt::Display for IdSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::resource::id_string(
            &self.kind,
            &self.version,
            &self.group,
            &self.name,
            &self.namespace,
        ))
    }
}

/// A target or reject selector: an id plus label and annotation selectors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// The id part.
    pub id: IdSelector,
    /// Kubernetes label selector (empty: any).
    pub label_selector: String,
    /// Kubernetes selector over annotations (empty: any).
    pub annotation_selector: String,
}

/// `options:` of a source or target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldOptions {
    /// Split the value on this string (empty: use the whole value).
    pub delimiter: String,
    /// Which part of the split value to read or replace (targets: below 0 prepends,
    /// past the end appends).
    pub index: i64,
    /// Create missing target fields.
    pub create: bool,
}

/// Where a replacement reads its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// The single object to read.
    pub id: IdSelector,
    /// Dotted field path (default `metadata.name`).
    pub field_path: String,
    /// Delimiter and index.
    pub options: FieldOptions,
}

/// Where a replacement writes its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Objects to write to (`None`: the entry lacked `select:`, an error when applied).
    pub select: Option<Selector>,
    /// Objects to leave alone.
    pub reject: Vec<Selector>,
    /// Dotted field paths (default `metadata.name`).
    pub field_paths: Vec<String>,
    /// Delimiter, index, create.
    pub options: FieldOptions,
}

/// One replacement: a source and its targets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replacement {
    /// `None` when the entry had no `source:` (an error when applied).
    pub source: Option<Source>,
    /// `None` when the entry had no `targets:` (an error when applied).
    pub targets: Option<Vec<Target>>,
}

const ID_FIELDS: [&str; 5] = ["group", "version", "kind", "name", "namespace"];

fn decode_id(f: &Fields<'_>, what: &str) -> std::result::Result<IdSelector, String> {
    Ok(IdSelector {
        group: f.string("group", what)?,
        version: f.string("version", what)?,
        kind: f.string("kind", what)?,
        name: f.string("name", what)?,
        namespace: f.string("namespace", what)?,
    })
}

fn decode_options(
    v: Option<&Value>,
    strict: bool,
    what: &str,
) -> std::result::Result<FieldOptions, String> {
    let what = format!("{what}.options");
    let Some(v) = v else {
        return Ok(FieldOptions::default());
    };
    let Some(f) = Fields::new(
        v,
        &["delimiter", "index", "encoding", "create"],
        strict,
        &what,
    )?
    else {
        return Ok(FieldOptions::default());
    };
    f.string("encoding", &what)?;
    Ok(FieldOptions {
        delimiter: f.string("delimiter", &what)?,
        index: f.int("index", &what)?,
        create: f.boolean("create", &what)?,
    })
}

fn decode_selector(
    v: &Value,
    strict: bool,
    what: &str,
) -> std::result::Result<Option<Selector>, String> {
    let mut names: Vec<&'static str> = ID_FIELDS.to_vec();
    names.extend(["labelSelector", "annotationSelector"]);
    let Some(f) = Fields::new(v, &names, strict, what)? else {
        return Ok(None);
    };
    Ok(Some(Selector {
        id: decode_id(&f, what)?,
        label_selector: f.string("labelSelector", what)?,
        annotation_selector: f.string("annotationSelector", what)?,
    }))
}

fn decode_source(
    v: &Value,
    strict: bool,
    what: &str,
) -> std::result::Result<Option<Source>, String> {
    let what = format!("{what}.source");
    let mut names: Vec<&'static str> = ID_FIELDS.to_vec();
    names.extend(["fieldPath", "options"]);
    let Some(f) = Fields::new(v, &names, strict, &what)? else {
        return Ok(None);
    };
    Ok(Some(Source {
        id: decode_id(&f, &what)?,
        field_path: f.string("fieldPath", &what)?,
        options: decode_options(f.get("options"), strict, &what)?,
    }))
}

fn decode_target(v: &Value, strict: bool, what: &str) -> std::result::Result<Target, String> {
    let names = ["select", "reject", "fieldPaths", "options"];
    let Some(f) = Fields::new(v, &names, strict, what)? else {
        return Ok(Target::default());
    };
    let select = match f.get("select") {
        Some(s) => decode_selector(s, strict, &format!("{what}.select"))?,
        None => None,
    };
    let mut reject = Vec::new();
    for (i, r) in f.list("reject", what)?.into_iter().flatten().enumerate() {
        // A null entry in the list decodes to an empty selector, which rejects nothing.
        if let Some(s) = decode_selector(r, strict, &format!("{what}.reject[{i}]"))? {
            reject.push(s);
        }
    }
    let mut field_paths = Vec::new();
    for p in f.list("fieldPaths", what)?.into_iter().flatten() {
        match p {
            Value::String(s) => field_paths.push(s.clone()),
            Value::Number(n) if !strict => field_paths.push(n.to_string()),
            Value::Bool(b) if !strict => field_paths.push(b.to_string()),
            Value::Null => field_paths.push(String::new()),
            other => {
                return Err(format!(
                    "{what}: fieldPaths entries must be strings, got {}",
                    type_name(other)
                ))
            }
        }
    }
    Ok(Target {
        select,
        reject,
        field_paths,
        options: decode_options(f.get("options"), strict, what)?,
    })
}

/// Decodes one replacement (`source` and `targets`); with `allow_path`, also `path`,
/// which is returned when set.
pub(crate) fn decode_replacement(
    v: &Value,
    strict: bool,
    allow_path: bool,
    what: &str,
) -> std::result::Result<(Replacement, String), String> {
    let names: &[&'static str] = if allow_path {
        &["source", "targets", "path"]
    } else {
        &["source", "targets"]
    };
    let Some(f) = Fields::new(v, names, strict, what)? else {
        return Ok((Replacement::default(), String::new()));
    };
    let source = match f.get("source") {
        Some(s) => decode_source(s, strict, what)?,
        None => None,
    };
    let targets = match f.list("targets", what)? {
        None => None,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, t) in list.iter().enumerate() {
                out.push(decode_target(t, strict, &format!("{what}.targets[{i}]"))?);
            }
            Some(out)
        }
    };
    let path = if allow_path {
        f.string("path", what)?
    } else {
        String::new()
    };
    Ok((Replacement { source, targets }, path))
}
