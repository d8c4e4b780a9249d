//! `diff` names the changes `kubectl apply` cannot make to a live object: here a prod
//! render whose StatefulSet gets a new selector label and another headless Service name
//! (both fixed at creation), next to a replica change (which applies in place).

use std::process::Output;

use assert_cmd::Command;

use crate::common::{golden, write};

const BIN: &str = env!("CARGO_BIN_EXE_kagentctl");

/// The prod golden render with the StatefulSet's selector, serviceName and replicas
/// changed.
fn changed_prod() -> String {
    let old = golden("prod");
    let sts = old
        .find("kind: StatefulSet")
        .expect("a StatefulSet in prod");
    let (head, tail) = old.split_at(sts);
    let tail = tail
        .replacen(
            "    matchLabels:\n      app.kubernetes.io/name: kagent\n",
            "    matchLabels:\n      app.kubernetes.io/name: kagent\n      tier: agents\n",
            1,
        )
        .replacen(
            "serviceName: kagent-headless",
            "serviceName: kagent-peers",
            1,
        )
        .replacen("replicas: 5", "replicas: 6", 1);
    assert_ne!(tail, old[sts..], "the edits apply to the golden file");
    format!("{head}{tail}")
}

fn diff(new: &str, format: &str) -> Output {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "old.yaml", &golden("prod"));
    write(dir.path(), "new.yaml", new);
    Command::new(BIN)
        .current_dir(dir.path())
        .args(["diff", "old.yaml", "new.yaml", "--format", format])
        .output()
        .expect("run kagentctl")
}

#[test]
fn fixed_fields_are_named_in_every_format() {
    let new = changed_prod();
    let text = diff(&new, "text");
    assert_eq!(text.status.code(), Some(1), "{text:?}");
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("note: `kubectl apply` will fail on a live cluster: StatefulSet kagent/kagent spec.selector cannot change in place"),
        "{out}"
    );
    assert!(out.contains("\n  ! spec.selector: "), "{out}");
    assert!(out.contains("\n  ! spec.serviceName: "), "{out}");
    assert!(!out.contains("! spec.replicas"), "{out}");

    let json = diff(&new, "json");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let res = &doc["diffs"][0]["resources"];
    let sts = res
        .as_array()
        .and_then(|r| r.iter().find(|e| e["kind"] == "StatefulSet"))
        .expect("the StatefulSet changed");
    let paths: Vec<&str> = sts["immutable"]
        .as_array()
        .expect("immutable list")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert_eq!(paths, ["spec.selector", "spec.serviceName"]);
    assert_eq!(doc["diffs"][0]["notes"].as_array().map(Vec::len), Some(2));

    let md = diff(&new, "markdown");
    let out = String::from_utf8_lossy(&md.stdout);
    assert!(
        out.contains("> :warning: <code>spec.serviceName</code>: the API server forbids updates"),
        "{out}"
    );
    assert!(
        out.contains("> `kubectl apply` will fail on a live cluster"),
        "{out}"
    );
}

#[test]
fn changes_that_apply_in_place_carry_no_warning() {
    let new = golden("prod").replacen("replicas: 5", "replicas: 6", 1);
    for format in ["text", "json", "markdown"] {
        let out = diff(&new, format);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let out = String::from_utf8_lossy(&out.stdout);
        assert!(!out.contains("kubectl apply` will fail"), "{format}: {out}");
        assert!(!out.contains("immutable"), "{format}: {out}");
    }
}
