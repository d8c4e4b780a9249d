//! Builtin plugin configurations named under `transformers:` and `generators:`
//! (`apiVersion: builtin`, `kind: PrefixSuffixTransformer`, ...): each is mapped onto the
//! same transformer or generator code the kustomization fields use. Other plugins
//! (Go, exec, KRM functions) are refused.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::generate::{self, GenKind};
use crate::kustomization::{GeneratorArgs, GeneratorOptions, Image, Patch, Replica, Selector};
use crate::load::Loader;
use crate::resource::Resource;
use crate::schema::FieldSpec;
use crate::transform::builtin::Builtin;
use crate::transform::namespace;
use crate::transform::patch::{self as patching, LoadedPatch, PatchBody, PatchOptions};
use crate::transform::replacements::{self, Replacement};
use crate::yaml::{parse_documents, Limits};

fn parse<T: DeserializeOwned>(cfg: &Map<String, Value>, kfile: &Path) -> Result<T> {
    let mut c = cfg.clone();
    c.remove("apiVersion");
    c.remove("kind");
    serde_json::from_value(Value::Object(c)).map_err(|e| {
        Error::invalid(
            kfile,
            format!(
                "builtin {} configuration: {e}",
                cfg.get("kind").and_then(Value::as_str).unwrap_or("?")
            ),
        )
    })
}

/// A string map of a plugin config. Kustomize turns the config into JSON and reads that
/// into Go strings, so any scalar is accepted: numbers as JSON prints them (`0777` is
/// `"511"`, `1e10` is `"10000000000"`), booleans as `true`/`false`, `null` as `""`.
fn go_string_map<'de, D>(d: D) -> std::result::Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let m: Option<BTreeMap<String, Value>> = Option::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (k, v) in m.unwrap_or_default() {
        let s = match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => go_json_number(&n),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "value of {k:?} must be a string, got {other}"
                )))
            }
        };
        out.insert(k, s);
    }
    Ok(out)
}

/// A number as it reaches a Go string through JSON: Go's `encoding/json` form (shortest,
/// no exponent from 1e-6 to 1e21), then read back as YAML.
fn go_json_number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if !(n.is_i64() || n.is_u64()) => {
            if f != 0.0 && (f.abs() < 1e-6 || f.abs() >= 1e21) {
                // Read back as a YAML float and printed with Go's `%g`: a sign and at
                // least two exponent digits (`1e-07`, `1e+22`).
                let s = format!("{f:e}");
                match s.split_once('e') {
                    Some((m, e)) => {
                        let (sign, digits) = match e.strip_prefix('-') {
                            Some(d) => ('-', d),
                            None => ('+', e),
                        };
                        format!("{m}e{sign}{digits:0>2}")
                    }
                    None => s,
                }
            } else {
                format!("{f}")
            }
        }
        _ => n.to_string(),
    }
}

fn kind_of(cfg: &Map<String, Value>) -> (&str, &str) {
    (
        cfg.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
        cfg.get("kind").and_then(Value::as_str).unwrap_or(""),
    )
}

