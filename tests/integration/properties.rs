//! Property tests (issue 7): the emitter round-trips any value, and rendering is
//! deterministic: the same bytes on repeated runs, whatever order the file system lists
//! files in and whatever order `resources:` names them in.

use std::collections::BTreeMap;
use std::path::Path;

use kagentctl::build::{build, BuildOptions};
use kagentctl::cli::{format_output, Format};
use kagentctl::yaml::{emit_document, emit_documents, parse_documents, Limits};
use proptest::prelude::*;
use serde_json::{json, Map, Number, Value};

// ---------------------------------------------------------------------------------------
// (a) The emitter round-trips any JSON-like value.

/// Characters go-yaml itself does not round-trip, or kubectl refuses to print
/// (`kagentctl::yaml::emit::kubectl_encode_error`): DEL and the C1 controls (NEL among
/// them), LS, PS, U+FFFE and U+FFFF.
fn excluded(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// Fragments that look like other YAML types or syntax, to be glued together.
const ATOMS: &[&str] = &[
    " ",
    "  ",
    "a",
    "Z",
    "0",
    "1",
    "9",
    ".",
    "e",
    "E",
    "-",
    "+",
    ":",
    ": ",
    "#",
    " #",
    "'",
    "\"",
    "\\",
    "\n",
    "\n\n",
    "\t",
    "\r",
    "\r\n",
    "é",
    "日",
    "😀",
    "\u{1}",
    "\u{a0}",
    "\u{feff}",
    "?",
    "!",
    "&",
    "*",
    "|",
    ">",
    "%",
    "@",
    "`",
    ",",
    "[",
    "]",
    "{",
    "}",
    "~",
    "y",
    "n",
    "yes",
    "no",
    "on",
    "off",
    "true",
    "False",
    "null",
    "NULL",
    "0x",
    "0o",
    "0b",
    "1e3",
    ".5",
    "1_000",
    "0777",
    "1:20",
    ".inf",
    "-.Inf",
    ".NaN",
    "2001-12-14",
    "2001-12-14T21:59:43.10-05:00",
    "---",
    "...",
    "<<",
    "=",
    "_",
    "/",
    "$patch",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Any Unicode (minus the excluded characters).
        any::<String>().prop_map(|s| s.chars().filter(|c| !excluded(*c)).collect()),
        prop::collection::vec(prop::sample::select(ATOMS), 0..12).prop_map(|v| v.concat()),
        // Long words, for line folding.
        prop::collection::vec("[a-z]{1,12}", 10..30).prop_map(|w| w.join(" ")),
    ]
}

