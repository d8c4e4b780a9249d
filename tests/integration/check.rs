//! `kagentctl check`: the shipped renders pass, and each mutation of the prod render yields
//! exactly the expected finding.

use std::path::{Path, PathBuf};

use kagentctl::check::{
    check_objects, objects_from_yaml, CheckOptions, EnvPolicy, Finding, PolicyFile, Severity,
};

use crate::common::{golden, repo};

fn policy(env: &str) -> EnvPolicy {
    let pf = PolicyFile::load(&repo().join("kubernetes/kagent/policy.yaml")).expect("policy");
    pf.env(env).cloned().expect("env policy")
}

/// The findings that are not suppressed by an exemption (the prod policy exempts the
/// StatefulSet from `network-policy`; check_lint.rs covers exemptions).
fn check(src: &str, env: &str) -> Vec<Finding> {
    let objects = objects_from_yaml(src, Some(PathBuf::from("prod.yaml"))).expect("parse");
    check_objects(
        &objects,
        Some(&policy(env)),
        Some(env),
        &CheckOptions::default(),
    )
    .expect("check")
    .into_iter()
    .filter(|f| f.suppressed.is_none())
    .collect()
}

/// (rule, resource, path) of every finding.
fn summary(fs: &[Finding]) -> Vec<(String, String, String)> {
    fs.iter()
        .map(|f| (f.rule.to_string(), f.resource.to_string(), f.path.clone()))
        .collect()
}

fn one(rule: &str, resource: &str, path: &str) -> Vec<(String, String, String)> {
    vec![(rule.into(), resource.into(), path.into())]
}

fn mutate(from: &str, to: &str) -> String {
    let src = golden("prod");
    assert_eq!(
        src.matches(from).count(),
        1,
        "mutation anchor {from:?} must be unique"
    );
    src.replacen(from, to, 1)
}

const STS: &str = "StatefulSet kagent/kagent";

#[test]
fn shipped_renders_are_clean() {
    for env in ["dev", "prod"] {
        let fs = check(&golden(env), env);
        assert!(fs.is_empty(), "{env}: {fs:#?}");
    }
}

#[test]
fn prod_anti_affinity_back_to_preferred() {
    let src = mutate(
        "          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchLabels:
                app.kubernetes.io/name: kagent
            topologyKey: kubernetes.io/hostname
",
        "          preferredDuringSchedulingIgnoredDuringExecution:
          - podAffinityTerm:
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: kagent
                  app.kubernetes.io/part-of: vapora
              topologyKey: kubernetes.io/hostname
            weight: 100
",
    );
    let fs = check(&src, "prod");
    assert_eq!(
        summary(&fs),
        one(
            "pod-anti-affinity",
            STS,
            "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"
        )
    );
    assert_eq!(
        fs[0].message,
        "pod anti-affinity on kubernetes.io/hostname is only preferred, so several replicas may \
         land on the same node; the prod policy requires it"
    );
    assert!(fs[0]
        .fix
        .starts_with("replace preferredDuringSchedulingIgnoredDuringExecution by requiredDuringSchedulingIgnoredDuringExecution"));
    assert_eq!(fs[0].env.as_deref(), Some("prod"));
    assert_eq!(fs[0].severity, Severity::Error);
}

#[test]
fn prod_anti_affinity_selecting_other_pods() {
    let src = mutate(
        "                app.kubernetes.io/name: kagent\n            topologyKey",
        "                app.kubernetes.io/name: other\n            topologyKey",
    );
    let fs = check(&src, "prod");
    assert_eq!(
        summary(&fs),
        one(
            "pod-anti-affinity",
            STS,
            "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution"
        )
    );
}

#[test]
fn prod_one_replica() {
    let fs = check(&mutate("replicas: 5", "replicas: 1"), "prod");
    assert_eq!(summary(&fs), one("replicas-minimum", STS, "spec.replicas"));
    assert_eq!(
        fs[0].message,
        "runs 1 replica; the prod policy requires at least 3"
    );
}

#[test]
fn prod_limit_removed() {
    let fs = check(
        &mutate(
            "          limits:\n            cpu: \"2\"\n",
            "          limits:\n",
        ),
        "prod",
    );
    assert_eq!(
        summary(&fs),
        one(
            "container-limits",
            STS,
            "spec.template.spec.containers[0].resources.limits.cpu"
        )
    );
    assert_eq!(
        fs[0].message,
        "container kagent has no cpu limit; the prod policy requires one"
    );
    assert_eq!(fs[0].fix, "set resources.limits.cpu on container kagent");
}

#[test]
fn prod_image_latest() {
    let fs = check(
        &mutate(
            "ghcr.io/vapora/kagent:0.4.2",
            "ghcr.io/vapora/kagent:latest",
        ),
        "prod",
    );
    assert_eq!(
        summary(&fs),
        one(
            "image-pinned",
            STS,
            "spec.template.spec.containers[0].image"
        )
    );
    assert_eq!(
        fs[0].message,
        "image \"ghcr.io/vapora/kagent:latest\" uses the mutable tag latest"
    );
}

