//! The Argo CD config management plugin: deploy/argocd/ as a Kustomize component applied
//! to a small argocd-repo-server Deployment written for this test (tests/argocd/install),
//! kagentctl and kubectl agreeing on the result, the result passing `check`'s schema
//! rules, and the plugin's generate command printing what `render` prints when run the way
//! Argo CD runs it (in the Application's source directory, with `ARGOCD_ENV_*` / `PARAM_*`).

use crate::common::repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn kagentctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kagentctl"));
    c.env_remove("KAGENTCTL_ROOT");
    c
}

fn yaml_docs(text: &str) -> Vec<Value> {
    kagentctl::yaml::parse_documents(text, kagentctl::yaml::Limits::default())
        .expect("valid YAML")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn install() -> PathBuf {
    repo().join("tests/argocd/install")
}

fn expected() -> String {
    std::fs::read_to_string(repo().join("tests/argocd/expected.yaml")).expect("expected.yaml")
}

#[test]
fn the_component_builds_as_kubectl_kustomize_built_it() {
    let out = kagentctl()
        .arg("build")
        .arg(install())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected());
}

/// Differential check against the oracle; skipped (with a notice) without kubectl.
#[test]
fn the_component_builds_as_live_kubectl_kustomize_does() {
    let Ok(k) = Command::new("kubectl")
        .arg("kustomize")
        .arg(install())
        .output()
    else {
        eprintln!("notice: kubectl not found; skipping the live comparison of deploy/argocd");
        return;
    };
    assert!(k.status.success(), "{k:?}");
    let ours = kagentctl()
        .arg("build")
        .arg(install())
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&k.stdout)
    );
}

#[test]
fn the_result_passes_checks_schema_rules_and_the_sidecar_its_linter_rules() {
    let out = kagentctl()
        .arg("check")
        .arg(repo().join("tests/argocd/expected.yaml"))
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings");
    // The schema rules: nothing at all.
    let schema: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("schema-")))
        .collect();
    assert!(schema.is_empty(), "schema findings: {schema:#?}");
    // The linter: nothing about the sidecar this component adds (the stand-in stock
    // containers are not ours to fix).
    let sidecar: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("kagentctl"))
        })
        .collect();
    assert!(
        sidecar.is_empty(),
        "findings about the sidecar: {sidecar:#?}"
    );
}

#[test]
fn the_sidecar_is_wired_as_argo_cd_expects() {
    let docs = yaml_docs(&expected());
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("the plugin ConfigMap");
    let cm_name = cm["metadata"]["name"].as_str().expect("name");
    assert!(cm_name.starts_with("kagentctl-plugin-"), "{cm_name}");
    assert_eq!(cm["metadata"]["namespace"], "argocd");
    let plugin = std::fs::read_to_string(repo().join("deploy/argocd/plugin.yaml")).expect("plugin");
    assert_eq!(cm["data"]["plugin.yaml"], plugin.as_str());

    let deploy = docs
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("the repo-server");
    assert_eq!(deploy["metadata"]["name"], "argocd-repo-server");
    let pod = &deploy["spec"]["template"]["spec"];
    let containers = pod["containers"].as_array().expect("containers");
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"argocd-repo-server"), "{names:?}");
    let side = containers
        .iter()
        .find(|c| c["name"] == "kagentctl")
        .expect("the kagentctl sidecar");
    assert_eq!(side["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(side["securityContext"]["runAsUser"], 999);
    assert_eq!(
        side["image"],
        "registry.example.com/platform/kagentctl:0.1.0"
    );
    let mounts: Vec<(&str, &str, Option<&str>)> = side["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap_or_default(),
                m["mountPath"].as_str().unwrap_or_default(),
                m["subPath"].as_str(),
            )
        })
        .collect();
    for want in [
        ("var-files", "/var/run/argocd", None),
        ("plugins", "/home/argocd/cmp-server/plugins", None),
        (
            "kagentctl-plugin",
            "/home/argocd/cmp-server/config/plugin.yaml",
            Some("plugin.yaml"),
        ),
        ("kagentctl-tmp", "/tmp", None),
    ] {
        assert!(mounts.contains(&want), "{want:?} not in {mounts:?}");
    }
    let volumes = pod["volumes"].as_array().expect("volumes");
    let plugin_vol = volumes
        .iter()
        .find(|v| v["name"] == "kagentctl-plugin")
        .expect("plugin volume");
    // The volume follows the generated ConfigMap's hashed name.
    assert_eq!(plugin_vol["configMap"]["name"], cm_name);
    // The stock volumes are kept, not replaced.
    for v in ["tmp", "var-files", "plugins", "kagentctl-tmp"] {
        assert!(volumes.iter().any(|x| x["name"] == v), "volume {v} missing");
    }
}

