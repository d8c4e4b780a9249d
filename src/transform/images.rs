//! `images:`: change image names, tags and digests in containers and the image fields
//! of the default field specs.

use regex::Regex;
use serde_json::Value;

use super::fieldpath::{split_path, visit, CreateKind};
use super::TransformResult;
use crate::kustomization::Image;
use crate::resource::ResMap;
use crate::schema::FieldSpec;

/// Which image references an `images:` entry changes: Kustomize matches them with the
/// regular expression `^NAME(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`.
#[derive(Debug)]
enum Matcher {
    /// NAME is a simple pattern (nearly always): matched directly, since compiling a
    /// regular expression per entry costs more than the rest of a small build.
    Simple(String),
    /// Any other NAME.
    Regex(Regex),
}

impl Matcher {
    fn new(name: &str) -> Result<Matcher, String> {
        if super::selector::is_simple_pattern(name) {
            return Ok(Matcher::Simple(name.to_string()));
        }
        let pattern = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$");
        Regex::new(&pattern)
            .or_else(|_| {
                Regex::new(&format!(
                    "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
                    regex::escape(name)
                ))
            })
            .map(Matcher::Regex)
            .map_err(|e| format!("image name {name:?}: {e}"))
    }

    fn is_match(&self, value: &str) -> bool {
        match self {
            Matcher::Simple(name) => {
                let Some(n) = super::selector::simple_prefix(name, value) else {
                    return false;
                };
                let class = |c: char| c.is_ascii_alphanumeric() || "_.{}-".contains(c);
                let mut rest = &value[n..];
                if let Some(tag) = rest.strip_prefix(':') {
                    rest = tag.trim_start_matches(class);
                }
                if let Some(digest) = rest.strip_prefix("@sha256:") {
                    rest = digest.trim_start_matches(class);
                }
                rest.is_empty()
            }
            Matcher::Regex(re) => re.is_match(value),
        }
    }
}

/// One compiled `images:` entry.
struct Updater<'a> {
    image: &'a Image,
    matcher: Matcher,
}

impl Updater<'_> {
    fn update(&self, value: &str) -> Option<String> {
        if !self.matcher.is_match(value) {
            return None;
        }
        let (mut name, mut tag, mut digest) = split(value);
        let img = self.image;
        if let Some(n) = img.new_name.as_deref().filter(|n| !n.is_empty()) {
            name = n.to_string();
        }
        let new_tag = img.new_tag.as_deref().unwrap_or("");
        let new_digest = img.digest.as_deref().unwrap_or("");
        let suffix = img.tag_suffix.as_deref().unwrap_or("");
        if !new_tag.is_empty() && !new_digest.is_empty() {
            tag = new_tag.to_string();
            digest = new_digest.to_string();
        } else if !new_tag.is_empty() {
            tag = new_tag.to_string();
            digest.clear();
        } else if !new_digest.is_empty() {
            tag.clear();
            digest = new_digest.to_string();
        } else if !suffix.is_empty() {
            tag.push_str(suffix);
            digest.clear();
        }
        if !tag.is_empty() {
            name.push(':');
            name.push_str(&tag);
        }
        if !digest.is_empty() {
            name.push('@');
            name.push_str(&digest);
        }
        Some(name)
    }

    fn set(&self, node: &mut Value) -> TransformResult {
        match node {
            Value::String(s) => {
                if let Some(new) = self.update(s) {
                    *s = new;
                }
                Ok(())
            }
            Value::Null => Ok(()),
            _ => Err("wrong node kind: expected ScalarNode for an image".into()),
        }
    }
}

