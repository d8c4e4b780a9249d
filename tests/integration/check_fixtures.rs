//! The agreement-study fixtures (`tests/fixtures/check/`): `kagentctl check`'s schema
//! verdict on each fixture is the one recorded in `index.tsv`, and an invalid fixture breaks
//! exactly the one rule recorded there.

use std::collections::BTreeSet;
use std::path::PathBuf;

use kagentctl::check::{check_objects, objects_from_yaml, CheckOptions, Severity};

struct Row {
    file: String,
    verdict: String,
    rule: String,
    kubernetes_validate: String,
}

fn rows() -> (PathBuf, Vec<Row>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let index = std::fs::read_to_string(dir.join("index.tsv")).expect("index.tsv");
    let rows = index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 4, "bad index line {l:?}");
            Row {
                file: c[0].into(),
                verdict: c[1].into(),
                rule: c[2].into(),
                kubernetes_validate: c[3].into(),
            }
        })
        .collect();
    (dir, rows)
}

#[test]
fn every_fixture_is_indexed() {
    let (dir, rows) = rows();
    let indexed: BTreeSet<String> = rows.iter().map(|r| r.file.clone()).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    assert_eq!(indexed, on_disk);
    assert!(rows.len() >= 40, "the study needs at least 40 fixtures");
}

#[test]
fn verdicts_match_the_index() {
    let (dir, rows) = rows();
    let mut failures = Vec::new();
    let mut agree = 0;
    for row in &rows {
        let path = dir.join(&row.file);
        let src = std::fs::read_to_string(&path).expect("fixture");
        let objects = objects_from_yaml(&src, Some(path.clone())).expect("parse");
        // The verdict is the schema's (what kubernetes-validate decides); linter rules
        // (a lone Service selecting no pods, ...) are tested in check_lint.rs.
        let fs: Vec<_> = check_objects(&objects, None, None, &CheckOptions::default())
            .expect("check")
            .into_iter()
            .filter(|f| f.rule.starts_with("schema-"))
            .collect();
        let errors: BTreeSet<&str> = fs
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.rule)
            .collect();
        let notes: BTreeSet<&str> = fs
            .iter()
            .filter(|f| f.severity == Severity::Note)
            .map(|f| f.rule)
            .collect();
        let verdict = if errors.is_empty() {
            "valid"
        } else {
            "invalid"
        };
        let rules = if verdict == "valid" { &notes } else { &errors };
        let expected_rules: BTreeSet<&str> = if row.rule == "-" {
            BTreeSet::new()
        } else {
            [row.rule.as_str()].into()
        };
        if verdict != row.verdict || *rules != expected_rules {
            failures.push(format!(
                "{}: got {verdict} {rules:?}, index says {} {:?}: {fs:#?}",
                row.file, row.verdict, row.rule
            ));
        }
        if verdict == row.kubernetes_validate {
            agree += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The figure reported in docs/check.md.
    assert_eq!((agree, rows.len()), (35, 51));
}