/// Mapping keys: any text but `<<`, which go-yaml v2 prints plain and reads back as a
/// merge key (Kustomize fails on it; see hostile.rs).
fn key() -> impl Strategy<Value = String> {
    text().prop_filter("merge key", |k| k != "<<")
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (-1000i32..1000, 0u32..4).prop_map(|(m, e)| json!(f64::from(m) / 10f64.powi(e as i32))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Equal, with numbers compared by value: a float with an integral value is printed
/// without a fraction (as Go's JSON encoder, hence Kustomize, does) and reads back as
/// an integer.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn emit_then_parse_gives_the_value_back(v in value()) {
        let mut out = String::new();
        emit_document(&v, &mut out);
        let back = parse_documents(&out, Limits::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        prop_assert_eq!(back.len(), 1, "{}", out);
        prop_assert!(same(&back[0].value, &v), "emitted:\n{}\nback: {:?}", out, back[0].value);
    }

    #[test]
    fn a_stream_of_documents_round_trips(vs in prop::collection::vec(value(), 1..5)) {
        let out = emit_documents(vs.iter());
        let back = parse_documents(&out, Limits::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        prop_assert_eq!(back.len(), vs.len(), "{}", out);
        for (b, v) in back.iter().zip(&vs) {
            prop_assert!(same(&b.value, v), "emitted:\n{}", out);
        }
    }

    #[test]
    fn emitting_twice_gives_the_same_bytes(v in value()) {
        let (mut a, mut b) = (String::new(), String::new());
        emit_document(&v, &mut a);
        emit_document(&v.clone(), &mut b);
        prop_assert_eq!(a, b);
    }
}

#[test]
fn numbers_keep_their_value() {
    for v in [
        json!(1.0),
        json!(-0.0),
        json!(1e300),
        json!(5e-324),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(0.1),
        json!(123456789.125),
    ] {
        let mut out = String::new();
        emit_document(&v, &mut out);
        let back = parse_documents(&out, Limits::default()).expect("parses");
        assert!(same(&back[0].value, &v), "{v} -> {out}");
    }
}

// ---------------------------------------------------------------------------------------
// (b), (c) Rendering is deterministic.

/// One resource of a generated tree.
#[derive(Debug, Clone)]
struct Res {
    kind: &'static str,
    name: String,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    data: BTreeMap<String, String>,
}

impl Res {
    /// Kind and name: unique in a tree, since `namespace:` may move every object into
    /// one namespace.
    fn id(&self) -> (String, String) {
        (self.kind.to_string(), self.name.clone())
    }

    fn yaml(&self) -> String {
        let mut md = json!({ "name": self.name });
        if let Some(ns) = &self.namespace {
            md["namespace"] = json!(ns);
        }
        if !self.labels.is_empty() {
            md["labels"] = json!(self.labels);
        }
        let mut obj = json!({ "kind": self.kind, "metadata": md });
        match self.kind {
            "Deployment" => {
                obj["apiVersion"] = json!("apps/v1");
                obj["spec"] = json!({
                    "selector": { "matchLabels": { "app": self.name } },
                    "template": {
                        "metadata": { "labels": { "app": self.name } },
                        "spec": { "containers": [{
                            "name": "c",
                            "image": "nginx:1",
                            "envFrom": [{ "configMapRef": { "name": "gen-fixed" } }],
                        }] },
                    },
                });
            }
            "Service" => {
                obj["apiVersion"] = json!("v1");
                obj["spec"] =
                    json!({ "selector": { "app": self.name }, "ports": [{ "port": 80 }] });
            }
            "Role" => {
                obj["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
                obj["rules"] = json!([]);
            }
            "ClusterRole" => {
                obj["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
                if let Some(md) = obj["metadata"].as_object_mut() {
                    md.remove("namespace");
                }
            }
            _ => {
                obj["apiVersion"] = json!("v1");
                obj["data"] = json!(self.data);
            }
        }
        let mut out = String::new();
        emit_document(&obj, &mut out);
        out
    }
}

fn res() -> impl Strategy<Value = Res> {
    (
        prop::sample::select(vec![
            "ConfigMap",
            "Secret",
            "Service",
            "Deployment",
            "Role",
            "ClusterRole",
        ]),
        "[a-z][a-z0-9]{0,6}",
        prop::option::of(prop::sample::select(vec!["a", "b", "kube-system"])),
        prop::collection::btree_map("[a-z]{1,4}", "[a-z0-9]{0,4}", 0..3),
        prop::collection::btree_map("[a-z]{1,4}", "[ -~]{0,12}", 0..3),
    )
        .prop_map(|(kind, name, namespace, labels, data)| {
            let namespace = if kind == "ClusterRole" {
                None
            } else {
                namespace.map(str::to_string)
            };
            let data = if kind == "Secret" {
                data.into_keys()
                    .map(|k| (k, "dmFsdWU=".to_string()))
                    .collect()
            } else {
                data
            };
            Res {
                kind,
                name,
                namespace,
                labels,
                data,
            }
        })
}

/// A tree: resources spread over files (some in a sub-kustomization), and the
/// kustomization's own transformers.
#[derive(Debug, Clone)]
struct TreeSpec {
    /// (file name, resources in it)
    files: Vec<(String, Vec<Res>)>,
    /// How many of the files go into `base/` (a kustomization of its own).
    in_base: usize,
    name_prefix: String,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    literals: Vec<(String, String)>,
}

fn tree_spec() -> impl Strategy<Value = TreeSpec> {
    (
        prop::collection::vec(res(), 1..14),
        1usize..5,
        0usize..5,
        "[a-z]{0,3}",
        prop::option::of("[a-z]{1,5}"),
        prop::collection::btree_map("[a-z]{1,4}", "[a-z0-9]{1,4}", 0..3),
        prop::collection::btree_map("[A-Z]{1,4}", "[ -~]{0,10}", 0..4),
    )
        .prop_map(
            |(rs, nfiles, in_base, prefix, namespace, labels, literals)| {
                // Unique ids only: duplicates are an error, tested elsewhere.
                let mut seen = std::collections::BTreeSet::new();
                let rs: Vec<Res> = rs.into_iter().filter(|r| seen.insert(r.id())).collect();
                let mut files: Vec<(String, Vec<Res>)> = (0..nfiles)
                    .map(|i| (format!("r{i}.yaml"), Vec::new()))
                    .collect();
                for (i, r) in rs.into_iter().enumerate() {
                    files[i % nfiles].1.push(r);
                }
                files.retain(|(_, rs)| !rs.is_empty());
                let in_base = in_base.min(files.len());
                TreeSpec {
                    files,
                    in_base,
                    name_prefix: if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix}-")
                    },
                    namespace,
                    labels,
                    literals: literals.into_iter().collect(),
                }
            },
        )
}

impl TreeSpec {
    /// Every file of the tree: (relative path, contents). `order` permutes the entries
    /// of both `resources:` lists.
    fn files(&self, order: &[usize]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let (base, top) = self.files.split_at(self.in_base);
        let permuted = |names: Vec<String>| -> Vec<String> {
            let mut keyed: Vec<(usize, String)> = names
                .into_iter()
                .enumerate()
                .map(|(i, n)| (order.get(i).copied().unwrap_or(i), n))
                .collect();
            keyed.sort();
            keyed.into_iter().map(|(_, n)| n).collect()
        };
        for (dir, files) in [("base", base), ("top", top)] {
            for (name, rs) in files {
                let text: Vec<String> = rs.iter().map(Res::yaml).collect();
                out.push((format!("{dir}/{name}"), text.join("---\n")));
            }
        }
        let mut base_res: Vec<String> = base.iter().map(|(n, _)| n.clone()).collect();
        if base_res.is_empty() {
            base_res.push("empty.yaml".into());
            out.push(("base/empty.yaml".into(), String::new()));
        }
        out.push((
            "base/kustomization.yaml".into(),
            format!("resources:\n{}", list(&permuted(base_res))),
        ));
        let mut top_res: Vec<String> = top.iter().map(|(n, _)| n.clone()).collect();
        top_res.push("../base".into());
        let mut k = format!("resources:\n{}", list(&permuted(top_res)));
        if !self.name_prefix.is_empty() {
            k.push_str(&format!("namePrefix: {:?}\n", self.name_prefix));
        }
        if let Some(ns) = &self.namespace {
            // Quoted: kustomization files read YAML 1.1 booleans such as `y`.
            k.push_str(&format!("namespace: {ns:?}\n"));
        }
        if !self.labels.is_empty() {
            k.push_str("labels:\n- includeSelectors: true\n  pairs:\n");
            // Keys quoted too: a plain `y` or `no` is a YAML 1.1 boolean key, which
            // Kustomize cannot print.
            for (l, v) in &self.labels {
                k.push_str(&format!("    {l:?}: {v:?}\n"));
            }
        }
        k.push_str("configMapGenerator:\n- name: gen-fixed\n  literals:\n");
        for (l, v) in &self.literals {
            k.push_str(&format!("  - {:?}\n", format!("{l}={v}")));
        }
        k.push_str("  - FIXED=1\n");
        out.push(("top/kustomization.yaml".into(), k));
        out
    }
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| format!("- {n}\n")).collect()
}

/// Writes `files` under a fresh directory in the given order and renders `top`.
fn render(files: &[(String, String)], create_order: &[usize]) -> Result<String, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut idx: Vec<usize> = (0..files.len()).collect();
    idx.sort_by_key(|i| create_order.get(*i).copied().unwrap_or(*i));
    for i in idx {
        let (rel, text) = &files[i];
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(Path::new("."))).map_err(|e| e.to_string())?;
        std::fs::write(&p, text).map_err(|e| e.to_string())?;
    }
    let m = build(&tmp.path().join("top"), &BuildOptions::default()).map_err(|e| {
        e.to_string()
            .replace(&tmp.path().display().to_string(), "<tmp>")
    })?;
    Ok(format_output(&m, Format::Yaml))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// (b) The same tree rendered twice gives the same bytes.
    #[test]
    fn rendering_twice_gives_the_same_bytes(spec in tree_spec()) {
        let files = spec.files(&[]);
        let a = render(&files, &[]);
        let b = render(&files, &[]);
        prop_assert_eq!(&a, &b);
        prop_assert!(a.is_ok(), "{:?}\n{:#?}", a, files);
    }

    /// (c) Files created in another order (so listed in another order by the file
    /// system) and `resources:` entries in another order give the same bytes.
    #[test]
    fn rendering_is_independent_of_file_and_entry_order(
        spec in tree_spec(),
        create in Just((0..64).collect::<Vec<usize>>()).prop_shuffle(),
        entries in prop::collection::vec(0usize..100, 16),
    ) {
        let plain = render(&spec.files(&[]), &[]);
        prop_assert!(plain.is_ok(), "{:?}", plain);
        let shuffled = render(&spec.files(&entries), &create);
        prop_assert_eq!(plain, shuffled);
    }
}

/// The binary, run twice on the kagent tree and on a generated tree, prints the same
/// bytes (separate processes: separate hash seeds).
#[test]
fn the_binary_prints_the_same_bytes_every_run() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("kubernetes/kagent");
    let run = |args: &[&str]| {
        let out = assert_cmd::cargo::cargo_bin_cmd!("kagentctl")
            .env_remove("KAGENTCTL_ROOT")
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let root = tree.to_string_lossy().to_string();
    for env in ["dev", "prod"] {
        let args = ["render", "--env", env, "--root", &root];
        let first = run(&args);
        for _ in 0..3 {
            assert_eq!(run(&args), first, "{env}");
        }
    }
}
