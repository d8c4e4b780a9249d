//! `kagentctl new-env NAME --from ENV [--with ...]`: writes a new overlay directory whose
//! `resources:` is an existing environment and whose `components:` are the named ones.
//! It never overwrites: an existing `overlays/NAME` is an error, and the directory appears
//! whole or not at all (written aside, then renamed into place).

use std::path::PathBuf;

use crate::components::overlay_text;
use crate::error::{Error, Result};
use crate::tree::KagentTree;

/// What `new-env` wrote.
#[derive(Debug)]
pub struct NewEnv {
    /// The new overlay directory.
    pub dir: PathBuf,
    /// The text of its kustomization.yaml.
    pub kustomization: String,
}

/// Whether `name` may name an environment: a DNS label (lowercase letters, digits, `-`,
/// at most 63, starting and ending with a letter or digit), so it can also be a label value.
fn name_error(name: &str) -> Option<String> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if name.is_empty()
        || name.len() > 63
        || !ok_chars
        || name.starts_with('-')
        || name.ends_with('-')
    {
        return Some(format!(
            "invalid environment name {name:?}: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. \"staging\", \"prod-eu\")"
        ));
    }
    None
}

/// The patch that gives the monitoring objects the Prometheus Operator's selector label.
const RELEASE_LABEL_PATCH: &str = "\
# The Prometheus Operator selects ServiceMonitors and PrometheusRules by its
# release label: set it to your kube-prometheus-stack release (and say the
# same in policy.yaml's prometheusSelector for this environment).
patches:
  - target:
      group: monitoring.coreos.com
      version: v1
    patch: |-
      - op: add
        path: /metadata/labels/release
        value: kube-prometheus-stack
";

/// Creates `overlays/<name>` from environment `from` plus `components` (already checked
/// to exist). Returns what was written.
pub fn create(tree: &KagentTree, name: &str, from: &str, components: &[String]) -> Result<NewEnv> {
    if tree.is_embedded() {
        return Err(Error::Usage(
            "new-env writes into a kagent tree on disk, and none was found: run it inside a checkout (kubernetes/kagent) or pass --root DIR".into(),
        ));
    }
    if let Some(e) = name_error(name) {
        return Err(Error::Usage(e));
    }
    // `from` must be an existing environment (the error lists the known ones).
    tree.overlay(from)?;
    let overlays = tree.root().join("overlays");
    let dir = overlays.join(name);
    if dir.exists() {
        return Err(Error::Usage(format!(
            "{}: already exists; new-env never overwrites (pick another name, or remove the directory first)",
            dir.display()
        )));
    }
    let comps: Vec<String> = components
        .iter()
        .map(|c| format!("../../components/{c}"))
        .collect();
    let mut header = format!("{name} overlay: environment {from}");
    if !components.is_empty() {
        header.push_str(&format!(" with {}", components.join(", ")));
    }
    header.push_str(&format!(
        ".\nCreated by `kagentctl new-env {name} --from {from}{}`.",
        if components.is_empty() {
            String::new()
        } else {
            format!(" --with {}", components.join(","))
        }
    ));
    if components.iter().any(|c| c == "autoscaling") {
        header.push_str(
            "\nWith autoscaling the HPA owns the replica count: do not add a `replicas:`\n\
             field here (it would re-create spec.replicas); patch the HPA instead.",
        );
    }
    let mut text = overlay_text(&header, &format!("../{from}"), &comps);
    if components.iter().any(|c| c == "monitoring") {
        text.push('\n');
        text.push_str(RELEASE_LABEL_PATCH);
    }
    // Written aside and renamed into place: the directory appears whole or not at all.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}-"))
        .tempdir_in(&overlays)
        .map_err(|e| Error::io(&overlays, e))?;
    let file = tmp.path().join("kustomization.yaml");
    std::fs::write(&file, &text).map_err(|e| Error::io(&file, e))?;
    let staged = tmp.keep();
    if let Err(e) = std::fs::rename(&staged, &dir) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::io(&dir, e));
    }
    Ok(NewEnv {
        dir,
        kustomization: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_are_dns_labels() {
        assert!(name_error("staging").is_none());
        assert!(name_error("prod-eu1").is_none());
        for bad in ["", "Prod", "-x", "x-", "a/b", "..", "a_b", &"x".repeat(64)] {
            assert!(name_error(bad).is_some(), "{bad:?} accepted");
        }
    }
}
