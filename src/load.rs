//! Loading from the file system: kustomization files, resource files (multi-document,
//! `kind: List`), and the files generators and patches name, under Kustomize's load
//! restrictions. Every read goes through the loader's [`FileSystem`] (the disk, or a
//! tree in memory).

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::fs::{Disk, FileSystem, SharedFs};
use crate::kustomization::{self, Kustomization, FILE_NAMES};
use crate::resource::{Origin, Resource};
use crate::yaml::{parse_documents, parse_first_document, Limits};

/// Whether files outside a kustomization's root may be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Only files inside the kustomization's directory (Kustomize's default).
    #[default]
    RootOnly,
    /// Any file.
    None,
}

/// Reads files relative to one kustomization's directory.
#[derive(Debug, Clone)]
pub struct Loader {
    root: PathBuf,
    canonical: PathBuf,
    restrictor: LoadRestrictor,
    fs: SharedFs,
}

/// Whether a resource entry names something remote (a URL or a git reference).
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.contains("?ref=")
}

/// Removes `.` and resolves `..` lexically, for messages and containment checks.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Loader {
    /// A loader rooted at directory `root` on the disk.
    pub fn new(root: &Path, restrictor: LoadRestrictor) -> Result<Loader> {
        Loader::with_fs(root, restrictor, Disk::shared())
    }

    /// A loader rooted at directory `root` of file system `fs`.
    pub fn with_fs(root: &Path, restrictor: LoadRestrictor, fs: SharedFs) -> Result<Loader> {
        let canonical = fs.canonicalize(root).map_err(|e| Error::io(root, e))?;
        if !fs.is_dir(&canonical) {
            return Err(Error::invalid(root, "is not a directory"));
        }
        Ok(Loader {
            root: root.to_path_buf(),
            canonical,
            restrictor,
            fs,
        })
    }

    /// The file system this loader reads.
    pub fn fs(&self) -> &dyn FileSystem {
        &*self.fs
    }

    /// A handle to the file system, for loaders of other directories.
    pub fn shared_fs(&self) -> SharedFs {
        self.fs.clone()
    }

    /// Reads and checks the root's kustomization (or component).
    pub fn load_kustomization(&self) -> Result<(PathBuf, Kustomization)> {
        load_kustomization_in(&*self.fs, &self.root)
    }

    /// The directory as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory with symlinks resolved.
    pub fn canonical(&self) -> &Path {
        &self.canonical
    }

    /// The restriction in force.
    pub fn restrictor(&self) -> LoadRestrictor {
        self.restrictor
    }

    /// Resolves `rel` against the root and checks the load restriction.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf> {
        if is_remote(rel) {
            return Err(Error::invalid(
                self.root.join(kustomization_name(&*self.fs, &self.root)),
                format!("remote resource {rel:?} refused: kagentctl never fetches from the network; vendor it into the tree"),
            ));
        }
        let path = self.root.join(rel);
        let canonical = self
            .fs
            .canonicalize(&path)
            .map_err(|e| Error::io(&path, e))?;
        if self.restrictor == LoadRestrictor::RootOnly && !canonical.starts_with(&self.canonical) {
            return Err(Error::invalid(
                self.root.join(kustomization_name(&*self.fs, &self.root)),
                format!(
                    "security; file '{}' is not in or below '{}' (load restrictor LoadRestrictionsRootOnly); move it into the kustomization's directory or pass --load-restrictor LoadRestrictionsNone",
                    canonical.display(),
                    self.canonical.display()
                ),
            ));
        }
        Ok(path)
    }

    /// Finds the root's kustomization file and checks it against the restriction, as
    /// Kustomize does: a `kustomization.yaml` that is a symlink leading out of the root
    /// is refused under `LoadRestrictionsRootOnly` (before anything reads it).
    pub fn kustomization_file(&self) -> Result<PathBuf> {
        let path = find_kustomization_file_in(&*self.fs, &self.root)?;
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            self.resolve(name)?;
        }
        Ok(path)
    }

    /// Reads a file named relative to the root, within the restriction.
    pub fn read_bytes(&self, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.resolve(rel)?;
        if self.fs.is_dir(&path) {
            return Err(Error::invalid(&path, "is a directory, expected a file"));
        }
        let bytes = self.fs.read(&path).map_err(|e| Error::io(&path, e))?;
        crate::memory::note_input(bytes.len());
        Ok((path, bytes))
    }

    /// Reads a UTF-8 text file named relative to the root.
    pub fn read_string(&self, rel: &str) -> Result<(PathBuf, String)> {
        let (path, bytes) = self.read_bytes(rel)?;
        let s =
            String::from_utf8(bytes).map_err(|_| Error::invalid(&path, "is not valid UTF-8"))?;
        Ok((path, s))
    }
}

