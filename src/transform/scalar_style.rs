//! The style of the scalars a strategic merge writes, kept for the transformers after it.
//!
//! kyaml's merge puts the patch's node in place of the target's but gives it the style of
//! the node it replaces (`FieldSetter` copies the old node's style); only a field the
//! target did not have keeps the patch's style. The tag and the text are the patch's.
//! Kustomize decides a scalar's type when it prints it: a string whose node is plain
//! (`!!str "4"` under a plain style) prints as `"4"`, but a later writer that keeps the
//! style and drops the tag, such as the replica count, writes a plain number there:
//! `replicas: 1`, patched with `replicas: "4"`, then `replicas: [{count: 9}]`, prints
//! `replicas: 9`. The resource's style tables ([`Resource::quoted_strings`],
//! [`Resource::tagged_strings`], [`Resource::plain_strings`]) are updated here to say so.

use serde_json::{Map, Value};

use super::smp::{PLAIN_MARK, QUOTED_MARK, SPELLING_MARK};
use crate::resource::Resource;
use crate::yaml::parse::{resolve_plain, PathStep};

/// The style of a scalar node, as far as later writers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Quoted or a block scalar, without a tag.
    Quoted,
    /// Written with an explicit tag (`!!str 4`): a writer's new value is read plain.
    Tagged,
    /// Plain.
    Plain,
}

/// What the patch writes at one scalar field, and the style the result will have.
#[derive(Debug)]
pub struct Planned {
    path: Vec<String>,
    style: Style,
    /// The target had no such field (the style is the patch's).
    created: bool,
}

/// The style tables of a strategic-merge patch document (from its parse).
#[derive(Debug, Clone, Copy)]
pub struct PatchStyles<'a> {
    /// Paths of the patch's strings written quoted that would be strings plain too.
    pub quoted: &'a [Vec<String>],
    /// Paths of the patch's strings written with an explicit tag.
    pub tagged: &'a [Vec<String>],
}

fn has(table: &[Vec<String>], path: &[String]) -> bool {
    table.iter().any(|p| p.as_slice() == path)
}

fn plain_is_string(s: &str) -> bool {
    matches!(resolve_plain(s), Value::String(_))
}

/// The style of the target's scalar at `path` (holding `v`) before the merge.
fn target_style(r: &Resource, path: &[String], v: &Value) -> Style {
    match v {
        Value::String(s) => {
            if has(&r.tagged_strings, path) {
                Style::Tagged
            } else if has(&r.plain_strings, path) {
                Style::Plain
            } else if has(&r.quoted_strings, path) || !plain_is_string(s) {
                Style::Quoted
            } else {
                Style::Plain
            }
        }
        _ => Style::Plain,
    }
}

/// The style of the patch's scalar at `path` (holding `v`).
fn patch_style(p: PatchStyles<'_>, path: &[String], v: &Value) -> Style {
    match v {
        Value::String(_) if has(p.tagged, path) => Style::Tagged,
        Value::String(s) if has(p.quoted, path) || !plain_is_string(s) => Style::Quoted,
        _ => Style::Plain,
    }
}

