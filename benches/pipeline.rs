//! Criterion benchmarks of the build pipeline's stages on synthetic trees (the trees of
//! `examples/gen_tree.rs`: depth-3 overlays over N base resources).
//!
//! ```text
//! cargo bench --bench pipeline                      # N = 100, 1000, 5000
//! KAGENTCTL_BENCH_SIZES=1000 cargo bench --bench pipeline -- transform
//! ```
//!
//! Stages: `parse` (YAML text to values, and to resources), `build` (the whole pipeline
//! without printing: the base alone, and the depth-3 overlay), one group per transformer
//! kind on the base's resources, `nameref` (name references after a prefix), `sort`
//! (legacy order) and `emit` (YAML output). Without `--bench` (as under `cargo test
//! --all-targets`) every benchmark runs once, on N = 100 only.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

use kagentctl::cli::{format_output, Format};
use kagentctl::kustomization::{Image, Replica, Selector};
use kagentctl::resource::ResMap;
use kagentctl::schema::default_config;
use kagentctl::schema::openapi::OpenApi;
use kagentctl::transform::patch::{self, LoadedPatch, PatchOptions};
use kagentctl::transform::{images, metadata, nameref, namespace, prefix_suffix, replicas};
use kagentctl::yaml::{parse_documents, Limits};
use kagentctl::BuildOptions;

#[allow(dead_code)]
#[path = "../examples/gen_tree.rs"]
mod gen_tree;

/// One generated tree and the inputs the stages need.
struct Input {
    n: usize,
    /// The depth-3 overlay (the build target).
    target: PathBuf,
    /// The base kustomization.
    base: PathBuf,
    /// The base's resources, built (generators run, hashes applied).
    base_map: ResMap,
    /// The depth-3 build, rendered.
    rendered: String,
    /// The depth-3 build.
    built: ResMap,
    _dir: tempfile::TempDir,
}

fn sizes() -> Vec<usize> {
    if let Ok(s) = std::env::var("KAGENTCTL_BENCH_SIZES") {
        return s.split(',').filter_map(|x| x.trim().parse().ok()).collect();
    }
    if std::env::args().any(|a| a == "--bench") {
        vec![100, 1000, 5000]
    } else {
        vec![100]
    }
}

fn inputs() -> &'static [Input] {
    static INPUTS: std::sync::OnceLock<Vec<Input>> = std::sync::OnceLock::new();
    INPUTS.get_or_init(|| {
        sizes()
            .into_iter()
            .map(|n| {
                let dir = tempfile::tempdir().expect("temporary directory");
                let target = gen_tree::generate(dir.path(), n, 3, 42);
                let base = dir.path().join("base");
                let opts = BuildOptions::default();
                let built = kagentctl::build(&target, &opts).expect("the tree builds");
                let base_map = kagentctl::build(&base, &opts).expect("the base builds");
                Input {
                    n,
                    rendered: format_output(&built, Format::Yaml),
                    target,
                    base,
                    base_map,
                    built,
                    _dir: dir,
                }
            })
            .collect()
    })
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

