//! The kustomization file: its types, field-name rules and deprecations.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// File names Kustomize accepts for a kustomization, in the order it looks for them.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A `kustomization.yaml` (or a `Component`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Kustomization {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<Value>,
    pub openapi: Option<BTreeMap<String, String>>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub namespace: Option<String>,
    #[serde(default, deserialize_with = "opt_string_map")]
    pub common_labels: Option<BTreeMap<String, String>>,
    pub labels: Option<Vec<Label>>,
    #[serde(default, deserialize_with = "opt_string_map")]
    pub common_annotations: Option<BTreeMap<String, String>>,
    pub patches_strategic_merge: Option<Vec<String>>,
    pub patches_json6902: Option<Vec<Patch>>,
    pub patches: Option<Vec<Patch>>,
    pub images: Option<Vec<Image>>,
    pub image_tags: Option<Vec<Image>>,
    pub replacements: Option<Vec<Value>>,
    pub replicas: Option<Vec<Replica>>,
    pub vars: Option<Vec<Value>>,
    pub sort_options: Option<crate::order::SortOptions>,
    pub resources: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub crds: Option<Vec<String>>,
    pub bases: Option<Vec<String>>,
    pub config_map_generator: Option<Vec<GeneratorArgs>>,
    pub secret_generator: Option<Vec<GeneratorArgs>>,
    pub helm_globals: Option<Value>,
    pub helm_charts: Option<Value>,
    pub helm_chart_inflation_generator: Option<Value>,
    pub generator_options: Option<GeneratorOptions>,
    pub configurations: Option<Vec<String>>,
    pub generators: Option<Vec<String>>,
    pub transformers: Option<Vec<String>>,
    pub validators: Option<Vec<String>>,
    pub build_metadata: Option<Vec<String>>,
}

/// One entry of `labels:`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Label {
    /// The labels to add.
    #[serde(default, deserialize_with = "string_map")]
    pub pairs: BTreeMap<String, String>,
    /// Also add them to selectors (and templates).
    #[serde(default)]
    pub include_selectors: bool,
    /// Also add them to pod templates.
    #[serde(default)]
    pub include_templates: bool,
    /// Custom field specs.
    #[serde(default)]
    pub fields: Vec<Value>,
}

/// One entry of `patches:` or `patchesJson6902:`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Patch {
    /// File holding the patch.
    pub path: Option<String>,
    /// Inline patch text.
    pub patch: Option<String>,
    /// Which resources to patch.
    pub target: Option<Selector>,
    /// Options such as `allowNameChange`.
    pub options: Option<BTreeMap<String, bool>>,
}

/// A resource selector (`target:` of a patch, `select:` of a replacement).
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

/// One entry of `images:`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Image {
    pub name: Option<String>,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
}

/// One entry of `replicas:`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replica {
    /// Name of the workload.
    pub name: String,
    /// Replica count (`null` is 0).
    #[serde(default, deserialize_with = "null_as_default")]
    pub count: i64,
}

/// `generatorOptions:` (also nested as `options:` in a generator).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorOptions {
    /// Labels added to generated objects.
    #[serde(default, deserialize_with = "opt_string_map")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations added to generated objects.
    #[serde(default, deserialize_with = "opt_string_map")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Whether to skip the content-hash suffix.
    pub disable_name_suffix_hash: Option<bool>,
    /// Marks generated objects immutable.
    pub immutable: Option<bool>,
}

/// One `configMapGenerator`/`secretGenerator` entry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct GeneratorArgs {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub behavior: Option<String>,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    pub env: Option<String>,
    #[serde(rename = "type")]
    pub kind_type: Option<String>,
    pub options: Option<GeneratorOptions>,
}

/// Canonical top-level field names; matched case-insensitively as Go's JSON decoder does.
const TOP_LEVEL_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// Renames top-level keys to their canonical spelling (case-insensitively); returns the
/// keys that match no field, with a close suggestion where one exists.
pub fn normalize_top_level(
    map: &mut serde_json::Map<String, Value>,
) -> Vec<(String, Option<&'static str>)> {
    let mut unknown = Vec::new();
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        if let Some(canon) = TOP_LEVEL_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&k)) {
            if *canon != k {
                if let Some(v) = map.remove(&k) {
                    map.insert((*canon).to_string(), v);
                }
            }
        } else {
            unknown.push((k.clone(), suggest(&k)));
        }
    }
    unknown
}