/// Before the merge: the style each scalar the patch writes (outside lists, labels and
/// annotations, which Kustomize handles as string maps) will have.
pub fn plan(r: &Resource, patch: &Map<String, Value>, styles: PatchStyles<'_>) -> Vec<Planned> {
    fn walk(
        r: &Resource,
        target: Option<&Map<String, Value>>,
        patch: &Map<String, Value>,
        styles: PatchStyles<'_>,
        path: &mut Vec<String>,
        out: &mut Vec<Planned>,
    ) {
        for (k, pv) in patch {
            if k.starts_with('$')
                || (path.len() == 1
                    && path[0] == "metadata"
                    && (k == "labels" || k == "annotations"))
            {
                continue;
            }
            let tv = target.and_then(|t| t.get(k));
            path.push(k.clone());
            match pv {
                Value::Object(pm) => walk(r, tv.and_then(Value::as_object), pm, styles, path, out),
                Value::Array(_) | Value::Null => {}
                _ => {
                    let (style, created) = match tv {
                        Some(tv) => (target_style(r, path, tv), false),
                        None => (patch_style(styles, path, pv), true),
                    };
                    out.push(Planned {
                        path: path.clone(),
                        style,
                        created,
                    });
                }
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(r, Some(&r.obj), patch, styles, &mut Vec::new(), &mut out);
    out
}

/// After the merge: records the style of each scalar the patch wrote, where the style
/// tables cannot infer it from the text.
pub fn record(r: &mut Resource, planned: Vec<Planned>) {
    for p in planned {
        let text = match r.value_at(&p.path) {
            Some(Value::String(s)) => Some(plain_is_string(s)),
            Some(_) => None,
            None => continue,
        };
        let Some(plain_string) = text else {
            if p.created {
                forget(r, &p.path);
            }
            continue;
        };
        forget(r, &p.path);
        match p.style {
            Style::Tagged => r.tagged_strings.push(p.path),
            Style::Quoted if plain_string => r.quoted_strings.push(p.path),
            Style::Plain if !plain_string => r.plain_strings.push(p.path),
            Style::Quoted | Style::Plain => {}
        }
    }
}

/// The map holding the field at `path` (its last step a key), and that key.
fn parent_of<'a>(
    obj: &'a mut Map<String, Value>,
    path: &'a [PathStep],
) -> Option<(&'a mut Map<String, Value>, &'a str)> {
    let (PathStep::Key(last), init) = path.split_last()? else {
        return None;
    };
    let mut map = obj;
    let mut i = 0;
    while i < init.len() {
        let PathStep::Key(k) = &init[i] else {
            return None;
        };
        let mut v = map.get_mut(k)?;
        i += 1;
        while let Some(PathStep::Index(n)) = init.get(i) {
            v = v.as_array_mut()?.get_mut(*n)?;
            i += 1;
        }
        map = v.as_object_mut()?;
    }
    Some((map, last.as_str()))
}

/// The styles of strings under lists the text does not tell, by path with list positions.
#[derive(Debug, Clone, Copy)]
pub struct ListStyles<'a> {
    /// Written quoted though the text would be a string plain too.
    pub quoted: &'a [Vec<PathStep>],
    /// Not quoted though the text would need quotes (`!!str 4`).
    pub plain: &'a [Vec<PathStep>],
}

/// Before a merge: marks the strings under lists whose style their text does not tell
/// (the target's, or a patch's) for the merge ([`QUOTED_MARK`], [`PLAIN_MARK`]) and, in a
/// patch, the spelling of its numbers ([`SPELLING_MARK`]).
pub fn mark(
    obj: &mut Map<String, Value>,
    styles: ListStyles<'_>,
    spellings: &[(Vec<PathStep>, String)],
) {
    for (paths, mark) in [(styles.quoted, QUOTED_MARK), (styles.plain, PLAIN_MARK)] {
        for path in paths {
            if let Some((m, key)) = parent_of(obj, path) {
                if m.get(key).is_some_and(Value::is_string) {
                    let entry = m.entry(mark).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(keys) = entry {
                        keys.push(Value::String(key.to_string()));
                    }
                }
            }
        }
    }
    for (path, text) in spellings {
        if let Some((m, key)) = parent_of(obj, path) {
            if m.get(key).is_some_and(|v| v.is_number() || v.is_boolean()) {
                let mark = m
                    .entry(SPELLING_MARK)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(texts) = mark {
                    texts.insert(key.to_string(), Value::String(text.clone()));
                }
            }
        }
    }
}

/// Marked paths taken out of an object: see [`ListStyles`].
pub type Taken = (Vec<Vec<PathStep>>, Vec<Vec<PathStep>>);

/// After a merge: takes every mark out of `obj` and returns where the marked strings
/// under lists now are (quoted, plain). Marks outside lists are dropped: [`plan`] and
/// [`record`] keep those styles.
pub fn take_marks(obj: &mut Map<String, Value>) -> Taken {
    fn walk(m: &mut Map<String, Value>, path: &mut Vec<PathStep>, out: &mut Taken) {
        m.remove(SPELLING_MARK);
        let under_list = path.iter().any(|s| matches!(s, PathStep::Index(_)));
        for mark in [QUOTED_MARK, PLAIN_MARK] {
            let Some(Value::Array(keys)) = m.remove(mark) else {
                continue;
            };
            let table = if mark == QUOTED_MARK {
                &mut out.0
            } else {
                &mut out.1
            };
            for k in keys.iter().filter_map(Value::as_str) {
                if under_list && m.get(k).is_some_and(Value::is_string) {
                    let mut p = path.clone();
                    p.push(PathStep::Key(k.to_string()));
                    if !table.contains(&p) {
                        table.push(p);
                    }
                }
            }
        }
        for (k, v) in m.iter_mut() {
            path.push(PathStep::Key(k.clone()));
            value(v, path, out);
            path.pop();
        }
    }
    fn value(v: &mut Value, path: &mut Vec<PathStep>, out: &mut Taken) {
        match v {
            Value::Object(m) => walk(m, path, out),
            Value::Array(items) => {
                for (i, e) in items.iter_mut().enumerate() {
                    path.push(PathStep::Index(i));
                    value(e, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = (Vec::new(), Vec::new());
    walk(obj, &mut Vec::new(), &mut out);
    out
}

fn forget(r: &mut Resource, path: &[String]) {
    for table in [
        &mut r.tagged_strings,
        &mut r.quoted_strings,
        &mut r.plain_strings,
    ] {
        table.retain(|p| p.as_slice() != path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use serde_json::json;

    fn resource(v: Value) -> Resource {
        match v {
            Value::Object(o) => Resource::new(o, Origin::default()),
            _ => unreachable!("an object"),
        }
    }

    fn path(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    /// `replicas: 1` patched with `replicas: "4"` (checked with kubectl: a later replica
    /// count prints `9`): the string keeps the target's plain style.
    #[test]
    fn quoted_patch_string_over_plain_target_stays_plain() {
        let mut r = resource(json!({"spec": {"replicas": 1}}));
        let patch = json!({"spec": {"replicas": "4"}});
        let styles = PatchStyles {
            quoted: &[],
            tagged: &[],
        };
        let planned = plan(&r, patch.as_object().unwrap(), styles);
        r.obj["spec"]["replicas"] = json!("4");
        record(&mut r, planned);
        assert_eq!(r.plain_strings, vec![path("spec.replicas")]);
    }

    /// A field the target lacks takes the patch's style: `!!str 4` is tagged, `"x"` quoted.
    #[test]
    fn created_fields_take_the_patch_style() {
        let mut r = resource(json!({"spec": {}}));
        let patch = json!({"spec": {"replicas": "4", "serviceName": "x"}});
        let tagged = [path("spec.replicas")];
        let quoted = [path("spec.serviceName")];
        let planned = plan(
            &r,
            patch.as_object().unwrap(),
            PatchStyles {
                quoted: &quoted,
                tagged: &tagged,
            },
        );
        r.obj["spec"] = patch["spec"].clone();
        record(&mut r, planned);
        assert_eq!(r.tagged_strings, vec![path("spec.replicas")]);
        assert_eq!(r.quoted_strings, vec![path("spec.serviceName")]);
        assert!(r.plain_strings.is_empty());
    }

    /// A quoted target keeps its quoted style under a patch's string.
    #[test]
    fn quoted_target_keeps_its_style() {
        let mut r = resource(json!({"spec": {"replicas": "3"}}));
        let patch = json!({"spec": {"replicas": "4"}});
        let styles = PatchStyles {
            quoted: &[],
            tagged: &[],
        };
        let planned = plan(&r, patch.as_object().unwrap(), styles);
        r.obj["spec"]["replicas"] = json!("4");
        record(&mut r, planned);
        assert!(r.plain_strings.is_empty() && r.tagged_strings.is_empty());
    }
}
