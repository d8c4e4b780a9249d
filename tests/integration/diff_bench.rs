//! Micro-benchmark of `kagentctl diff` (ignored by default; it prints timings):
//!
//! ```sh
//! cargo test --release --test integration -- --ignored diff_bench:: --nocapture
//! ```
//!
//! The two kagent environments scaled to a 1000-resource tree: 100 copies of the golden
//! dev (9 objects) and prod (10 objects) renders, each copy renamed (`kagent-042`,
//! `kagent-config-042-<hash>`). Every dev object differs from its prod counterpart, and
//! the generated ConfigMaps pair up by hash suffix, so this is the worst case: 900
//! changed, 100 added.

use std::path::Path;
use std::time::{Duration, Instant};

use kagentctl::diff::diff_sets;
use kagentctl::diff::format::{render, Format, Options, Section};
use serde_json::Value;

const COPIES: usize = 100;

fn scaled(env: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{env}.yaml"));
    let src = std::fs::read_to_string(path).expect("golden");
    let docs =
        kagentctl::yaml::parse_documents(&src, kagentctl::yaml::Limits::default()).expect("parses");
    let mut out = Vec::with_capacity(docs.len() * COPIES);
    for i in 0..COPIES {
        for d in &docs {
            let mut v = d.value.clone();
            let name = v["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let renamed = match kagentctl::diff::generated_stem(&name) {
                Some(stem) => format!("{stem}-{i:03}{}", &name[stem.len()..]),
                None => format!("{name}-{i:03}"),
            };
            v["metadata"]["name"] = Value::String(renamed);
            out.push(v);
        }
    }
    out
}

/// The best of `runs` timings of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        last = Some(r);
    }
    (best, last.expect("at least one run"))
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture, in release mode"]
fn diff_two_environments_of_1000_resources() {
    let dev = scaled("dev");
    let prod = scaled("prod");
    assert_eq!((dev.len(), prod.len()), (900, 1000));

    let (t_match, report) = best(10, || diff_sets(&dev, &prod));
    assert_eq!(report.summary(), "900 changed, 100 added, 0 removed");
    let sections = vec![Section {
        label: "dev -> prod".into(),
        notes: Vec::new(),
        report,
        text_differs: false,
        ignored: Default::default(),
    }];
    let opts = Options {
        color: false,
        context: 3,
    };
    println!("diff of 900 vs 1000 resources (best of 10 runs):");
    println!("  match + field paths + masking: {t_match:?}");
    for f in [Format::Paths, Format::Text, Format::Markdown, Format::Json] {
        let (t, out) = best(10, || render(&sections, f, &opts));
        println!(
            "  + {f:?} output: {t:?} ({} KiB), total {:?}",
            out.len() / 1024,
            t + t_match
        );
    }

    // End to end through the binary: parse two rendered files, diff, print.
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, v: &[Value]| {
        let p = dir.path().join(name);
        std::fs::write(&p, kagentctl::yaml::emit_documents(v)).expect("write");
        p
    };
    let (a, b) = (write("dev.yaml", &dev), write("prod.yaml", &prod));
    let (t_cli, status) = best(5, || {
        std::process::Command::new(env!("CARGO_BIN_EXE_kagentctl"))
            .args(["diff", "--format", "text"])
            .arg(&a)
            .arg(&b)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("runs")
    });
    assert_eq!(status.code(), Some(1));
    println!("  kagentctl diff dev.yaml prod.yaml (process, parse, diff, text): {t_cli:?}");
}