/// The known field closest to `k`, if any is close.
fn suggest(k: &str) -> Option<&'static str> {
    let lk = k.to_ascii_lowercase();
    TOP_LEVEL_FIELDS
        .iter()
        .map(|f| (edit_distance(&lk, &f.to_ascii_lowercase()), *f))
        .filter(|(d, _)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Refuses keys that Kustomize writes into objects as plain YAML keys which read back as
/// something other than a string (`1`, `true`, `null`, also `y` and `yes`, which go-yaml v2
/// turned into `true`): labels, annotations and generator literal keys. Kustomize fails on
/// them when it prints the objects (JSON keys must be strings).
pub fn check_written_keys(k: &Kustomization) -> Result<(), String> {
    let bad = |field: &str, key: &str| -> Result<(), String> {
        if crate::yaml::parse::resolve_plain(key).is_string() {
            Ok(())
        } else {
            Err(format!(
                "{field}: key {key:?} would be written as a YAML {} key, which Kustomize cannot print (JSON keys must be strings); choose another key",
                match crate::yaml::parse::resolve_plain(key) {
                    Value::Null => "null",
                    Value::Bool(_) => "boolean",
                    _ => "number",
                }
            ))
        }
    };
    let maps = |field: &str, m: Option<&BTreeMap<String, String>>| -> Result<(), String> {
        m.into_iter()
            .flatten()
            .try_for_each(|(key, _)| bad(field, key))
    };
    maps("commonLabels", k.common_labels.as_ref())?;
    maps("commonAnnotations", k.common_annotations.as_ref())?;
    for l in k.labels.iter().flatten() {
        maps("labels.pairs", Some(&l.pairs))?;
    }
    let opts = |field: &str, o: Option<&GeneratorOptions>| -> Result<(), String> {
        if let Some(o) = o {
            maps(&format!("{field}.labels"), o.labels.as_ref())?;
            maps(&format!("{field}.annotations"), o.annotations.as_ref())?;
        }
        Ok(())
    };
    opts("generatorOptions", k.generator_options.as_ref())?;
    for (field, gens) in [
        ("configMapGenerator", &k.config_map_generator),
        ("secretGenerator", &k.secret_generator),
    ] {
        for g in gens.iter().flatten() {
            for lit in &g.literals {
                // An empty key is the generator's error (invalid literal source).
                if let Some((key, _)) = lit.split_once('=').filter(|(k, _)| !k.trim().is_empty()) {
                    bad(&format!("{field} literals"), key.trim())?;
                }
            }
            opts(&format!("{field}.options"), g.options.as_ref())?;
        }
    }
    Ok(())
}

/// Deprecated fields and the warning Kustomize prints for each.
pub fn deprecation_warnings(k: &Kustomization) -> Vec<&'static str> {
    let mut w = Vec::new();
    if k.bases.is_some() {
        w.push("# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
    }
    if k.common_labels.is_some() {
        w.push("# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
    }
    if k.image_tags.is_some() {
        w.push("# Warning: 'imageTags' is deprecated. Please use 'images' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
    }
    if k.patches_json6902.is_some() {
        w.push("# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
    }
    if k.patches_strategic_merge.is_some() {
        w.push("# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
    }
    if k.vars.is_some() {
        w.push("# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.");
    }
    w
}

/// A string map in which `null` values read as `""`, as go-yaml reads them into a Go
/// `map[string]string` (`commonAnnotations: {a: null}` adds `a: ""`).
pub(crate) fn string_map<'de, D>(d: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let m: Option<BTreeMap<String, Option<String>>> = Option::deserialize(d)?;
    Ok(m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// [`string_map`] for an optional field.
fn opt_string_map<'de, D>(d: D) -> Result<Option<BTreeMap<String, String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let m: Option<BTreeMap<String, Option<String>>> = Option::deserialize(d)?;
    Ok(m.map(|m| {
        m.into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect()
    }))
}

/// A value in which `null` reads as the type's default (Go's zero value).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn top_level_names_are_case_insensitive() {
        let mut m = json!({"nameprefix": "a-", "Resources": ["x.yaml"], "namePrefx": 1})
            .as_object()
            .cloned()
            .unwrap();
        let unknown = normalize_top_level(&mut m);
        assert!(m.contains_key("namePrefix"));
        assert!(m.contains_key("resources"));
        assert_eq!(unknown, vec![("namePrefx".to_string(), Some("namePrefix"))]);
    }
}