fn kustomization_name(fs: &dyn FileSystem, dir: &Path) -> &'static str {
    FILE_NAMES
        .iter()
        .find(|f| fs.is_file(&dir.join(f)))
        .copied()
        .unwrap_or("kustomization.yaml")
}

/// Finds the kustomization file of `dir` on the disk.
pub fn find_kustomization_file(dir: &Path) -> Result<PathBuf> {
    find_kustomization_file_in(&Disk, dir)
}

/// Finds the kustomization file of `dir` in `fs`.
pub fn find_kustomization_file_in(fs: &dyn FileSystem, dir: &Path) -> Result<PathBuf> {
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| fs.is_file(p))
        .collect();
    match found.len() {
        1 => Ok(found.into_iter().next().unwrap_or_default()),
        0 => Err(Error::invalid(
            dir,
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory; create one or point at a directory that has one",
        )),
        _ => Err(Error::invalid(
            dir,
            "found multiple kustomization files; keep only one of kustomization.yaml, kustomization.yml, Kustomization",
        )),
    }
}

/// Reads and checks the kustomization (or component) of `dir` on the disk.
pub fn load_kustomization(dir: &Path) -> Result<(PathBuf, Kustomization)> {
    load_kustomization_in(&Disk, dir)
}

/// Reads and checks the kustomization (or component) of `dir` in `fs`.
pub fn load_kustomization_in(fs: &dyn FileSystem, dir: &Path) -> Result<(PathBuf, Kustomization)> {
    let path = find_kustomization_file_in(fs, dir)?;
    let bytes = fs.read(&path).map_err(|e| Error::io(&path, e))?;
    let text = String::from_utf8(bytes).map_err(|_| Error::invalid(&path, "is not valid UTF-8"))?;
    let limits = Limits::kustomization();
    // Kustomize unmarshals the file with go-yaml, which reads the first document only.
    let value = parse_first_document(&text, limits)
        .map_err(|e| Error::yaml(&path, e))?
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .unwrap_or_else(|| Value::Object(Map::new()));
    let Value::Object(mut map) = value else {
        return Err(Error::invalid(
            &path,
            "a kustomization must be a mapping of fields",
        ));
    };
    let unknown = kustomization::normalize_top_level(&mut map);
    if let Some((field, hint)) = unknown.first() {
        let hint = hint
            .map(|h| format!(" (did you mean '{h}'?)"))
            .unwrap_or_default();
        return Err(Error::invalid(
            &path,
            format!("invalid Kustomization: unknown field \"{field}\"{hint}"),
        ));
    }
    let k: Kustomization = serde_json::from_value(Value::Object(map))
        .map_err(|e| Error::invalid(&path, format!("invalid Kustomization: {e}")))?;
    if is_empty(&k) {
        return Err(Error::invalid(
            &path,
            "kustomization is empty: it sets no field besides apiVersion and kind",
        ));
    }
    crate::kustomization::check_written_keys(&k).map_err(|e| Error::invalid(&path, e))?;
    if let Some(kind) = k.kind.as_deref() {
        if !kind.is_empty() && kind != "Kustomization" && kind != "Component" {
            return Err(Error::invalid(
                &path,
                format!("kind should be Kustomization or Component, not {kind:?}"),
            ));
        }
    }
    if k.kind.as_deref() == Some("Component") {
        let av = k.api_version.as_deref().unwrap_or("");
        if !av.is_empty() && av != "kustomize.config.k8s.io/v1alpha1" {
            return Err(Error::invalid(
                &path,
                "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1",
            ));
        }
    }
    if let Some(openapi) = &k.openapi {
        if openapi.contains_key("path") && openapi.contains_key("version") {
            return Err(Error::invalid(
                &path,
                "openapi: builtin version and custom schema provided, cannot use both",
            ));
        }
        if let Some(v) = openapi.get("version") {
            if v != "v1.21.2" {
                return Err(Error::invalid(
                    &path,
                    format!("openapi: the specified OpenAPI version {v:?} is not built in (only v1.21.2 is)"),
                ));
            }
        }
        if let Some(p) = openapi.get("path") {
            let full = dir.join(p);
            if !fs.is_file(&full) {
                return Err(Error::invalid(
                    &path,
                    format!("openapi: schema file {p:?} not found"),
                ));
            }
        }
    }
    if let Some(av) = k.api_version.as_deref() {
        let ok = av.is_empty()
            || av == "kustomize.config.k8s.io/v1beta1"
            || av == "kustomize.config.k8s.io/v1alpha1";
        if !ok {
            return Err(Error::invalid(
                &path,
                format!("apiVersion {av:?} is not a kustomization apiVersion; use kustomize.config.k8s.io/v1beta1"),
            ));
        }
    }
    Ok((path, k))
}

