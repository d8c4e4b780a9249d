//! Provenance on the kagent tree: the exact origin of fields of the dev, prod and staging
//! renders, one or more per kind of build step; `explain` and `blame` on the command line,
//! with bad input.

use std::path::Path;

use kagentctl::build::{build_with_warnings, BuildOptions, BuildOutput};
use kagentctl::provenance::{self, Explanation};

use crate::common::{kagentctl, tree, write};

/// A copy of the kagent tree whose prod overlay also has a replacement (the shipped tree
/// has none); added at the end, so the lines above keep their numbers.
fn tree_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&tree(), dir.path());
    let k = dir.path().join("overlays/prod/kustomization.yaml");
    let mut text = std::fs::read_to_string(&k).expect("prod kustomization");
    text.push_str(
        "\n# Test only: copy the log level into a pod-template annotation.\n\
         replacements:\n  - source:\n      kind: ConfigMap\n      name: kagent-config\n      fieldPath: data.LOG_LEVEL\n    targets:\n      - select:\n          kind: StatefulSet\n          name: kagent\n        fieldPaths:\n          - spec.template.metadata.annotations.[vapora.io/log-level]\n        options:\n          create: true\n",
    );
    write(dir.path(), "overlays/prod/kustomization.yaml", &text);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// `file:line:column` of the one line of `file` (relative to `root`) that holds `needle`,
/// the column where `needle` starts: expected origins computed from the tree's files.
fn pos(root: &Path, file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(root.join(file)).expect("tree file");
    let hits: Vec<(usize, usize)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .collect();
    assert_eq!(hits.len(), 1, "{needle:?} in {file}: {hits:?}");
    format!("{file}:{}:{}", hits[0].0, hits[0].1)
}

fn build(root: &Path, env: &str) -> BuildOutput {
    let opts = BuildOptions {
        provenance: true,
        ..Default::default()
    };
    build_with_warnings(&root.join("overlays").join(env), &opts).expect("build")
}

/// `origin` and the first replaced value with its origin, as `explain` words them.
fn origin(out: &BuildOutput, root: &Path, target: &str, path: &str) -> (String, Option<String>) {
    let prov = out.provenance.as_ref().expect("provenance recorded");
    let r = provenance::find(&out.resources, target, None).expect("object");
    let e = Explanation::of(r, path).expect("field");
    let now = prov.describe(&e.node.origin, root, true);
    let was = e.node.was().first().map(|p| {
        format!(
            "{} from {}",
            provenance::show_value(&p.value),
            prov.describe(&p.origin, root, true)
        )
    });
    (now, was)
}