/// The plugin's discovery pattern matches this repository's own layout.
#[test]
fn discovery_matches_a_repository_holding_kubernetes_kagent() {
    let plugin = std::fs::read_to_string(repo().join("deploy/argocd/plugin.yaml")).expect("plugin");
    let p = &yaml_docs(&plugin)[0];
    assert_eq!(p["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(p["kind"], "ConfigManagementPlugin");
    let pattern = p["spec"]["discover"]["fileName"]
        .as_str()
        .expect("fileName");
    let (dir, file) = pattern
        .trim_start_matches("./")
        .split_once("/*/")
        .expect("DIR/*/FILE");
    let matched = std::fs::read_dir(repo().join(dir))
        .expect("overlays")
        .filter_map(Result::ok)
        .any(|e| e.path().join(file).is_file());
    assert!(matched, "{pattern} matches nothing in this repository");
}

/// Runs the plugin's generate command as Argo CD does: in the Application's source
/// directory (here: this repository), with `env` added and kagentctl on PATH.
fn generate(env: &[(&str, &str)]) -> Output {
    let plugin = std::fs::read_to_string(repo().join("deploy/argocd/plugin.yaml")).expect("plugin");
    let p = &yaml_docs(&plugin)[0];
    let command: Vec<String> = p["spec"]["generate"]["command"]
        .as_array()
        .expect("command")
        .iter()
        .chain(p["spec"]["generate"]["args"].as_array().expect("args"))
        .map(|v| v.as_str().expect("strings").to_string())
        .collect();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_kagentctl"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut c = Command::new(&command[0]);
    c.args(&command[1..])
        .current_dir(repo())
        .env("PATH", path)
        .env("ARGOCD_APP_NAME", "kagent-prod")
        .env("ARGOCD_APP_NAMESPACE", "kagent")
        .env_remove("KAGENTCTL_ROOT")
        .env_remove("PARAM_ENV")
        .env_remove("PARAM_ROOT")
        .env_remove("ARGOCD_ENV_KAGENT_ENV")
        .env_remove("ARGOCD_ENV_KAGENT_ROOT");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("sh runs")
}

fn render(env: &str) -> Vec<u8> {
    let out = kagentctl()
        .current_dir(repo())
        .args(["render", "--env", env])
        .output()
        .expect("runs");
    assert!(out.status.success());
    out.stdout
}

#[test]
fn generate_with_argocd_env_prints_what_render_prints() {
    let out = generate(&[("ARGOCD_ENV_KAGENT_ENV", "prod")]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, render("prod"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_env_parameter_wins_over_the_plugin_env() {
    let out = generate(&[("PARAM_ENV", "dev"), ("ARGOCD_ENV_KAGENT_ENV", "prod")]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, render("dev"));
    let out = generate(&[("PARAM_ENV", "prod"), ("PARAM_ROOT", "./kubernetes/kagent")]);
    assert_eq!(out.stdout, render("prod"));
}

#[test]
fn generate_without_an_environment_fails_with_a_clear_message() {
    let out = generate(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("set the Application's plugin parameter 'env'"),
        "{err}"
    );
}

#[test]
fn hostile_environment_values_are_names_not_commands_or_paths() {
    let tmp = tempfile::tempdir().expect("tmp");
    let marker = tmp.path().join("pwned");
    for hostile in [
        format!("prod; touch {}", marker.display()),
        format!("$(touch {})", marker.display()),
        "../base".to_string(),
        "../../../../etc".to_string(),
    ] {
        let out = generate(&[("ARGOCD_ENV_KAGENT_ENV", &hostile)]);
        assert_eq!(out.status.code(), Some(2), "{hostile}: {out:?}");
        assert!(out.stdout.is_empty(), "{hostile}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown environment"), "{hostile}: {err}");
    }
    assert!(!marker.exists(), "a value was run as a command");
    // A root that is not a kagent tree is refused, not silently replaced by the built-in one.
    let out = generate(&[
        ("ARGOCD_ENV_KAGENT_ENV", "prod"),
        ("ARGOCD_ENV_KAGENT_ROOT", "src"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a kagent tree"));
}