/// Kustomize's `CheckEmpty`: every field but apiVersion and kind has its Go zero value
/// (an absent or null list or map, an empty string). The deprecated lists that Kustomize
/// folds into others first (`bases`, `imageTags`) count as empty when they have no
/// entries.
fn is_empty(k: &Kustomization) -> bool {
    let Kustomization {
        api_version: _,
        kind: _,
        metadata,
        openapi,
        name_prefix,
        name_suffix,
        namespace,
        common_labels,
        labels,
        common_annotations,
        patches_strategic_merge,
        patches_json6902,
        patches,
        images,
        image_tags,
        replacements,
        replicas,
        vars,
        sort_options,
        resources,
        components,
        crds,
        bases,
        config_map_generator,
        secret_generator,
        helm_globals,
        helm_charts,
        helm_chart_inflation_generator,
        generator_options,
        configurations,
        generators,
        transformers,
        validators,
        build_metadata,
    } = k;
    let no_str = |s: &Option<String>| s.as_deref().unwrap_or("").is_empty();
    let no_list = |l: Option<usize>| l.unwrap_or(0) == 0;
    metadata.as_ref().is_none_or(Value::is_null)
        && openapi.is_none()
        && no_str(name_prefix)
        && no_str(name_suffix)
        && no_str(namespace)
        && common_labels.is_none()
        && labels.is_none()
        && common_annotations.is_none()
        && patches_strategic_merge.is_none()
        && patches_json6902.is_none()
        && patches.is_none()
        && (images.is_none() && no_list(image_tags.as_ref().map(Vec::len)))
        && replacements.is_none()
        && replicas.is_none()
        && vars.is_none()
        && sort_options.is_none()
        && (resources.is_none() && no_list(bases.as_ref().map(Vec::len)))
        && components.is_none()
        && crds.is_none()
        && config_map_generator.is_none()
        && secret_generator.is_none()
        && helm_globals.is_none()
        && helm_charts.is_none()
        && helm_chart_inflation_generator.is_none()
        && generator_options.is_none()
        && configurations.is_none()
        && generators.is_none()
        && transformers.is_none()
        && validators.is_none()
        && build_metadata.is_none()
}