fn refuse(cfg: &Map<String, Value>, kfile: &Path) -> Error {
    let (av, kind) = kind_of(cfg);
    Error::invalid(
        kfile,
        format!(
            "plugin {av}/{kind} is not a builtin: kagentctl runs no external plugins (Go, exec or KRM functions); use a builtin transformer or render it beforehand"
        ),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PrefixSuffix {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    suffix: String,
    field_specs: Option<Vec<FieldSpec>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pairs {
    #[serde(default, deserialize_with = "go_string_map")]
    labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "go_string_map")]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    field_specs: Vec<FieldSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ns {
    metadata: Option<Meta>,
    #[serde(default)]
    field_specs: Vec<FieldSpec>,
    #[serde(default)]
    unset_only: bool,
    #[serde(default)]
    set_role_binding_subjects: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageTag {
    image_tag: Image,
    #[serde(default)]
    field_specs: Vec<FieldSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplicaCount {
    replica: Replica,
    #[serde(default)]
    field_specs: Vec<FieldSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchCfg {
    path: Option<String>,
    patch: Option<String>,
    target: Option<Selector>,
    options: Option<BTreeMap<String, bool>>,
    json_op: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmpCfg {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    patches: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValueAddCfg {
    #[serde(default)]
    value: String,
    #[serde(default)]
    targets: Vec<ValueAddTarget>,
    target_file_path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValueAddTarget {
    selector: Option<Selector>,
    #[serde(default)]
    field_path: String,
    #[serde(default)]
    file_path_position: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenCfg {
    metadata: Option<Meta>,
    name: Option<String>,
    namespace: Option<String>,
    behavior: Option<String>,
    #[serde(default)]
    literals: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    envs: Vec<String>,
    env: Option<String>,
    #[serde(rename = "type")]
    kind_type: Option<String>,
    options: Option<GeneratorOptions>,
}

/// The `configuredBy` lines of an origin or transformation record.
pub fn configured_by(cfg: &Map<String, Value>) -> String {
    let (av, kind) = kind_of(cfg);
    let mut s = format!("  apiVersion: {av}\n  kind: {kind}\n");
    let md = cfg.get("metadata").and_then(Value::as_object);
    for f in ["name", "namespace"] {
        if let Some(v) = md.and_then(|m| m.get(f)).and_then(Value::as_str) {
            s.push_str(&format!("  {f}: {v}\n"));
        }
    }
    s
}

/// Decodes one builtin transformer configuration into the step it describes, reading the
/// files it names (patch files) now: applying it ([`crate::transform::builtin::apply`])
/// reads nothing.
pub fn decode_transformer(
    cfg: &Map<String, Value>,
    ldr: &Loader,
    kfile: &Path,
) -> Result<Builtin<'static>> {
    let (av, kind) = kind_of(cfg);
    if av != "builtin" {
        return Err(refuse(cfg, kfile));
    }
    let e = |msg: String| Error::invalid(kfile, msg);
    Ok(match kind {
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
            let c: PrefixSuffix = parse(cfg, kfile)?;
            // Kustomize refuses a configuration without the option (an empty list is fine).
            let Some(field_specs) = c.field_specs else {
                return Err(e(format!(
                    "{kind}: fieldSpecs is not expected to be nil (name the fields to prefix, e.g. `fieldSpecs: [{{path: metadata/name}}]`)"
                )));
            };
            Builtin::PrefixSuffix {
                prefix: Cow::Owned(c.prefix),
                suffix: Cow::Owned(c.suffix),
                field_specs: Cow::Owned(field_specs),
            }
        }
        "LabelTransformer" => {
            let c: Pairs = parse(cfg, kfile)?;
            Builtin::Pairs {
                pairs: Cow::Owned(c.labels),
                field_specs: Cow::Owned(c.field_specs),
            }
        }
        "AnnotationsTransformer" => {
            let c: Pairs = parse(cfg, kfile)?;
            Builtin::Pairs {
                pairs: Cow::Owned(c.annotations),
                field_specs: Cow::Owned(c.field_specs),
            }
        }
        "NamespaceTransformer" => {
            let c: Ns = parse(cfg, kfile)?;
            let ns = c.metadata.map(|m| m.namespace).unwrap_or_default();
            let options = namespace::NsOptions {
                unset_only: c.unset_only,
                subjects: namespace::SubjectMode::parse(
                    c.set_role_binding_subjects.as_deref().unwrap_or(""),
                )
                .map_err(e)?,
            };
            Builtin::Namespace {
                namespace: Cow::Owned(ns),
                field_specs: Cow::Owned(c.field_specs),
                options,
            }
        }
        "ImageTagTransformer" => {
            let c: ImageTag = parse(cfg, kfile)?;
            Builtin::ImageTag {
                images: Cow::Owned(vec![c.image_tag]),
                field_specs: Cow::Owned(c.field_specs),
            }
        }
        "ReplicaCountTransformer" => {
            let c: ReplicaCount = parse(cfg, kfile)?;
            Builtin::ReplicaCount {
                replica: Cow::Owned(c.replica),
                field_specs: Cow::Owned(c.field_specs),
            }
        }
        "PatchTransformer" | "PatchJson6902Transformer" => {
            let c: PatchCfg = parse(cfg, kfile)?;
            let p = Patch {
                path: c.path,
                patch: c.patch.or(c.json_op),
                target: c.target,
                options: c.options,
            };
            let lp = decode_patch(ldr, kfile, &p)?;
            match (lp.body, lp.target) {
                // Like `patchesJson6902:` (no internal annotations on the objects).
                (body @ PatchBody::Json(_), Some(target)) if kind == "PatchJson6902Transformer" => {
                    Builtin::Json6902 {
                        body,
                        target,
                        options: lp.options,
                        build_annotations: false,
                    }
                }
                (body, target) => Builtin::Patch(patching::LoadedPatch {
                    body,
                    target,
                    options: lp.options,
                    source: lp.source,
                }),
            }
        }
        "PatchStrategicMergeTransformer" => {
            let c: SmpCfg = parse(cfg, kfile)?;
            let mut texts: Vec<String> = Vec::new();
            for p in &c.paths {
                texts.push(ldr.read_string(p)?.1);
            }
            if !c.patches.trim().is_empty() {
                texts.push(c.patches.clone());
            }
            let mut docs = Vec::new();
            for t in texts {
                match patching::parse_legacy_smp(&t, "PatchStrategicMergeTransformer").map_err(e)? {
                    PatchBody::Strategic(d) => docs.extend(d),
                    PatchBody::Json(_) => return Err(e("PatchStrategicMergeTransformer got a JSON patch".into())),
                }
            }
            Builtin::StrategicMergeById(docs)
        }
        "ReplacementTransformer" => Builtin::Replacement(Cow::Owned(
            decode_replacement_config(cfg, ldr, kfile)?,
        )),
        "ValueAddTransformer" => {
            let c: ValueAddCfg = parse(cfg, kfile)?;
            let mut value = c.value.trim().to_string();
            if value.is_empty() {
                value = ldr
                    .canonical()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
            }
            let mut targets = c.targets;
            if let Some(p) = c.target_file_path.filter(|p| !p.is_empty()) {
                let (path, text) = ldr.read_string(&p)?;
                let doc = crate::yaml::parse_first_document(&text, crate::yaml::Limits::default())
                    .map_err(|err| Error::yaml(&path, err))?;
                #[derive(Deserialize)]
                struct File {
                    #[serde(default)]
                    targets: Vec<ValueAddTarget>,
                }
                let f: File = serde_json::from_value(doc.map(|d| d.value).unwrap_or(Value::Null))
                    .map_err(|err| Error::invalid(&path, format!("ValueAddTransformer targets: {err}")))?;
                targets.extend(f.targets);
            }
            if targets.is_empty() {
                return Err(e("ValueAddTransformer: must specify at least one target".into()));
            }
            let mut out = Vec::with_capacity(targets.len());
            for t in targets {
                if t.field_path.is_empty() {
                    return Err(e("ValueAddTransformer: fieldPath cannot be empty".into()));
                }
                if t.file_path_position < 0 {
                    return Err(e(format!(
                        "ValueAddTransformer: value of FilePathPosition ({}) cannot be negative",
                        t.file_path_position
                    )));
                }
                out.push(crate::transform::valueadd::Target {
                    selector: t.selector,
                    field_path: t.field_path,
                    file_path_position: t.file_path_position.unsigned_abs() as usize,
                });
            }
            Builtin::ValueAdd {
                value,
                targets: out,
            }
        }
        "HashTransformer" => Builtin::HashSuffix,
        "SortOrderTransformer" => return Err(e(
            "SortOrderTransformer cannot be used under `transformers:`; use the kustomization's `sortOptions:` field".into(),
        )),
        _ => return Err(e(format!(
            "builtin transformer {kind:?} is not supported by kagentctl; supported: PrefixSuffixTransformer, LabelTransformer, AnnotationsTransformer, NamespaceTransformer, ImageTagTransformer, ReplicaCountTransformer, PatchTransformer, PatchStrategicMergeTransformer, PatchJson6902Transformer, ReplacementTransformer, ValueAddTransformer, HashTransformer"
        ))),
    })
}

/// Decodes one patch entry (a `patches:` or `patchesJson6902:` entry, or a
/// `PatchTransformer` configuration), reading its file when it names one.
pub fn decode_patch(ldr: &Loader, kfile: &Path, p: &Patch) -> Result<LoadedPatch> {
    let inline = p.patch.as_deref().map(str::trim).unwrap_or("");
    let path = p.path.as_deref().unwrap_or("");
    let (text, source) = match (inline.is_empty(), path.is_empty()) {
        (true, true) => {
            return Err(Error::invalid(
                kfile,
                "a patch must specify one of `patch` and `path`",
            ))
        }
        (false, false) => {
            return Err(Error::invalid(
                kfile,
                "a patch cannot set both `patch` and `path`",
            ))
        }
        (false, true) => (inline.to_string(), format!("[patch: {inline:?}]")),
        (true, false) => (ldr.read_string(path)?.1, format!("[path: {path:?}]")),
    };
    let body = if p.target.is_some() {
        patching::parse_targeted(&text, &source)
    } else {
        patching::parse(&text, &source)
    }
    .map_err(|e| Error::invalid(kfile, e))?;
    let opt = |k: &str| {
        p.options
            .as_ref()
            .and_then(|o| o.get(k))
            .copied()
            .unwrap_or(false)
    };
    Ok(LoadedPatch {
        body,
        target: p.target.clone(),
        options: PatchOptions {
            allow_name_change: opt("allowNameChange"),
            allow_kind_change: opt("allowKindChange"),
        },
        source,
    })
}

// ---------------------------------------------------------------------------------------
// Replacements: entries and the files they name, decoded before any transformer runs.

/// Reads the `replacements:` entries of a kustomization: inline replacements (decoded
/// strictly, as Kustomize decodes the kustomization file) and `path:` entries naming a
/// file that holds one replacement or a list of them (decoded leniently).
pub fn decode_replacements(
    entries: &[Value],
    ldr: &Loader,
    kfile: &Path,
) -> Result<Vec<Replacement>> {
    load_entries(entries, true, ldr, kfile)
}

/// Reads the configuration of a builtin `ReplacementTransformer` listed under
/// `transformers:` (its `replacements:` list, decoded leniently as Kustomize decodes
/// plugin configurations). `cfg_file` names the configuration for errors.
pub fn decode_replacement_config(
    cfg: &Map<String, Value>,
    ldr: &Loader,
    cfg_file: &Path,
) -> Result<Vec<Replacement>> {
    match cfg.get("replacements") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(entries)) => load_entries(entries, false, ldr, cfg_file),
        Some(other) => Err(Error::invalid(
            cfg_file,
            format!(
                "ReplacementTransformer: `replacements` must be a list, got {}",
                crate::gojson::type_name(other)
            ),
        )),
    }
}

fn load_entries(
    entries: &[Value],
    strict: bool,
    ldr: &Loader,
    kfile: &Path,
) -> Result<Vec<Replacement>> {
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let what = format!("replacements[{i}]");
        let (rep, path) = replacements::decode_replacement(entry, strict, true, &what)
            .map_err(|e| Error::invalid(kfile, e))?;
        if path.is_empty() {
            out.push(rep);
            continue;
        }
        if rep.source.is_some() || rep.targets.as_ref().is_some_and(|t| !t.is_empty()) {
            return Err(Error::invalid(
                kfile,
                format!("{what}: cannot specify both path and inline replacement"),
            ));
        }
        let (file, text) = ldr.read_string(&path)?;
        // Read with sigs.k8s.io/yaml, that is go-yaml v2: YAML 1.1 booleans, and a
        // repeated key overrides the earlier one.
        let limits = Limits {
            allow_duplicate_keys: true,
            yaml11_booleans: true,
            ..Limits::default()
        };
        let doc = parse_documents(&text, limits)
            .map_err(|e| Error::yaml(&file, e))?
            .into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(Value::Null);
        match &doc {
            Value::Array(items) => {
                for (j, item) in items.iter().enumerate() {
                    let (rep, _) = replacements::decode_replacement(item, false, false, &format!("[{j}]"))
                        .map_err(|e| Error::invalid(&file, e))?;
                    out.push(rep);
                }
            }
            Value::Object(_) => {
                let (rep, _) = replacements::decode_replacement(&doc, false, false, "replacement")
                    .map_err(|e| Error::invalid(&file, e))?;
                out.push(rep);
            }
            other => {
                return Err(Error::invalid(
                    &file,
                    format!(
                        "unsupported replacement type encountered within replacement path: {}; expected a replacement or a list of them",
                        crate::gojson::type_name(other)
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// Runs one builtin generator configuration.
pub fn run_generator(
    cfg: &Map<String, Value>,
    ldr: &Loader,
    kfile: &Path,
) -> Result<Vec<Resource>> {
    let (av, kind) = kind_of(cfg);
    if av != "builtin" {
        return Err(refuse(cfg, kfile));
    }
    match kind {
        "ConfigMapGenerator" | "SecretGenerator" => {
            let c: GenCfg = parse(cfg, kfile)?;
            let md = c.metadata.unwrap_or(Meta {
                name: String::new(),
                namespace: String::new(),
            });
            // The generator's own `name`/`namespace` win over the config's metadata.
            let args = GeneratorArgs {
                name: c.name.filter(|n| !n.is_empty()).or(Some(md.name)),
                namespace: c
                    .namespace
                    .filter(|n| !n.is_empty())
                    .or(Some(md.namespace))
                    .filter(|n| !n.is_empty()),
                behavior: c.behavior,
                literals: c.literals,
                files: c.files,
                envs: c.envs,
                env: c.env,
                kind_type: c.kind_type,
                options: c.options,
            };
            let gk = if kind == "SecretGenerator" { GenKind::Secret } else { GenKind::ConfigMap };
            Ok(vec![generate::generate(gk, &args, None, ldr, kfile)?])
        }
        "IAMPolicyGenerator" => iam_policy(cfg, kfile).map(|r| vec![r]),
        "HelmChartInflationGenerator" => Err(Error::invalid(
            kfile,
            "builtin HelmChartInflationGenerator needs helm, which kagentctl does not run; render the chart to YAML and list it under resources".to_string(),
        )),
        _ => Err(Error::invalid(
            kfile,
            format!("builtin generator {kind:?} is not supported by kagentctl; supported: ConfigMapGenerator, SecretGenerator, IAMPolicyGenerator"),
        )),
    }
}

/// GKE workload identity: a ServiceAccount annotated with its Google service account.
fn iam_policy(cfg: &Map<String, Value>, kfile: &Path) -> Result<Resource> {
    let get = |path: &[&str]| {
        crate::resource::get_str(cfg, path)
            .unwrap_or("")
            .to_string()
    };
    if get(&["cloud"]) != "gke" {
        return Err(Error::invalid(
            kfile,
            "IAMPolicyGenerator: only `cloud: gke` is supported",
        ));
    }
    let name = get(&["kubernetesService", "name"]);
    let ns = get(&["kubernetesService", "namespace"]);
    let gsa = format!(
        "{}@{}.iam.gserviceaccount.com",
        get(&["serviceAccount", "name"]),
        get(&["serviceAccount", "projectId"])
    );
    let mut md = Map::new();
    md.insert(
        "annotations".into(),
        Value::Object(Map::from_iter([(
            "iam.gke.io/gcp-service-account".to_string(),
            Value::String(gsa),
        )])),
    );
    md.insert("name".into(), Value::String(name));
    if !ns.is_empty() {
        md.insert("namespace".into(), Value::String(ns));
    }
    let obj = Map::from_iter([
        ("apiVersion".to_string(), Value::String("v1".into())),
        ("kind".to_string(), Value::String("ServiceAccount".into())),
        ("metadata".to_string(), Value::Object(md)),
    ]);
    Ok(Resource::new(
        obj,
        crate::resource::Origin {
            path: std::sync::Arc::new(kfile.to_path_buf()),
            line: 0,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loads_replacements_from_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("one.yaml"),
            "source:\n  name: a\ntargets:\n- select:\n    name: b\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("many.yaml"),
            "- source:\n    name: a\n  targets: []\n- source:\n    name: c\n  targets:\n  - options: {create: yes}\n",
        )
        .unwrap();
        let ldr = Loader::new(dir.path(), crate::load::LoadRestrictor::RootOnly).unwrap();
        let k = dir.path().join("kustomization.yaml");
        let got = decode_replacements(
            &[json!({"path": "one.yaml"}), json!({"path": "many.yaml"})],
            &ldr,
            &k,
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].source.as_ref().unwrap().id.name, "c");
        assert!(got[2].targets.as_ref().unwrap()[0].options.create);
        assert!(decode_replacements(
            &[json!({"path": "one.yaml", "source": {"name": "x"}})],
            &ldr,
            &k
        )
        .is_err());
        assert!(decode_replacements(&[json!({"path": "../escape.yaml"})], &ldr, &k).is_err());
    }
}
