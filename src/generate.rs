//! ConfigMap and Secret generators: literals, files and env files, with generator options
//! and merge behaviours.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::kustomization::{GeneratorArgs, GeneratorOptions};
use crate::load::Loader;
use crate::resource::{Behavior, Origin, ResMap, Resource};

/// Which object a generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenKind {
    /// `configMapGenerator`.
    ConfigMap,
    /// `secretGenerator`.
    Secret,
}

/// Local options with the kustomization's `generatorOptions` merged in. A label or
/// annotation both set is the generator's own (checked with kubectl kustomize v5.5.0).
pub fn merge_options(
    local: Option<&GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut o = local.cloned().unwrap_or_default();
    if let Some(g) = global {
        for (from, to) in [
            (&g.labels, &mut o.labels),
            (&g.annotations, &mut o.annotations),
        ] {
            if let Some(from) = from {
                let to = to.get_or_insert_with(BTreeMap::new);
                for (k, v) in from {
                    to.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if g.disable_name_suffix_hash == Some(true) {
            o.disable_name_suffix_hash = Some(true);
        }
        if g.immutable == Some(true) {
            o.immutable = Some(true);
        }
    }
    o
}

fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// Base64 as Kustomize writes generated data: when the encoding is 70 characters or
/// longer it is cut into 70-character lines, each ending in a newline.
pub fn encode_base64(bytes: &[u8]) -> String {
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    const LINE: usize = 70;
    let lines = enc.len() / LINE + 1;
    if lines <= 1 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + lines);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Key/value pairs from env files, then literals, then files (Kustomize's order).
fn load_pairs(args: &GeneratorArgs, ldr: &Loader, kfile: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut pairs = Vec::new();
    let mut envs: Vec<&String> = args.envs.iter().collect();
    if let Some(e) = &args.env {
        envs.push(e);
    }
    for env in envs {
        let (path, bytes) = ldr.read_bytes(env)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::invalid(&path, "env file has invalid UTF-8"))?;
        for (n, raw) in text.lines().enumerate() {
            let mut line = raw;
            if n == 0 {
                line = line.trim_start_matches('\u{feff}');
            }
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Kustomize checks neither env file keys nor data keys (its validator is a
            // no-op; the API server judges them), and skips a line with an empty key.
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            if k.is_empty() {
                continue;
            }
            pairs.push((k.to_string(), v.as_bytes().to_vec()));
        }
    }
    for lit in &args.literals {
        let Some((k, v)) = lit.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(Error::invalid(
                kfile,
                format!("invalid literal source {lit:?}, expected key=value"),
            ));
        };
        pairs.push((k.to_string(), remove_quotes(v).as_bytes().to_vec()));
    }
    for src in &args.files {
        let (key, file) = match src.matches('=').count() {
            0 => (
                Path::new(src)
                    .file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or(src)
                    .to_string(),
                src.as_str(),
            ),
            1 => match src.split_once('=') {
                Some((k, f)) if !k.is_empty() && !f.is_empty() => (k.to_string(), f),
                _ => {
                    return Err(Error::invalid(
                        kfile,
                        format!("missing key name or file path in file source {src:?}"),
                    ))
                }
            },
            _ => {
                return Err(Error::invalid(
                    kfile,
                    format!("file source {src:?}: key name or file path contains '='"),
                ))
            }
        };
        let (_, bytes) = ldr.read_bytes(file)?;
        pairs.push((key, bytes));
    }
    Ok(pairs)
}

/// Runs one generator entry.
pub fn generate(
    kind: GenKind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    ldr: &Loader,
    kfile: &Path,
) -> Result<Resource> {
    let name = args.name.as_deref().unwrap_or("");
    if name.is_empty() {
        return Err(Error::invalid(
            kfile,
            "a generated configmap or secret must have a name",
        ));
    }
    let behavior = match args.behavior.as_deref().unwrap_or("") {
        "" | "create" => Behavior::Create,
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        // Kustomize treats any other word as "unspecified", which acts like create.
        _ => Behavior::Create,
    };
    let opts = merge_options(args.options.as_ref(), global);
    let mut data = Map::new();
    let mut binary = Map::new();
    let mut seen = std::collections::HashSet::new();
    for (k, v) in load_pairs(args, ldr, kfile)? {
        if k == "<<" {
            // Kustomize prints the key plain and reads it back as a YAML merge key.
            return Err(Error::invalid(
                kfile,
                format!("generator {name:?}: the key \"<<\" cannot be used: Kustomize reads it back as a YAML merge key (map merge requires map or sequence of maps as the value)"),
            ));
        }
        if !seen.insert(k.clone()) {
            return Err(Error::invalid(
                kfile,
                format!("configmap {name} illegally repeats the key `{k}`"),
            ));
        }
        match kind {
            GenKind::Secret => {
                data.insert(k, Value::String(encode_base64(&v)));
            }
            GenKind::ConfigMap => match String::from_utf8(v) {
                Ok(s) => {
                    data.insert(k, Value::String(s));
                }
                Err(e) => {
                    binary.insert(k, Value::String(encode_base64(e.as_bytes())));
                }
            },
        }
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert(
        "kind".into(),
        Value::String(
            if kind == GenKind::Secret {
                "Secret"
            } else {
                "ConfigMap"
            }
            .into(),
        ),
    );
    let mut md = Map::new();
    md.insert("name".into(), Value::String(name.into()));
    if let Some(ns) = args.namespace.as_deref().filter(|n| !n.is_empty()) {
        md.insert("namespace".into(), Value::String(ns.into()));
    }
    for (field, pairs) in [("labels", &opts.labels), ("annotations", &opts.annotations)] {
        if let Some(p) = pairs.as_ref().filter(|p| !p.is_empty()) {
            md.insert(
                field.into(),
                Value::Object(
                    p.iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect(),
                ),
            );
        }
    }
    obj.insert("metadata".into(), Value::Object(md));
    if kind == GenKind::Secret {
        obj.insert(
            "type".into(),
            Value::String(
                args.kind_type
                    .clone()
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "Opaque".into()),
            ),
        );
    }
    // Kustomize always gives a generated Secret a `data` map, a ConfigMap only when it
    // has entries.
    if !data.is_empty() || kind == GenKind::Secret {
        obj.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), Value::Object(binary));
    }
    if opts.immutable == Some(true) {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let mut r = Resource::new(
        obj,
        Origin {
            path: Arc::new(kfile.to_path_buf()),
            line: 0,
        },
    );
    r.needs_hash = opts.disable_name_suffix_hash != Some(true);
    r.behavior = behavior;
    Ok(r)
}

/// Adds a generated resource, merging with or replacing an existing one as its behavior
/// says (Kustomize's `appendReplaceOrMerge`).
pub fn absorb(m: &mut ResMap, mut r: Resource) -> std::result::Result<(), String> {
    let id = r.id();
    let matches: Vec<usize> = m
        .iter()
        .enumerate()
        .filter(|(_, x)| {
            x.has_had_name(&id.name)
                && x.any_id(|o| {
                    o.gvk == id.gvk
                        && o.name == id.name
                        && crate::transform::selector::effective_namespace(o)
                            == crate::transform::selector::effective_namespace(&id)
                })
        })
        .map(|(i, _)| i)
        .collect();
    match (matches.as_slice(), r.behavior) {
        ([], Behavior::Create) => m.append(r).map_err(|r| {
            format!(
                "may not add resource with an already registered id: {}",
                r.id()
            )
        }),
        ([], _) => Err(format!(
            "id {} does not exist; cannot merge or replace",
            id.kustomize_string()
        )),
        ([_], Behavior::Create) => Err(format!(
            "id {} exists; behavior must be merge or replace",
            id.kustomize_string()
        )),
        ([i], behavior) => {
            let i = *i;
            let Some(old) = m.get(i) else {
                return Err("id lookup failure".into());
            };
            let merge_map = |field: &str, old: &Resource, new: &Resource| -> Option<Value> {
                let mut out: BTreeMap<String, Value> = BTreeMap::new();
                let o = old
                    .obj
                    .get("metadata")
                    .and_then(|md| md.get(field))
                    .and_then(Value::as_object);
                let n = new
                    .obj
                    .get("metadata")
                    .and_then(|md| md.get(field))
                    .and_then(Value::as_object);
                if o.is_none() && n.is_none() {
                    return None;
                }
                for mm in [o, n].into_iter().flatten() {
                    for (k, v) in mm {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Some(Value::Object(out.into_iter().collect()))
            };
            let labels = merge_map("labels", old, &r);
            let mut annotations = merge_map("annotations", old, &r);
            if behavior == Behavior::Merge {
                // A merged object keeps the origin of the object it merged into.
                let old_origin = old
                    .metadata_map("annotations")
                    .and_then(|a| a.get(crate::resource::ORIGIN_ANNOTATION))
                    .cloned();
                if let (Some(Value::Object(a)), Some(o)) = (annotations.as_mut(), old_origin) {
                    a.insert(crate::resource::ORIGIN_ANNOTATION.into(), o);
                }
            }
            if behavior == Behavior::Merge {
                for field in ["data", "binaryData"] {
                    let mut out = old
                        .obj
                        .get(field)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    if let Some(n) = r.obj.get(field).and_then(Value::as_object) {
                        for (k, v) in n {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    if !out.is_empty() {
                        r.obj.insert(field.into(), Value::Object(out));
                    }
                }
            }
            let (name, ns) = (old.name().to_string(), old.namespace().to_string());
            let needs_hash = old.needs_hash && r.needs_hash;
            let prev = old.prev_ids.clone();
            let (prefixes, suffixes) = (old.prefixes.clone(), old.suffixes.clone());
            let md = r.metadata_mut();
            md.insert("name".into(), Value::String(name));
            if ns.is_empty() {
                md.remove("namespace");
            } else {
                md.insert("namespace".into(), Value::String(ns));
            }
            for (k, v) in [("labels", labels), ("annotations", annotations)] {
                match v {
                    Some(v) => {
                        md.insert(k.into(), v);
                    }
                    None => {
                        md.remove(k);
                    }
                }
            }
            r.needs_hash = needs_hash;
            r.prev_ids = prev;
            r.prefixes = prefixes;
            r.suffixes = suffixes;
            r.behavior = Behavior::Create;
            // The merged object keeps the record of who wrote its values (provenance).
            if let Some(old) = m.get_mut(i) {
                r.prov = old.prov.take();
            }
            m.replace(i, r);
            Ok(())
        }
        (_, _) => Err(format!(
            "found multiple objects that could accept merge of {}",
            id.kustomize_string()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadRestrictor;

    fn gen(kind: GenKind, args: GeneratorArgs, files: &[(&str, &str)]) -> Result<Resource> {
        let tmp = tempfile::tempdir().expect("tmp");
        for (name, text) in files {
            std::fs::write(tmp.path().join(name), text).expect("write");
        }
        let ldr = Loader::new(tmp.path(), LoadRestrictor::RootOnly)?;
        generate(
            kind,
            &args,
            None,
            &ldr,
            &tmp.path().join("kustomization.yaml"),
        )
    }

    #[test]
    fn empty_secret_has_data_map_and_empty_config_map_has_none() {
        let args = GeneratorArgs {
            name: Some("x".into()),
            ..Default::default()
        };
        let s = gen(GenKind::Secret, args.clone(), &[]).unwrap();
        assert_eq!(s.obj["data"], Value::Object(Map::new()));
        assert_eq!(s.obj["type"], "Opaque");
        let c = gen(GenKind::ConfigMap, args, &[]).unwrap();
        assert!(!c.obj.contains_key("data"));
        assert!(c.needs_hash);
    }

    #[test]
    fn literals_env_files_and_files_in_kustomize_order() {
        let args = GeneratorArgs {
            name: Some("x".into()),
            literals: vec!["A='quoted'".into(), "B=x=y".into()],
            envs: vec!["e.env".into()],
            files: vec!["k=f.txt".into()],
            ..Default::default()
        };
        let c = gen(
            GenKind::ConfigMap,
            args,
            &[
                ("e.env", "\u{feff}# comment\n\nE=1\nF\n"),
                ("f.txt", "hello\n"),
            ],
        )
        .unwrap();
        let data = c.obj["data"].as_object().unwrap();
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["A", "B", "E", "F", "k"]);
        assert_eq!(data["A"], "quoted");
        assert_eq!(data["B"], "x=y");
        assert_eq!(data["F"], "");
        assert_eq!(data["k"], "hello\n");
    }

    #[test]
    fn repeated_keys_and_bad_literals_are_errors() {
        let args = GeneratorArgs {
            name: Some("x".into()),
            literals: vec!["A=1".into(), "A=2".into()],
            ..Default::default()
        };
        assert!(gen(GenKind::ConfigMap, args, &[]).is_err());
        let args = GeneratorArgs {
            name: Some("x".into()),
            literals: vec!["novalue".into()],
            ..Default::default()
        };
        assert!(gen(GenKind::ConfigMap, args, &[]).is_err());
    }

    #[test]
    fn keys_are_not_validated_and_empty_env_keys_are_skipped() {
        let args = GeneratorArgs {
            name: Some("x".into()),
            literals: vec!["a b=1".into(), "a/b=2".into()],
            envs: vec!["e.env".into()],
            ..Default::default()
        };
        let c = gen(
            GenKind::ConfigMap,
            args,
            &[("e.env", "1BAD=3\n=4\nexport Y=5\n\u{e9}=6\n")],
        )
        .unwrap();
        let data = c.obj["data"].as_object().unwrap();
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["1BAD", "a b", "a/b", "export Y", "\u{e9}"]);
    }

    #[test]
    fn a_merge_key_as_data_key_fails_as_in_kustomize() {
        for kind in [GenKind::ConfigMap, GenKind::Secret] {
            let args = GeneratorArgs {
                name: Some("x".into()),
                literals: vec!["<<=v".into()],
                ..Default::default()
            };
            let e = gen(kind, args, &[]).unwrap_err().to_string();
            assert!(e.contains("merge key"), "{e}");
        }
    }

    #[test]
    fn long_base64_is_wrapped_at_70_columns() {
        assert_eq!(encode_base64(b"abc"), "YWJj");
        let long = encode_base64(&[b'x'; 60]);
        let lines: Vec<&str> = long.split_terminator('\n').collect();
        assert_eq!(lines[0].len(), 70);
        assert!(long.ends_with('\n'));
    }

    #[test]
    fn invalid_utf8_file_goes_to_binary_data() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::write(tmp.path().join("b.bin"), [0xff, 0xfe, 0x00]).expect("write");
        let ldr = Loader::new(tmp.path(), LoadRestrictor::RootOnly).unwrap();
        let args = GeneratorArgs {
            name: Some("x".into()),
            files: vec!["b.bin".into()],
            ..Default::default()
        };
        let c = generate(GenKind::ConfigMap, &args, None, &ldr, Path::new("k")).unwrap();
        assert_eq!(c.obj["binaryData"]["b.bin"], "//4A");
    }
}