/// Parses a resource file into resources, expanding `kind: List` documents.
pub fn parse_resources(path: &Path, text: &str, limits: Limits) -> Result<Vec<Resource>> {
    let limits = Limits {
        record_non_finite: true,
        ..limits
    };
    // Kustomize splits resource files at `---` and reads each part alone, where a
    // directive has no document to belong to.
    if let Some(n) = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .position(|l| l.starts_with("%YAML") || l.starts_with("%TAG"))
    {
        return Err(Error::invalid(
            path,
            format!(
                "line {}: YAML directives (%YAML, %TAG) are not supported in resource files (Kustomize fails on them); remove the line",
                n + 1
            ),
        ));
    }
    let docs = parse_documents(text, limits).map_err(|e| Error::yaml(path, e))?;
    let single = is_one_document(text);
    let origin_path = Arc::new(path.to_path_buf());
    let mut out = Vec::new();
    for d in docs {
        match d.value {
            // An empty document or mapping is no resource (Kustomize skips both).
            Value::Null => {}
            Value::Object(m) if m.is_empty() => {}
            Value::Object(m) => {
                let first = out.len();
                let at = Place {
                    path,
                    origin: &origin_path,
                    line: d.line,
                };
                expand(m, &at, single, &mut out)?;
                // Empty-null paths are only known for a document that is one object.
                if out.len() == first + 1 {
                    out[first].empty_nulls = d.empty_nulls;
                    out[first].tagged_strings = d.tagged_strings;
                    out[first].quoted_strings = d.quoted_strings;
                    out[first].list_quoted = d.list_quoted;
                    out[first].list_plain = d.list_tagged;
                    out[first].record_spellings(d.plain_spellings);
                    out[first].undecodable = d
                        .non_finite
                        .into_iter()
                        .map(|(at, text)| crate::resource::Undecodable::non_finite(&at, text))
                        .collect();
                    let r = &mut out[first];
                    r.plain_annotations = d
                        .plain_annotations
                        .into_iter()
                        .filter_map(|k| {
                            let text = r.metadata_map("annotations")?.get(&k)?.as_str()?;
                            let text = text.to_string();
                            Some((k, text))
                        })
                        .collect();
                }
            }
            _ => {
                return Err(Error::invalid(
                    path,
                    format!("line {}: a resource must be a mapping (an object with apiVersion, kind and metadata)", d.line),
                ))
            }
        }
    }
    Ok(out)
}

/// Whether kyaml's reader sees the file as one document: no line starting with `---`
/// after the first line.
fn is_one_document(text: &str) -> bool {
    // Only the last line can start with `---` without a line after it.
    text.find("\n---")
        .is_none_or(|i| !text[i + 1..].contains('\n'))
}

/// Where a document was read: its file and line.
struct Place<'a> {
    path: &'a Path,
    origin: &'a Arc<PathBuf>,
    line: usize,
}

/// Adds the object `m` (a document, or an item of a List) to `out`, expanding Lists;
/// `split_by_reader`: `m` is the only document of its file, so kyaml's reader splits a
/// `kind: List` (see [`expand_items`]).
fn expand(
    m: Map<String, Value>,
    at: &Place<'_>,
    split_by_reader: bool,
    out: &mut Vec<Resource>,
) -> Result<()> {
    let (path, origin, line) = (at.path, at.origin, at.line);
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
    let is_list = kind.ends_with("List");
    if is_list {
        if let Some(items) = m.get("items") {
            return expand_items(kind, items, at, split_by_reader && kind == "List", out);
        }
    }
    if kind.is_empty() {
        return Err(Error::invalid(
            path,
            format!(
                "line {line}: missing kind in object; every resource needs apiVersion and kind"
            ),
        ));
    }
    let name = crate::resource::get_str(&m, &["metadata", "name"]).unwrap_or("");
    // Kustomize v5.5.0 needs a name even when `generateName` is set; a kind ending in
    // `List` without `items` is an object of its own, which needs none.
    if name.is_empty() && !is_list {
        return Err(Error::invalid(
            path,
            format!("line {line}: missing metadata.name in object of kind {kind}"),
        ));
    }
    let mut m = m;
    if !m.contains_key("metadata") {
        // Kustomize gives an object without metadata an empty map (a null one stays).
        m.insert("metadata".into(), Value::Object(Map::new()));
    }
    normalize_annotations(&mut m);
    out.push(Resource::new(
        m,
        Origin {
            path: Arc::clone(origin),
            line,
        },
    ));
    Ok(())
}