#[test]
fn prod_fields_name_the_line_that_set_them() {
    let t = tree_copy();
    let root = t.path();
    let out = build(root, "prod");
    let o = |target: &str, path: &str| origin(&out, root, target, path);
    let sts = "StatefulSet/kagent";
    let container = "spec.template.spec.containers[name=kagent]";
    // replicas:
    let prod_k = "overlays/prod/kustomization.yaml";
    let base_sts = "base/statefulset.yaml";
    assert_eq!(
        o(sts, "spec.replicas"),
        (
            format!("{} replicas[kagent]", pos(root, prod_k, "count: 5")),
            Some(format!("1 from {}", pos(root, base_sts, "replicas: 1")))
        )
    );
    // images: (the tag is the base's, restated by the overlay)
    assert_eq!(
        o(sts, &format!("{container}.image")),
        (
            format!(
                "{} images[ghcr.io/vapora/kagent]",
                pos(root, prod_k, "name: ghcr.io/vapora/kagent")
            ),
            Some(format!(
                "ghcr.io/vapora/kagent:0.4.2 from {}",
                pos(root, base_sts, "image: ghcr.io/vapora/kagent:0.4.2")
            ))
        )
    );
    // A strategic-merge patch from a file.
    assert_eq!(
        o(sts, &format!("{container}.resources.limits.cpu")),
        (
            format!(
                "{} patch",
                pos(root, "overlays/prod/statefulset-patch.yaml", "cpu: \"2\"")
            ),
            Some(format!("500m from {}", pos(root, base_sts, "cpu: 500m")))
        )
    );
    assert_eq!(
        o(
            sts,
            "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"
        )
        .0,
        "overlays/prod/statefulset-patch.yaml:15:15 patch"
    );
    // A value copied by a replacement.
    assert_eq!(
        o(sts, "spec.template.metadata.annotations[\"vapora.io/log-level\"]").0,
        "overlays/prod/kustomization.yaml:58:5 replacement[from ConfigMap/kagent-config data.LOG_LEVEL]"
    );
    // A hash-suffixed name, and the references that follow it.
    assert_eq!(
        o("ConfigMap/kagent-config", "metadata.name"),
        (
            "base/kustomization.yaml:28:5 hashSuffix".into(),
            Some("kagent-config from base/kustomization.yaml:28:5 generator".into())
        )
    );
    assert_eq!(
        o(sts, &format!("{container}.envFrom[0].configMapRef.name")),
        (
            "base/kustomization.yaml:28:5 nameReference follows ConfigMap kagent-config-742d79c4gt (hashSuffix)".into(),
            Some("kagent-config from base/statefulset.yaml:44:17".into())
        )
    );
    assert_eq!(
        o(sts, &format!("{container}.env[name=A2A_TOKEN].valueFrom.secretKeyRef.name")).0,
        "base/kustomization.yaml:36:5 nameReference follows Secret kagent-credentials-2c4m2hb74k (hashSuffix)"
    );
    // labels: into a selector (base, includeSelectors) and metadata only (prod).
    assert_eq!(
        o(
            sts,
            "spec.selector.matchLabels[\"app.kubernetes.io/part-of\"]"
        ),
        ("base/kustomization.yaml:15:7 labels".into(), None)
    );
    assert_eq!(
        o(sts, "metadata.labels[\"app.kubernetes.io/environment\"]").0,
        "overlays/prod/kustomization.yaml:18:7 labels"
    );
    // namespace:, commonAnnotations:
    assert_eq!(
        o(sts, "metadata.namespace").0,
        "base/kustomization.yaml:7:1 namespace[kagent]"
    );
    assert_eq!(
        o("PodDisruptionBudget/kagent", "metadata.namespace").0,
        "overlays/prod/kustomization.yaml:8:1 namespace[kagent]"
    );
    assert_eq!(
        o(sts, "metadata.annotations[\"vapora.io/environment\"]").0,
        "overlays/prod/kustomization.yaml:23:3 commonAnnotations"
    );
    // A JSON 6902 value (inline in the kustomization: line only).
    assert_eq!(
        o(
            "Service/kagent",
            "metadata.annotations[\"vapora.io/a2a-endpoint\"]"
        )
        .0,
        "overlays/prod/kustomization.yaml:47 json6902"
    );
    // Resource files.
    assert_eq!(
        o("PodDisruptionBudget/kagent", "spec.maxUnavailable"),
        ("overlays/prod/pdb.yaml:13:3".into(), None)
    );
    assert_eq!(
        o("Service/kagent-headless", "spec.clusterIP").0,
        "base/service.yaml:9:3"
    );
}

#[test]
fn dev_fields_name_the_line_that_set_them() {
    let root = tree();
    let out = build(&root, "dev");
    let o = |target: &str, path: &str| origin(&out, &root, target, path);
    // A generator literal merged over the base's.
    assert_eq!(
        o("ConfigMap/kagent-config", "data.LOG_LEVEL"),
        (
            "overlays/dev/kustomization.yaml:19:9 generator".into(),
            Some("info from base/kustomization.yaml:33:9 generator".into())
        )
    );
    assert_eq!(
        o("ConfigMap/kagent-config", "data.VAPORA_ENDPOINT"),
        ("base/kustomization.yaml:30:9 generator".into(), None)
    );
    assert_eq!(
        o("StatefulSet/kagent", "spec.replicas"),
        ("base/statefulset.yaml:10:3".into(), None)
    );
    assert_eq!(
        o(
            "StatefulSet/kagent",
            "spec.template.spec.containers[name=kagent].resources.requests.memory"
        ),
        (
            "overlays/dev/statefulset-patch.yaml:16:15 patch".into(),
            Some("128Mi from base/statefulset.yaml:65:15".into())
        )
    );
    assert_eq!(
        o(
            "StatefulSet/kagent",
            "spec.template.spec.containers[0].envFrom[0].configMapRef.name"
        )
        .0,
        "base/kustomization.yaml:28:5 nameReference follows ConfigMap kagent-config-6kfk4bttkb (hashSuffix)"
    );
}