/// Splits `name[:tag][@digest]`, where a `:` before the first `/` belongs to a registry port.
pub fn split(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(d)) if c.is_none_or(|c| d < c) => (
            image[..slash + d].to_string(),
            String::new(),
            image[slash + d + 1..].to_string(),
        ),
        (Some(c), Some(d)) => (
            image[..slash + c].to_string(),
            image[slash + c + 1..slash + d].to_string(),
            image[slash + d + 1..].to_string(),
        ),
        (Some(c), None) => (
            image[..slash + c].to_string(),
            image[slash + c + 1..].to_string(),
            String::new(),
        ),
        (None, Some(_)) => unreachable!("handled by the digest arm"),
    }
}

/// One step of a path to an image field: a mapping key or a sequence index.
enum Step {
    Key(String),
    Index(usize),
}

/// Finds every `containers[]/image` and `initContainers[]/image` anywhere in the object
/// (Kustomize's legacy image filter), in the order that filter visits them, and checks
/// that each is a string or null. Images are only rewritten in place, so the paths stay
/// valid while the `images:` entries are applied one after the other.
fn find_container_images<'a>(
    node: &'a Value,
    path: &mut Vec<(Option<&'a str>, usize)>,
    out: &mut Vec<Vec<Step>>,
) -> TransformResult {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                if v.is_object() || v.is_array() {
                    path.push((Some(k.as_str()), 0));
                    find_container_images(v, path, out)?;
                    path.pop();
                }
                if k == "containers" || k == "initContainers" {
                    if let Value::Array(items) = v {
                        for (i, item) in items.iter().enumerate() {
                            if let Some(img) = item.get("image") {
                                if !matches!(img, Value::String(_) | Value::Null) {
                                    return Err(
                                        "wrong node kind: expected ScalarNode for an image".into(),
                                    );
                                }
                                let mut p: Vec<Step> = path
                                    .iter()
                                    .chain(std::iter::once(&(Some(k.as_str()), 0)))
                                    .map(|&(k, i)| match k {
                                        Some(k) => Step::Key(k.to_string()),
                                        None => Step::Index(i),
                                    })
                                    .collect();
                                p.push(Step::Index(i));
                                p.push(Step::Key("image".into()));
                                out.push(p);
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() || item.is_array() {
                    path.push((None, i));
                    find_container_images(item, path, out)?;
                    path.pop();
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn node_at<'v>(mut node: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    for step in path {
        node = match step {
            Step::Key(k) => node.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

/// Applies one `images:` entry to every resource.
pub fn apply(m: &mut ResMap, image: &Image, specs: &[FieldSpec]) -> TransformResult {
    apply_all(m, std::slice::from_ref(image), specs)
}

/// Applies `images:` entries in order, with the result of applying them one by one,
/// walking each resource once rather than once per entry.
pub fn apply_all(m: &mut ResMap, images: &[Image], specs: &[FieldSpec]) -> TransformResult {
    let mut updaters = Vec::with_capacity(images.len());
    for image in images {
        let matcher = Matcher::new(image.name.as_deref().unwrap_or(""))?;
        updaters.push(Updater { image, matcher });
    }
    if updaters.is_empty() {
        return Ok(());
    }
    let split: Vec<(&FieldSpec, Vec<String>)> =
        specs.iter().map(|fs| (fs, split_path(&fs.path))).collect();
    let mut paths = Vec::new();
    for r in m.iter_mut() {
        if r.kind() == "CustomResourceDefinition" {
            continue;
        }
        let gvk = r.gvk();
        let mut obj = Value::Object(std::mem::take(&mut r.obj));
        paths.clear();
        let mut res = find_container_images(&obj, &mut Vec::new(), &mut paths);
        for u in &updaters {
            if res.is_err() {
                break;
            }
            res = paths.iter().try_for_each(|p| match node_at(&mut obj, p) {
                Some(n) => u.set(n),
                None => Ok(()),
            });
            if res.is_ok() {
                res = split
                    .iter()
                    .filter(|(fs, _)| fs.selects(&gvk))
                    .try_for_each(|(_, path)| {
                        // Kustomize's image filter looks fields up without creating them.
                        visit(&mut obj, path, CreateKind::None, &mut |n| u.set(n))
                    });
            }
        }
        if let Value::Object(o) = obj {
            r.obj = o;
        }
        res?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_ports_tags_and_digests() {
        assert_eq!(split("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(
            split("nginx:1.2"),
            ("nginx".into(), "1.2".into(), "".into())
        );
        assert_eq!(
            split("reg:5000/app:v1@sha256:ab"),
            ("reg:5000/app".into(), "v1".into(), "sha256:ab".into())
        );
        assert_eq!(
            split("app@sha256:ab"),
            ("app".into(), "".into(), "sha256:ab".into())
        );
    }

    #[test]
    fn new_tag_replaces_tag_and_digest() {
        let img = Image {
            name: Some("nginx".into()),
            new_name: Some("mirror/nginx".into()),
            new_tag: Some("1.25".into()),
            ..Default::default()
        };
        let u = Updater {
            image: &img,
            matcher: Matcher::new("nginx").unwrap(),
        };
        assert_eq!(
            u.update("nginx:1.0@sha256:x").as_deref(),
            Some("mirror/nginx:1.25")
        );
        assert_eq!(u.update("nginxx:1.0"), None);
    }

    #[test]
    fn simple_names_match_as_kustomizes_regular_expression_does() {
        let names = ["nginx", "gcr.io/proj/app", "localhost:5000/app", "a.b", ""];
        let values = [
            "nginx",
            "nginx:1.25",
            "nginx:1.25@sha256:abc",
            "nginx@sha256:abc",
            "nginx:",
            "nginx@sha256:",
            "nginxx",
            "nginx:1.2/3",
            "nginx@sha1:abc",
            "nginx:a@b",
            "gcr.io/proj/app:v1",
            "gcrXio/proj/app",
            "gcr.io/proj/app2",
            "localhost:5000/app:1",
            "a.b",
            "a\nb",
            "aéb:1",
            ":1",
            "",
            "@sha256:x",
            "nginx:{{.Tag}}",
        ];
        for name in names {
            let fast = Matcher::new(name).unwrap();
            assert!(matches!(fast, Matcher::Simple(_)));
            let re = Regex::new(&format!(
                "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
            ))
            .unwrap();
            for v in values {
                assert_eq!(fast.is_match(v), re.is_match(v), "name {name:?} on {v:?}");
            }
        }
        assert!(matches!(
            Matcher::new("ngin[x]").unwrap(),
            Matcher::Regex(_)
        ));
    }

    #[test]
    fn apply_all_matches_one_entry_at_a_time() {
        use crate::resource::{Origin, Resource};
        let obj = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {
                "initContainers": [{"name": "i", "image": "busybox:1"}],
                "containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b@sha256:x"},
                               {"name": "n", "image": null}]}}}
        });
        let images = vec![
            Image {
                name: Some("a".into()),
                new_name: Some("b".into()),
                ..Default::default()
            },
            Image {
                name: Some("b".into()),
                tag_suffix: Some("-x".into()),
                ..Default::default()
            },
            Image {
                name: Some("busybox".into()),
                new_tag: Some("2".into()),
                ..Default::default()
            },
        ];
        let specs = &crate::schema::default_config().images;
        let fresh = || {
            let mut m = ResMap::new();
            if let Value::Object(o) = obj.clone() {
                m.append(Resource::new(o, Origin::default())).unwrap();
            }
            m
        };
        let mut one_by_one = fresh();
        for img in &images {
            apply(&mut one_by_one, img, specs).unwrap();
        }
        let mut batched = fresh();
        apply_all(&mut batched, &images, specs).unwrap();
        assert_eq!(one_by_one.get(0).unwrap().obj, batched.get(0).unwrap().obj);
        let c = &batched.get(0).unwrap().obj["spec"]["template"]["spec"];
        assert_eq!(c["containers"][0]["image"], "b:1-x-x");
        assert_eq!(c["initContainers"][0]["image"], "busybox:2");
    }
}
