//! `blame` leaves the render alone: on every committed conformance fixture, blame's output
//! is Kustomize's expected output with a comment appended to some lines, and it reads back
//! as the same YAML.

use std::path::{Path, PathBuf};

use kagentctl::build::{build_with_warnings, BuildOptions, LoadRestrictor};
use kagentctl::provenance::blame;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("target").is_file() && p.join("expected.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Checks that `blamed` is `rendered` with `  # ...` appended to some lines.
fn only_comments_added(blamed: &str, rendered: &str) -> Result<usize, String> {
    let b: Vec<&str> = blamed.split('\n').collect();
    let r: Vec<&str> = rendered.split('\n').collect();
    if b.len() != r.len() {
        return Err(format!("{} lines, expected {}", b.len(), r.len()));
    }
    let mut commented = 0;
    for (i, (bl, rl)) in b.iter().zip(&r).enumerate() {
        if bl == rl {
            continue;
        }
        let Some(rest) = bl.strip_prefix(rl) else {
            return Err(format!("line {}: {bl:?} does not start with {rl:?}", i + 1));
        };
        let comment = rest.trim_start_matches(' ');
        if rest.len() - comment.len() < 2 || !comment.starts_with("# ") {
            return Err(format!(
                "line {}: {rest:?} is not an appended comment",
                i + 1
            ));
        }
        commented += 1;
    }
    Ok(commented)
}

#[test]
fn blame_without_comments_is_the_render_on_every_fixture() {
    let cases = fixtures();
    assert!(cases.len() >= 200, "expected the conformance fixtures");
    let mut failures = Vec::new();
    let (mut lines, mut commented) = (0, 0);
    for case in &cases {
        let target = std::fs::read_to_string(case.join("target")).unwrap_or_default();
        let flags = std::fs::read_to_string(case.join("flags")).unwrap_or_default();
        let opts = BuildOptions {
            load_restrictor: if flags.contains("LoadRestrictionsNone") {
                LoadRestrictor::None
            } else {
                LoadRestrictor::RootOnly
            },
            provenance: true,
        };
        let want = std::fs::read_to_string(case.join("expected.yaml")).unwrap_or_default();
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let out = match build_with_warnings(&case.join("in").join(target.trim()), &opts) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let prov = out.provenance.clone().unwrap_or_default();
        let text = blame::annotate(out.resources.iter(), &prov, case);
        match only_comments_added(&text, &want) {
            Ok(n) => {
                commented += n;
                lines += want.lines().count();
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        // The comments are YAML comments: the text reads back as the same documents.
        let parse = |s: &str| {
            kagentctl::yaml::parse_documents(s, Default::default())
                .map(|d| d.into_iter().map(|d| d.value).collect::<Vec<_>>())
        };
        match (parse(&text), parse(&want)) {
            (Ok(a), Ok(b)) if a == b => {}
            (Err(e), _) => failures.push(format!("{name}: blame output does not parse: {e:?}")),
            _ => failures.push(format!("{name}: blame output reads back differently")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // Most lines get an origin.
    assert!(
        commented * 10 >= lines * 9,
        "{commented} of {lines} lines commented"
    );
    eprintln!(
        "{} fixtures, {commented} of {lines} lines commented",
        cases.len()
    );
}