#[test]
fn component_steps_are_marked() {
    let root = tree();
    let out = build(&root, "staging");
    let prov = out.provenance.as_ref().expect("provenance");
    let r = provenance::find(&out.resources, "Namespace/kagent", None).expect("namespace");
    let e = Explanation::of(r, "metadata.labels[istio-injection]").expect("label");
    let text = prov.describe(&e.node.origin, &root, false);
    assert!(
        text.starts_with("components/mesh/") && text.ends_with(" component patch"),
        "{text}"
    );
}

#[test]
fn provenance_changes_no_output_of_any_environment() {
    let root = tree();
    for env in ["dev", "prod", "staging"] {
        let with = build(&root, env);
        let without =
            build_with_warnings(&root.join("overlays").join(env), &BuildOptions::default())
                .expect("build");
        let a = kagentctl::cli::format_output(&with.resources, kagentctl::cli::Format::Yaml);
        let b = kagentctl::cli::format_output(&without.resources, kagentctl::cli::Format::Yaml);
        assert_eq!(a, b, "{env}");
        assert!(without.provenance.is_none() && without.resources.iter().all(|r| r.prov.is_none()));
    }
}

#[test]
fn explain_and_blame_on_the_command_line() {
    let root = tree();
    let out = kagentctl()
        .args(["explain", "--root"])
        .arg(&root)
        .args(["--env", "prod", "StatefulSet/kagent", "spec.replicas"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "StatefulSet kagent/kagent spec.replicas: 5\n  \
         set by overlays/prod/kustomization.yaml:28:5 replicas[kagent]\n  \
         replaced 1 from base/statefulset.yaml:10:3\n"
    );
    let out = kagentctl()
        .args(["explain", "--format", "json"])
        .arg(root.join("overlays/dev"))
        .args(["ConfigMap/kagent-config", "data.LOG_LEVEL"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["value"], "debug");
    assert_eq!(v["origin"]["line"], 19);
    assert_eq!(v["origin"]["column"], 9);
    assert_eq!(v["origin"]["step"], "generator");
    assert_eq!(v["was"][0]["value"], "info");
    assert_eq!(v["was"][0]["origin"]["line"], 33);

    let out = kagentctl()
        .args(["blame", "--root"])
        .arg(&root)
        .args(["--env", "prod", "StatefulSet/kagent"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("replicas:"))
        .expect("replicas line");
    assert!(
        line.ends_with(
            "# overlays/prod/kustomization.yaml:28 replicas[kagent] (was 1, base/statefulset.yaml:10)"
        ),
        "{line}"
    );
    // The whole render, blamed, is the render plus comments.
    let out = kagentctl()
        .args(["blame", "--root"])
        .arg(&root)
        .args(["--env", "prod"])
        .output()
        .expect("run");
    let blamed = String::from_utf8_lossy(&out.stdout).to_string();
    let golden = crate::common::golden("prod");
    assert_eq!(blamed.lines().count(), golden.lines().count());
    for (b, g) in blamed.lines().zip(golden.lines()) {
        assert!(b.starts_with(g), "{b:?} vs {g:?}");
    }
}

#[test]
fn bad_input_is_a_clear_usage_error() {
    let root = tree();
    let run = |args: &[&str]| {
        let out = kagentctl()
            .arg(args[0])
            .arg("--root")
            .arg(&root)
            .args(&args[1..])
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "explain",
                "--env",
                "prod",
                "StatefulSet/kagent",
                "spec.nope",
            ],
            "spec has no nope",
        ),
        (
            &[
                "explain",
                "--env",
                "prod",
                "StatefulSet/kagent",
                "spec.replicas[0]",
            ],
            "spec.replicas is not a list",
        ),
        (
            &[
                "explain",
                "--env",
                "prod",
                "StatefulSet/kagent",
                "spec.template[\"x",
            ],
            "unclosed quote",
        ),
        (
            &["explain", "--env", "prod", "Deployment/kagent", "spec"],
            "no object of kind Deployment",
        ),
        (&["explain", "--env", "prod", "kagent", "spec"], "KIND/NAME"),
        (
            &["explain", "--env", "nope", "StatefulSet/kagent", "spec"],
            "unknown environment",
        ),
        (&["blame", "--env", "prod", "a", "b"], "at most KIND/NAME"),
    ];
    for (args, want) in cases {
        let (code, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = kagentctl()
        .args(["explain", "/nonexistent/dir", "StatefulSet/x", "spec"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir"));
}

#[test]
fn check_findings_point_at_the_line_that_set_the_value() {
    // The prod overlay asks for too few replicas: the finding must land on its
    // `count:` line, not on the base's `replicas: 1`.
    let t = tree_copy();
    let k = t.path().join("overlays/prod/kustomization.yaml");
    let text = std::fs::read_to_string(&k).expect("read");
    assert!(text.contains("    count: 5\n"));
    write(
        t.path(),
        "overlays/prod/kustomization.yaml",
        &text.replace("    count: 5\n", "    count: 2\n"),
    );
    let run = |format: &str| {
        let out = kagentctl()
            .args(["check", "--env", "prod", "--format", format, "--root"])
            .arg(t.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let want = t.path().join("overlays/prod/kustomization.yaml");
    let want = want.to_string_lossy();
    let text = run("text");
    assert!(
        text.contains(&format!("--> {want}:28\n")),
        "text output:\n{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    let f = json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["rule"] == "replicas-minimum"))
        .expect("replicas finding");
    assert_eq!(f["file"], *want);
    assert_eq!(f["line"], 28);
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("sarif");
    let r = sarif["runs"][0]["results"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["ruleId"] == "replicas-minimum"))
        .expect("replicas result");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], *want);
    assert_eq!(loc["region"]["startLine"], 28);
}

#[test]
fn diff_explain_names_the_line_on_each_side_in_every_format() {
    let root = tree();
    let run = |format: &str| {
        let out = kagentctl()
            .args(["diff", "--env", "prod", "--against-env", "dev", "--explain"])
            .args(["--color", "never", "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let text = run("text");
    assert!(
        text.contains(
            "    spec.replicas: 1 -> 5\n      old: base/statefulset.yaml:10\n      \
             new: overlays/prod/kustomization.yaml:28 replicas[kagent]\n"
        ),
        "{text}"
    );
    let md = run("markdown");
    assert!(
        md.contains(
            "| StatefulSet kagent/kagent | `spec.replicas: 1 -> 5` | base/statefulset.yaml:10 | overlays/prod/kustomization.yaml:28 replicas[kagent] |"
        ),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    let fields = json["explain"][0]["fields"].as_array().expect("fields");
    let f = fields
        .iter()
        .find(|f| f["path"] == "spec.replicas")
        .expect("replicas");
    assert_eq!(f["old"]["file"], "base/statefulset.yaml");
    assert_eq!(f["old"]["line"], 10);
    assert_eq!(f["new"]["file"], "overlays/prod/kustomization.yaml");
    assert_eq!(f["new"]["line"], 28);
    assert_eq!(f["new"]["step"], "replicas");
    // One build per side is needed.
    let out = kagentctl()
        .args(["diff", "--check", "/nonexistent", "--explain", "--root"])
        .arg(&root)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--explain needs two builds"));
}

/// The two step kinds the kagent tree does not use: a name prefix and suffix, and a var.
#[test]
fn prefix_suffix_and_var_name_their_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    write(
        root,
        "base/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n        args:\n        - --peer=$(PEER)\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: peer\nspec:\n  ports:\n  - port: 80\n",
    );
    write(
        root,
        "base/kustomization.yaml",
        "resources:\n- app.yaml\nvars:\n- name: PEER\n  objref:\n    kind: Service\n    name: peer\n    apiVersion: v1\n",
    );
    write(
        root,
        "overlays/team/kustomization.yaml",
        "resources:\n- ../../base\nnamePrefix: team-\nnameSuffix: -v2\n",
    );
    let out = build(root, "team");
    let (name, was) = origin(&out, root, "Deployment/team-web-v2", "metadata.name");
    let k = "overlays/team/kustomization.yaml";
    assert_eq!(
        name,
        format!("{} nameSuffix[-v2]", pos(root, k, "nameSuffix: -v2"))
    );
    let was = was.expect("the prefixed name it replaced");
    assert_eq!(
        was,
        format!(
            "team-web from {} namePrefix[team-]",
            pos(root, k, "namePrefix: team-")
        )
    );

    let (arg, was) = origin(
        &out,
        root,
        "Deployment/team-web-v2",
        "spec.template.spec.containers[name=web].args[0]",
    );
    assert_eq!(
        arg,
        format!(
            "{} var[PEER]",
            pos(root, "base/kustomization.yaml", "name: PEER")
        )
    );
    assert_eq!(
        was.as_deref(),
        Some(
            format!(
                "--peer=$(PEER) from {}",
                pos(root, "base/app.yaml", "--peer=$(PEER)")
            )
            .as_str()
        )
    );
}
