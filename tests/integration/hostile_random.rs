//! Seeded random mutations of a valid policy file, CRD file and diff ignore file (and of the
//! `kagentctl.io/exempt` annotation): whatever the mutation, reading never panics, and a
//! refusal names the file. Deterministic (a fixed seed per surface), so a failure
//! reproduces; the fuzz targets of `fuzz/` explore the same surfaces further.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kagentctl::check::{check_objects, crd, objects_from_yaml, CheckOptions, PolicyFile};
use kagentctl::diff::ignore::IgnoreRules;

/// Mutations per surface.
const CASES: usize = 1500;

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces that YAML readers and schema checks find hard.
const TOKENS: &[&str] = &[
    ": ",
    "\n",
    "\n  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "---\n",
    "\"",
    "'",
    "!!binary ",
    "!!str ",
    "!!int ",
    "\t",
    "#",
    "?",
    "|",
    ">-",
    "~",
    "null",
    "-1",
    "1e400",
    "0x1F",
    "true",
    "yes",
    "9223372036854775808",
    "../",
    "/etc/passwd",
    "*",
    "\u{feff}",
    "\u{0}",
    "\\",
    "%TAG ! x\n",
    "\u{e9}",
    "a.b",
    "[0]",
    "[\"k\"]",
    "$(x)",
    ";",
    "`",
];

/// One random mutation of `text`: a token inserted or substituted, a range deleted, a line
/// repeated, or two lines swapped; one to four of them.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..=rng.below(4) {
        let at = floor(&s, rng.below(s.len() + 1));
        match rng.below(5) {
            0 => s.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
            1 => {
                let end = floor(&s, (at + rng.below(12)).min(s.len()));
                s.replace_range(at..end, TOKENS[rng.below(TOKENS.len())]);
            }
            2 => {
                let end = floor(&s, (at + rng.below(40)).min(s.len()));
                s.replace_range(at..end, "");
            }
            3 => {
                let lines: Vec<&str> = s.lines().collect();
                let i = rng.below(lines.len());
                let mut out: Vec<&str> = lines.clone();
                if let Some(l) = lines.get(i) {
                    out.insert(i, l);
                }
                s = out.join("\n");
            }
            _ => {
                let mut lines: Vec<&str> = s.lines().collect();
                if lines.len() > 1 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(a, b);
                }
                s = lines.join("\n");
            }
        }
    }
    s
}

/// The largest char boundary of `s` at or before `i`.
fn floor(s: &str, i: usize) -> usize {
    (0..=i.min(s.len()))
        .rev()
        .find(|&j| s.is_char_boundary(j))
        .unwrap_or(0)
}

/// Runs `read` on `CASES` mutations of `seed`: no panic, and every error names `name`.
/// Returns (accepted, refused).
fn hammer(
    seed_value: u64,
    seed: &str,
    name: &str,
    mut read: impl FnMut(&str) -> Result<(), String>,
) -> (usize, usize) {
    let mut rng = Rng(seed_value);
    let (mut ok, mut refused) = (0, 0);
    assert_eq!(read(seed), Ok(()), "the seed itself is valid");
    for _ in 0..CASES {
        let text = mutate(&mut rng, seed);
        match catch_unwind(AssertUnwindSafe(|| read(&text))) {
            Err(_) => panic!("panic on:\n{text}"),
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => {
                assert!(e.contains(name), "{e}\non:\n{text}");
                refused += 1;
            }
        }
    }
    eprintln!("{name}: {CASES} mutations, {ok} accepted, {refused} refused");
    (ok, refused)
}

fn temp_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn random_mutations_of_a_policy_never_panic() {
    let seed = std::fs::read_to_string(crate::common::tree().join("policy.yaml")).expect("policy");
    let objects = objects_from_yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kagent\n  namespace: kagent\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x:latest\n",
        None,
    )
    .expect("objects");
    let (ok, refused) = hammer(0x5eed_0001, &seed, "policy.yaml", |text| {
        let pf = PolicyFile::parse(text, Path::new("policy.yaml")).map_err(|e| e.to_string())?;
        for (env, p) in &pf.environments {
            check_objects(&objects, Some(p), Some(env), &CheckOptions::default())
                .map_err(|e| format!("policy.yaml (check): {e}"))?;
        }
        Ok(())
    });
    assert!(ok > 0 && refused > 0, "{ok} accepted, {refused} refused");
}

#[test]
fn random_mutations_of_a_crd_never_panic() {
    let seed = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.g.example
spec:
  group: g.example
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              name: {type: string, pattern: '^[a-z]+$'}
              tags: {type: array, items: {type: string}}
              extra: {type: object, additionalProperties: {type: string}}
";
    let obj = objects_from_yaml(
        "apiVersion: g.example/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 0\n  name: A\n  tags: [1]\n  extra: {a: 1}\n",
        None,
    )
    .expect("objects");
    let tmp = tempfile::tempdir().expect("tmp");
    let (ok, refused) = hammer(0x5eed_0002, seed, "crd.yaml", |text| {
        let p = temp_file(tmp.path(), "crd.yaml", text);
        let crds = crd::load::read(&[p]).map_err(|e| e.to_string())?;
        let opts = CheckOptions {
            crds,
            ..CheckOptions::default()
        };
        check_objects(&obj, None, None, &opts).map_err(|e| format!("crd.yaml (check): {e}"))?;
        Ok(())
    });
    assert!(ok > 0 && refused > 0, "{ok} accepted, {refused} refused");
}

#[test]
fn random_mutations_of_an_ignore_file_never_panic() {
    let seed = "ignore:\n  - metadata.annotations[\"checksum/config\"]\n  - spec.template.spec.containers[name=app].image\n  - data.*\nignoreKinds: [Secret]\n";
    let old = vec![serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a", "annotations": {"checksum/config": "x"}}, "data": {"k": "v"}})];
    let new = vec![serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a"}, "data": {"k": "w", "l": "x"}})];
    let tmp = tempfile::tempdir().expect("tmp");
    let (ok, refused) = hammer(0x5eed_0003, seed, ".kagentctl-diff.yaml", |text| {
        let p = temp_file(tmp.path(), ".kagentctl-diff.yaml", text);
        let rules = IgnoreRules::load(&p).map_err(|e| e.to_string())?;
        let _ = rules.apply(&old, &new);
        Ok(())
    });
    assert!(ok > 0 && refused > 0, "{ok} accepted, {refused} refused");
}

#[test]
fn random_exempt_annotations_never_panic() {
    let seed = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    kagentctl.io/exempt: \"pinned-images, run-as-non-root\"\n    kagentctl.io/exempt-reason: a test\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x:latest\n";
    let policy = PolicyFile::parse(
        "environments:\n  prod:\n    pinnedImages: true\n    exemptions:\n      - {rule: pinned-images, resource: 'Deployment/*', container: 'a*', reason: r}\n",
        Path::new("policy.yaml"),
    )
    .expect("policy");
    let p = policy.env("prod").expect("prod");
    let (ok, refused) = hammer(0x5eed_0004, seed, "web.yaml", |text| {
        let objects =
            objects_from_yaml(text, Some(PathBuf::from("web.yaml"))).map_err(|e| e.to_string())?;
        check_objects(&objects, Some(p), Some("prod"), &CheckOptions::default())
            .map_err(|e| format!("web.yaml (check): {e}"))?;
        Ok(())
    });
    assert!(ok > 0 && refused > 0, "{ok} accepted, {refused} refused");
}
