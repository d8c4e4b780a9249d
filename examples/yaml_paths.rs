//! Differential check of the YAML fast path: for every `.yaml`/`.yml` file (and
//! `Kustomization`) under the given directories, parse with the fast path and with the
//! full parser, under resource and kustomization settings, and report disagreements.
//!
//! `cargo run --release --example yaml_paths -- DIR...`

use std::time::{Duration, Instant};

use kagentctl::yaml::parse::{both_paths, parse_documents, parse_documents_full, Limits};

fn main() {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        for e in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if e.file_type().is_file()
                && (name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization")
            {
                files.push(p.to_path_buf());
            }
        }
    }
    let kust = Limits::kustomization();
    let (mut fast, mut slow, mut bad) = (0usize, 0usize, 0usize);
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &files {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        for (limits, first_only) in [(Limits::default(), false), (kust, true)] {
            match both_paths(&src, limits, first_only) {
                (Err(why), _) => {
                    slow += 1;
                    *reasons.entry(why).or_default() += 1;
                    if std::env::var_os("SHOW").is_some_and(|w| w == why) {
                        println!("{why}: {}", f.display());
                    }
                }
                (Ok(a), Ok(b)) if a == b => fast += 1,
                (Ok(a), b) => {
                    bad += 1;
                    println!("DIFFERENT {} (first_only={first_only})", f.display());
                    println!(
                        "  fast: {:?}",
                        a.iter()
                            .map(|d| (d.line, &d.empty_nulls))
                            .collect::<Vec<_>>()
                    );
                    match &b {
                        Ok(b) => {
                            println!(
                                "  full: {:?}",
                                b.iter()
                                    .map(|d| (d.line, &d.empty_nulls))
                                    .collect::<Vec<_>>()
                            );
                            for (x, y) in a.iter().zip(b) {
                                if x.value != y.value {
                                    println!("  fast value: {}", x.value);
                                    println!("  full value: {}", y.value);
                                    break;
                                }
                            }
                        }
                        Err(e) => println!("  full: error {e}"),
                    }
                }
            }
        }
    }
    println!(
        "{} files: fast path {fast}, full parser {slow}, disagreements {bad}",
        files.len()
    );
    for (why, n) in reasons {
        println!("  {n:6}  {why}");
    }
    // Throughput over the files the fast path reads, each parsed both ways (best of 3).
    let (mut bytes, mut t_fast, mut t_full) = (0usize, Duration::ZERO, Duration::ZERO);
    for f in &files {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        if both_paths(&src, Limits::default(), false).0.is_err() {
            continue;
        }
        bytes += src.len();
        let best = |parse: &dyn Fn() -> bool| {
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    assert!(parse());
                    t.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        t_fast += best(&|| parse_documents(&src, Limits::default()).is_ok());
        t_full += best(&|| parse_documents_full(&src, Limits::default()).is_ok());
    }
    let mbs = |t: Duration| bytes as f64 / 1e6 / t.as_secs_f64().max(1e-9);
    println!(
        "throughput on {:.1} MB: fast path {:.0} MB/s, full parser {:.0} MB/s ({:.1}x)",
        bytes as f64 / 1e6,
        mbs(t_fast),
        mbs(t_full),
        t_full.as_secs_f64() / t_fast.as_secs_f64().max(1e-9)
    );
}