/// The objects of a List's `items` (Kustomize's resource factory): a null `items` is an
/// empty list, anything else but a sequence fails; each element is a resource, but for a
/// null or empty one, which is skipped. When kyaml's reader splits a `kind: List` (the
/// only document of its file: `by_reader`), it takes the children of any `items` node
/// instead: none for a scalar, and a mapping's keys, which are not resources.
fn expand_items(
    kind: &str,
    items: &Value,
    at: &Place<'_>,
    by_reader: bool,
    out: &mut Vec<Resource>,
) -> Result<()> {
    let (path, line) = (at.path, at.line);
    let not_a_resource = || {
        Error::invalid(
            path,
            format!(
                "line {line}: missing Resource metadata: an item of {kind}/items is not a mapping"
            ),
        )
    };
    let elements = match items {
        Value::Null => return Ok(()),
        Value::Array(a) => a,
        Value::Object(o) if by_reader => {
            return if o.is_empty() {
                Ok(())
            } else {
                Err(not_a_resource())
            };
        }
        _ if by_reader => return Ok(()),
        other => {
            let found = match other {
                Value::Bool(_) => "bool",
                Value::Number(_) => "a number",
                Value::String(_) => "string",
                _ => "map[string]interface {}",
            };
            return Err(Error::invalid(
                path,
                format!("line {line}: expected array in {kind}/items, but found {found}"),
            ));
        }
    };
    for it in elements {
        match it {
            Value::Null => {}
            Value::Object(o) if o.is_empty() => {}
            Value::Array(a) if a.is_empty() => {}
            Value::Object(o) => expand(o.clone(), at, false, out)?,
            _ => return Err(not_a_resource()),
        }
    }
    Ok(())
}

/// Kustomize rewrites annotations as strings when it reads an object (scalars keep their
/// text, `null` becomes "null", anything else ""), and drops an empty annotations map.
fn normalize_annotations(m: &mut Map<String, Value>) {
    let Some(Value::Object(md)) = m.get_mut("metadata") else {
        return;
    };
    match md.get_mut("annotations") {
        Some(Value::Object(a)) if a.is_empty() => {
            md.remove("annotations");
        }
        Some(Value::Object(a)) => {
            for v in a.values_mut() {
                let s = match v {
                    Value::String(_) => continue,
                    Value::Null => "null".to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                *v = Value::String(s);
            }
        }
        Some(Value::Null) => {
            md.remove("annotations");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Kustomization> {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::write(tmp.path().join("kustomization.yaml"), text).expect("write");
        load_kustomization(tmp.path()).map(|(_, k)| k)
    }

    #[test]
    fn an_empty_kustomization_is_an_error_as_in_kustomize() {
        for text in [
            "",
            "# nothing\n",
            "kind: Component\n",
            "apiVersion: v1\n",
            "namePrefix: \"\"\n",
            "resources: null\n",
            "bases: []\n",
            "---\n---\nresources: [a.yaml]\n",
        ] {
            let e = load(text).expect_err(text).to_string();
            assert!(e.contains("kustomization is empty"), "{text:?}: {e}");
        }
        for text in [
            "resources: []\n",
            "commonLabels: {}\n",
            "metadata: {}\n",
            "patchesJson6902: []\n",
            "patchesStrategicMerge: []\n",
        ] {
            assert!(load(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn only_the_first_document_of_a_kustomization_counts() {
        let k = load("resources: [a.yaml]\n---\n: : bad [\n").expect("first doc");
        assert_eq!(k.resources, Some(vec!["a.yaml".to_string()]));
    }

    #[test]
    fn a_non_utf8_kustomization_says_so() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::write(tmp.path().join("kustomization.yaml"), b"namePrefix: \xff\n").expect("w");
        let e = load_kustomization(tmp.path()).expect_err("bad utf8");
        assert!(e.to_string().contains("is not valid UTF-8"), "{e}");
    }
}