fn bench_parse(c: &mut Criterion) {
    let mut g = group(c, "parse");
    for i in inputs() {
        g.bench_with_input(BenchmarkId::new("yaml", i.n), i, |b, i| {
            b.iter(|| parse_documents(black_box(&i.rendered), Limits::default()).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("resources", i.n), i, |b, i| {
            b.iter(|| {
                kagentctl::load::parse_resources(
                    Path::new("out.yaml"),
                    black_box(&i.rendered),
                    Limits::default(),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn bench_build(c: &mut Criterion) {
    let mut g = group(c, "build");
    let opts = BuildOptions::default();
    for i in inputs() {
        g.bench_with_input(BenchmarkId::new("base", i.n), i, |b, i| {
            b.iter(|| kagentctl::build(black_box(&i.base), &opts).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("depth3", i.n), i, |b, i| {
            b.iter(|| kagentctl::build(black_box(&i.target), &opts).unwrap())
        });
    }
    g.finish();
}

/// Benchmarks `f` on a copy of the base's resources. `f` must be idempotent enough that
/// running it again on its own output costs the same (setting a namespace, labels...).
fn on_base(c: &mut Criterion, group_name: &str, name: &str, f: impl Fn(&mut ResMap)) {
    let mut g = group(c, group_name);
    for i in inputs() {
        let mut m = i.base_map.clone();
        g.bench_function(BenchmarkId::new(name, i.n), |b| {
            b.iter(|| f(black_box(&mut m)))
        });
    }
    g.finish();
}

fn selector(kind: &str, labels: &str) -> Selector {
    Selector {
        kind: Some(kind.into()),
        label_selector: Some(labels.into()),
        ..Default::default()
    }
}

fn bench_transforms(c: &mut Criterion) {
    let tc = default_config();
    on_base(c, "transform", "namespace", |m| {
        namespace::apply(m, "bench", &tc.name_space).unwrap()
    });
    let labels = BTreeMap::from([
        ("environment".to_string(), "bench".to_string()),
        ("rollout-wave".to_string(), "1".to_string()),
    ]);
    on_base(c, "transform", "common_labels", |m| {
        metadata::add_pairs(m, &labels, &tc.common_labels).unwrap()
    });
    on_base(c, "transform", "common_annotations", |m| {
        metadata::add_pairs(m, &labels, &tc.common_annotations).unwrap()
    });
    let imgs: Vec<Image> = [
        "registry.example.com/platform/app-server",
        "registry.example.com/data/indexer",
        "docker.io/library/nginx",
        "docker.io/library/redis",
        "quay.io/example/log-shipper",
        "ghcr.io/example-org/migrator",
    ]
    .iter()
    .map(|n| Image {
        name: Some(n.to_string()),
        new_tag: Some("v9.9.9".into()),
        ..Default::default()
    })
    .collect();
    on_base(c, "transform", "images", |m| {
        images::apply_all(m, &imgs, &tc.images).unwrap()
    });
    let reps: Vec<Replica> = ["app-0000", "app-0001", "app-0002"]
        .iter()
        .map(|n| Replica {
            name: n.to_string(),
            count: 3,
        })
        .collect();
    on_base(c, "transform", "replicas", |m| {
        for r in &reps {
            replicas::apply(m, r, &tc.replicas).unwrap()
        }
    });
    let smp = LoadedPatch {
        body: patch::parse(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        env:\n        - name: BENCH\n          value: \"1\"\n",
            "bench",
        )
        .unwrap(),
        target: Some(selector("Deployment", "tier=backend")),
        options: PatchOptions::default(),
        source: "bench".into(),
    };
    on_base(c, "transform", "patch_smp_selector", |m| {
        patch::apply(m, &smp, OpenApi::BUILTIN).unwrap()
    });
    let json = LoadedPatch {
        body: patch::parse(
            "- op: add\n  path: /metadata/annotations/bench\n  value: \"1\"\n- op: replace\n  path: /spec/revisionHistoryLimit\n  value: 3\n",
            "bench",
        )
        .unwrap(),
        target: Some(selector("Deployment|StatefulSet", "tier in (worker,cache)")),
        options: PatchOptions::default(),
        source: "bench".into(),
    };
    on_base(c, "transform", "patch_json6902_selector", |m| {
        patch::apply(m, &json, OpenApi::BUILTIN).unwrap()
    });
    // A prefix is not idempotent: time it on a fresh copy each iteration.
    let mut g = group(c, "transform");
    for i in inputs() {
        g.bench_function(BenchmarkId::new("prefix", i.n), |b| {
            b.iter_batched_ref(
                || i.base_map.clone(),
                |m| prefix_suffix::apply(m, "l1-", "", &tc.name_prefix, true).unwrap(),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn bench_nameref(c: &mut Criterion) {
    let tc = default_config();
    let mut g = group(c, "nameref");
    for i in inputs() {
        // References follow a prefix and a namespace, as in an overlay.
        let mut m = i.base_map.clone();
        prefix_suffix::apply(&mut m, "l1-", "", &tc.name_prefix, true).unwrap();
        namespace::apply(&mut m, "bench", &tc.name_space).unwrap();
        g.bench_function(BenchmarkId::new("fix", i.n), |b| {
            b.iter(|| nameref::fix(black_box(&mut m), &tc.name_reference).unwrap())
        });
    }
    g.finish();
}

fn bench_sort_emit(c: &mut Criterion) {
    let mut g = group(c, "sort");
    for i in inputs() {
        // Reversed input: the sort has work to do on every iteration.
        let mut rev: Vec<usize> = (0..i.built.len()).collect();
        rev.reverse();
        g.bench_function(BenchmarkId::new("legacy", i.n), |b| {
            b.iter_batched_ref(
                || {
                    let mut m = i.built.clone();
                    m.reorder(&rev);
                    m
                },
                |m| {
                    kagentctl::order::legacy_sort(
                        m,
                        &kagentctl::order::DEFAULT_ORDER_FIRST,
                        &kagentctl::order::DEFAULT_ORDER_LAST,
                    )
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
    let mut g = group(c, "emit");
    for i in inputs() {
        g.bench_with_input(BenchmarkId::new("yaml", i.n), i, |b, i| {
            b.iter(|| format_output(black_box(&i.built), Format::Yaml))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_parse,
    bench_build,
    bench_transforms,
    bench_nameref,
    bench_sort_emit
);
criterion_main!(benches);