#[test]
fn prod_image_untagged() {
    let fs = check(
        &mutate("ghcr.io/vapora/kagent:0.4.2", "ghcr.io/vapora/kagent"),
        "prod",
    );
    assert_eq!(
        summary(&fs),
        one(
            "image-pinned",
            STS,
            "spec.template.spec.containers[0].image"
        )
    );
}

#[test]
fn prod_pdb_removed() {
    let src = golden("prod");
    let cut = src
        .find("---\napiVersion: policy/v1\nkind: PodDisruptionBudget")
        .expect("pdb in golden");
    let fs = check(&src[..cut], "prod");
    assert_eq!(
        summary(&fs),
        one(
            "pod-disruption-budget",
            STS,
            "spec.template.metadata.labels"
        )
    );
    assert_eq!(
        fs[0].message,
        "no PodDisruptionBudget in namespace kagent selects the pods of StatefulSet kagent/kagent"
    );
}

#[test]
fn prod_pdb_selecting_other_pods_or_blocking_drains() {
    let src = golden("prod");
    let pdb_at = src.find("kind: PodDisruptionBudget").expect("pdb");
    let (head, tail) = src.split_at(pdb_at);
    let other = format!(
        "{head}{}",
        tail.replace(
            "      app.kubernetes.io/part-of: vapora",
            "      app.kubernetes.io/part-of: other"
        )
    );
    let fs = check(&other, "prod");
    assert_eq!(
        summary(&fs),
        one(
            "pod-disruption-budget",
            STS,
            "spec.template.metadata.labels"
        )
    );
    let blocking = format!(
        "{head}{}",
        tail.replace("maxUnavailable: 1", "maxUnavailable: 0")
    );
    let fs = check(&blocking, "prod");
    assert_eq!(
        summary(&fs),
        one(
            "pod-disruption-budget",
            "PodDisruptionBudget kagent/kagent",
            "spec.maxUnavailable"
        )
    );
}

#[test]
fn prod_misspelt_replicas() {
    let fs = check(&mutate("replicas: 5", "replica: 5"), "prod");
    assert_eq!(
        summary(&fs),
        vec![
            (
                "schema-unknown-field".into(),
                STS.into(),
                "spec.replica".into()
            ),
            // Without `replicas` the StatefulSet runs the default single replica.
            (
                "replicas-minimum".into(),
                STS.into(),
                "spec.replicas".into()
            ),
        ]
    );
    assert_eq!(
        fs[0].message,
        "unknown field \"replica\" in StatefulSetSpec (did you mean \"replicas\"?)"
    );
    assert_eq!(fs[0].fix, "rename \"replica\" to \"replicas\"");
    assert_eq!(
        fs[1].message,
        "runs the default of 1 replica; the prod policy requires at least 3"
    );
}

#[test]
fn prod_quoted_replicas() {
    let fs = check(&mutate("replicas: 5", "replicas: \"5\""), "prod");
    assert_eq!(summary(&fs), one("schema-type", STS, "spec.replicas"));
    assert_eq!(fs[0].message, "expected integer, got string \"5\"");
    assert_eq!(fs[0].fix, "remove the quotes: replicas: 5");
}

#[test]
fn prod_probe_security_and_requests() {
    let fs = check(
        &mutate("          readOnlyRootFilesystem: true\n", ""),
        "prod",
    );
    assert_eq!(
        summary(&fs),
        one(
            "read-only-root-filesystem",
            STS,
            "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"
        )
    );
    let src = mutate(
        "        readinessProbe:\n          httpGet:\n            path: /readyz\n            port: a2a\n          periodSeconds: 5\n",
        "",
    );
    let fs = check(&src, "prod");
    assert_eq!(
        summary(&fs),
        one(
            "readiness-probe",
            STS,
            "spec.template.spec.containers[0].readinessProbe"
        )
    );
    // runAsNonRoot is set on both pod and container: removing one level is still fine,
    // removing both is a finding.
    let src = golden("prod").replace("          runAsNonRoot: true\n", "");
    assert!(check(&src, "prod").is_empty());
    let src = src.replace("        runAsNonRoot: true\n", "");
    assert_eq!(
        summary(&check(&src, "prod")),
        one(
            "run-as-non-root",
            STS,
            "spec.template.spec.containers[0].securityContext.runAsNonRoot"
        )
    );
    let fs = check(&mutate("            memory: 512Mi\n", ""), "prod");
    assert_eq!(
        summary(&fs),
        one(
            "container-requests",
            STS,
            "spec.template.spec.containers[0].resources.requests.memory"
        )
    );
}

#[test]
fn dev_requires_less() {
    // dev keeps one replica, soft anti-affinity and no PDB: clean. An unpinned image is not.
    let dev = golden("dev");
    assert!(check(&dev, "dev").is_empty());
    let fs = check(&dev.replace(":0.4.2", ":latest"), "dev");
    assert_eq!(
        summary(&fs),
        one(
            "image-pinned",
            STS,
            "spec.template.spec.containers[0].image"
        )
    );
}

