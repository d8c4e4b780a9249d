//! Kustomize components of the kagent tree (`components/<name>/`): which environment
//! switches on which, and renders of an environment with more components on top
//! (`render --with`), built exactly as `kubectl kustomize` builds a new overlay whose
//! `resources:` is the environment and whose `components:` are the named ones.

use std::path::{Component as PathComponent, Path, PathBuf};

use crate::build::{build_with_warnings, BuildOptions, BuildOutput};
use crate::error::{Error, Result};
use crate::tree::KagentTree;

/// The components of a tree: the directories under `components/`, sorted.
pub fn available(tree: &KagentTree) -> Result<Vec<String>> {
    let dir = tree.root().join("components");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}

/// The components an environment's own kustomization lists, in its order: the name of
/// a directory under the tree's `components/`, else the entry as written.
pub fn of_env(tree: &KagentTree, env: &str) -> Result<Vec<String>> {
    let overlay = tree.overlay(env)?;
    let (_, k) = crate::load::load_kustomization(&overlay)?;
    let comps_dir = crate::load::clean(&tree.root().join("components"));
    Ok(k.components
        .unwrap_or_default()
        .into_iter()
        .map(|entry| {
            let p = crate::load::clean(&overlay.join(&entry));
            match p.strip_prefix(&comps_dir) {
                Ok(rel) if rel.components().count() == 1 => rel.to_string_lossy().into_owned(),
                _ => entry,
            }
        })
        .collect())
}

/// Splits a `--with` list (`monitoring,mesh`, repeatable flag values) into component
/// names, checking each exists; an unknown or repeated name is a usage error.
pub fn parse_with(tree: &KagentTree, values: &[String]) -> Result<Vec<String>> {
    let known = available(tree)?;
    let mut names: Vec<String> = Vec::new();
    for v in values {
        for name in v.split(',').map(str::trim) {
            if name.is_empty() {
                return Err(Error::Usage(format!(
                    "--with {v:?}: empty component name; write names separated by commas, e.g. --with monitoring,mesh"
                )));
            }
            if !known.iter().any(|k| k == name) {
                return Err(Error::Usage(format!(
                    "unknown component {name:?} in {}: known components are {}",
                    tree.root().join("components").display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            if names.iter().any(|n| n == name) {
                return Err(Error::Usage(format!(
                    "--with names component {name:?} twice"
                )));
            }
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// The text of a kustomization whose `resources:` is `resource` and whose `components:`
/// are `components` (paths as written, relative to the kustomization's directory).
pub fn overlay_text(header: &str, resource: &str, components: &[String]) -> String {
    let mut s = String::new();
    for line in header.lines() {
        s.push_str("# ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n");
    s.push_str("resources:\n");
    s.push_str(&format!("  - {resource}\n"));
    if !components.is_empty() {
        s.push_str("\ncomponents:\n");
        for c in components {
            s.push_str(&format!("  - {c}\n"));
        }
    }
    s
}

/// The path from directory `from` to `to`, both absolute (`kubectl kustomize` rejects
/// absolute paths to kustomization directories, so a generated overlay uses relative ones).
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<PathComponent<'_>> = from.components().collect();
    let to: Vec<PathComponent<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut p = PathBuf::new();
    for _ in common..from.len() {
        p.push("..");
    }
    for c in &to[common..] {
        p.push(c.as_os_str());
    }
    p
}

fn canonical(p: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(p).map_err(|e| Error::io(p, e))
}

/// Renders environment `env` with `components` added on top: writes a temporary overlay
/// (`resources: [<env overlay>]`, `components: [...]`, relative paths) and builds it.
pub fn render_with(
    tree: &KagentTree,
    env: &str,
    components: &[String],
    opts: &BuildOptions,
) -> Result<BuildOutput> {
    let overlay = canonical(&tree.overlay(env)?)?;
    let has = of_env(tree, env)?;
    if let Some(c) = components.iter().find(|c| has.contains(c)) {
        return Err(Error::Usage(format!(
            "environment {env} already switches on component {c:?} (its components: {}); a component added twice adds its resources twice",
            has.join(", ")
        )));
    }
    let comps_root = canonical(&tree.root().join("components"))?;
    let tmp = tempfile::Builder::new()
        .prefix("kagentctl-with")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let dir = canonical(tmp.path())?;
    let rel = |p: &Path| relative_path(&dir, p).to_string_lossy().replace('\\', "/");
    let comps: Vec<String> = components
        .iter()
        .map(|c| rel(&comps_root.join(c)))
        .collect();
    let text = overlay_text(
        &format!(
            "kagentctl render --env {env} --with {}",
            components.join(",")
        ),
        &rel(&overlay),
        &comps,
    );
    let file = dir.join("kustomization.yaml");
    std::fs::write(&file, text).map_err(|e| Error::io(&file, e))?;
    build_with_warnings(&dir, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_ancestor() {
        assert_eq!(
            relative_path(Path::new("/tmp/x"), Path::new("/work/t/overlays/prod")),
            PathBuf::from("../../work/t/overlays/prod")
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/b/c")),
            PathBuf::from("c")
        );
        assert_eq!(
            relative_path(Path::new("/a/b/c"), Path::new("/a/d")),
            PathBuf::from("../../d")
        );
    }

    #[test]
    fn overlay_text_lists_resource_and_components() {
        let t = overlay_text(
            "made by a test",
            "../prod",
            &["../../components/mesh".into()],
        );
        assert_eq!(
            t,
            "# made by a test\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n\
             resources:\n  - ../prod\n\ncomponents:\n  - ../../components/mesh\n"
        );
    }
}
