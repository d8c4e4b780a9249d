//! `images:`: change image names, tags and digests in containers and the image fields
//! of the default field specs.

use regex::Regex;
use serde_json::Value;

use super::fieldpath::{visit_spec, CreateKind};
use super::TransformResult;
use crate::kustomization::Image;
use crate::resource::ResMap;
use crate::schema::FieldSpec;

/// One compiled `images:` entry.
struct Updater<'a> {
    image: &'a Image,
    matcher: Regex,
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

/// Walks every `containers`/`initContainers` list anywhere in the object (Kustomize's
/// legacy image filter).
fn walk_containers(node: &mut Value, u: &Updater<'_>) -> TransformResult {
    match node {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                walk_containers(v, u)?;
                if k == "containers" || k == "initContainers" {
                    if let Value::Array(items) = v {
                        for item in items {
                            if let Some(img) = item.get_mut("image") {
                                u.set(img)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter_mut().try_for_each(|i| walk_containers(i, u)),
        _ => Ok(()),
    }
}

/// Applies one `images:` entry to every resource.
pub fn apply(m: &mut ResMap, image: &Image, specs: &[FieldSpec]) -> TransformResult {
    let name = image.name.as_deref().unwrap_or("");
    let pattern = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$");
    let matcher = Regex::new(&pattern)
        .or_else(|_| {
            Regex::new(&format!(
                "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
                regex::escape(name)
            ))
        })
        .map_err(|e| format!("image name {name:?}: {e}"))?;
    let u = Updater { image, matcher };
    for r in m.iter_mut() {
        if r.kind() == "CustomResourceDefinition" {
            continue;
        }
        let gvk = r.gvk();
        let mut obj = Value::Object(std::mem::take(&mut r.obj));
        let mut res = walk_containers(&mut obj, &u);
        if res.is_ok() {
            res = specs
                .iter()
                .filter(|fs| fs.selects(&gvk))
                .try_for_each(|fs| {
                    // Kustomize's image filter looks fields up without creating them.
                    visit_spec(&mut obj, &fs.path, CreateKind::None, &mut |n| u.set(n))
                });
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
            matcher: Regex::new("^nginx(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$")
                .unwrap(),
        };
        assert_eq!(
            u.update("nginx:1.0@sha256:x").as_deref(),
            Some("mirror/nginx:1.25")
        );
        assert_eq!(u.update("nginxx:1.0"), None);
    }
}