#[test]
fn schema_findings() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "cpu: \"2\"",
            "cpu: 2 cores",
            "schema-quantity",
            "spec.template.spec.containers[0].resources.limits.cpu",
        ),
        (
            "protocol: TCP",
            "protocol: HTTP",
            "schema-enum",
            "spec.template.spec.containers[0].ports[0].protocol",
        ),
        (
            "  serviceName: kagent-headless\n",
            "",
            "schema-required",
            "spec.serviceName",
        ),
        (
            "containerPort: 8080",
            "containerPort: \"8080\"",
            "schema-type",
            "spec.template.spec.containers[0].ports[0].containerPort",
        ),
        (
            "      - env:\n",
            "      - enviroment: []\n        env:\n",
            "schema-unknown-field",
            "spec.template.spec.containers[0].enviroment",
        ),
        (
            "        name: kagent\n        ports:",
            "        name: Kagent_1\n        ports:",
            "schema-name",
            "spec.template.spec.containers[0].name",
        ),
    ];
    for (from, to, rule, path) in cases {
        let fs = check(&mutate(from, to), "prod");
        assert_eq!(summary(&fs), one(rule, STS, path), "{from} -> {to}");
    }
    // An empty enum value is defaulted by the API server where the field has a default...
    assert!(check(&mutate("protocol: TCP", "protocol: \"\""), "prod").is_empty());
    // ...and rejected where it has none.
    let src = mutate(
        "      containers:\n",
        "      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: kubernetes.io/hostname\n        whenUnsatisfiable: \"\"\n      containers:\n",
    );
    assert_eq!(
        summary(&check(&src, "prod")),
        one(
            "schema-enum",
            STS,
            "spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable"
        )
    );
    // An int32 field out of range.
    let fs = check(&mutate("replicas: 5", "replicas: 99999999999"), "prod");
    assert_eq!(summary(&fs), one("schema-type", STS, "spec.replicas"));
    assert_eq!(
        fs[0].message,
        "99999999999 is out of range for a 32-bit integer"
    );
    // A container without image.
    let fs = check(
        &mutate("        image: ghcr.io/vapora/kagent:0.4.2\n", ""),
        "prod",
    );
    assert_eq!(
        summary(&fs),
        one(
            "schema-required",
            STS,
            "spec.template.spec.containers[0].image"
        )
    );
    // An invalid label value.
    let src = golden("prod").replacen(
        "    app.kubernetes.io/environment: production\n",
        "    app.kubernetes.io/environment: prod env\n",
        1,
    );
    let fs = check(&src, "prod");
    assert_eq!(
        summary(&fs),
        one(
            "schema-label",
            "Namespace kagent",
            "metadata.labels[\"app.kubernetes.io/environment\"]"
        )
    );
}

#[test]
fn unknown_kinds_are_notes_unless_strict() {
    let src =
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  anything: 1\n";
    let objects = objects_from_yaml(src, None).expect("parse");
    let fs = check_objects(&objects, None, None, &CheckOptions::default()).expect("check");
    assert_eq!(summary(&fs), one("schema-not-checked", "Widget w", ""));
    assert_eq!(fs[0].severity, Severity::Note);
    let strict = CheckOptions {
        strict: true,
        ..CheckOptions::default()
    };
    let fs = check_objects(&objects, None, None, &strict).expect("check");
    assert_eq!(fs[0].severity, Severity::Error);
    // A removed built-in version is an error, with the served version as the fix.
    let src = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: d\n";
    let objects = objects_from_yaml(src, None).expect("parse");
    let fs = check_objects(&objects, None, None, &CheckOptions::default()).expect("check");
    assert_eq!(
        summary(&fs),
        one("schema-unknown-kind", "Deployment d", "kind")
    );
    assert_eq!(fs[0].fix, "use apiVersion apps/v1");
}

#[test]
fn formats_are_well_formed() {
    use kagentctl::check::output;
    let fs = check(&mutate("replicas: 5", "replicas: 1"), "prod");
    let text = output::text(&fs, &["env prod".into()]);
    assert!(
        text.starts_with(
            "error[replicas-minimum] [prod] StatefulSet kagent/kagent spec.replicas: runs 1 replica"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("failed: 1 error, 0 notes (env prod)\n"),
        "{text}"
    );
    let json = output::json_report(&fs, &["env prod".into()]);
    assert_eq!(json["findings"][0]["rule"], "replicas-minimum");
    assert_eq!(json["findings"][0]["resource"]["display"], STS);
    assert_eq!(json["findings"][0]["path"], "spec.replicas");
    assert_eq!(json["summary"]["errors"], 1);
    let sarif = output::sarif(&fs, Some(Path::new("policy.yaml")));
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "kagentctl");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "replicas-minimum");
    assert_eq!(result["level"], "error");
    let idx = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][idx]["id"],
        "replicas-minimum"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "prod.yaml"
    );
    assert!(result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
}
