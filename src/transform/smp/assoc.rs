//! Associative lists: merging a list whose schema strategy is `merge` element by element,
//! matched by merge keys, as kyaml's `walkAssociativeSequence` does it, with the fast
//! path for the common case (every element keyed, no duplicates, no directives) and
//! kyaml's step-by-step algorithm, quirks included, for the rest.

use std::borrow::Cow;

use serde_json::Value;

use super::{
    kind_of, parse_directive, scalar_text, self_merge, text_eq, walk, NodeKind, Result, SmpError,
    Walked, DIRECTIVE,
};
use crate::schema::openapi::{OpenApi, Schema};

/// The values of `keys` in one element, as kyaml's `ElementValuesList` reads them:
/// `""` for a missing, null or empty field.
fn element_key_values(e: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| match e {
            Value::Object(m) => match m.get(*k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::Object(x)) if x.is_empty() => String::new(),
                Some(Value::Array(x)) if x.is_empty() => String::new(),
                Some(v) => scalar_text(v).into_owned(),
            },
            _ => String::new(),
        })
        .collect()
}

/// kyaml's `validateKeys`: drops keys that no element has a value for, unless none has
/// any.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    validate_keys_with(&valid_key_mask(values_list, keys.len()), values, keys)
}

/// Which keys some tuple of `values_list` has a value for (the first half of
/// [`validate_keys`], which only depends on the list).
fn valid_key_mask(values_list: &[Vec<String>], n_keys: usize) -> Vec<bool> {
    let mut valid = vec![false; n_keys];
    for vals in values_list {
        for (i, v) in vals.iter().enumerate() {
            if !v.is_empty() && i < valid.len() {
                valid[i] = true;
            }
        }
    }
    valid
}

/// The second half of [`validate_keys`], given the list's key mask.
fn validate_keys_with(
    valid: &[bool],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    if !valid.iter().any(|b| *b) {
        return (keys.to_vec(), values.to_vec());
    }
    let valid_keys = keys
        .iter()
        .zip(valid)
        .filter(|(_, ok)| **ok)
        .map(|(k, _)| k.clone())
        .collect();
    let valid_values = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || valid.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// kyaml's `match`: two key tuples match when they share a value and differ only where
/// one side is empty; the result fills the gaps.
fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// kyaml's `mergeValues`, including its reading of the outer tuple once per row.
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let v1 = list[i].clone();
        for j in 0..list.len() {
            if let Some(res) = match_values(&v1, &list[j]) {
                list[i] = res.clone();
                list[j] = res;
            }
        }
    }
}

/// kyaml's `ElementMatcher` (`ElementList`): the first element matching all key values.
fn element_list<'v>(
    items: impl IntoIterator<Item = &'v Value>,
    keys: &[String],
    values: &[String],
) -> Option<usize> {
    let first_key = keys.first().map(String::as_str).unwrap_or("");
    let first_value = values.first().map(String::as_str).unwrap_or("");
    for (i, e) in items.into_iter().enumerate() {
        if first_key.is_empty() {
            if text_eq(e, first_value) {
                return Some(i);
            }
            continue;
        }
        let Value::Object(m) = e else { continue };
        if keys.len() != values.len() {
            return None;
        }
        let all = keys
            .iter()
            .zip(values)
            .all(|(k, v)| m.get(k.as_str()).is_some_and(|f| text_eq(f, v)));
        if all {
            return Some(i);
        }
    }
    None
}

/// kyaml's `FieldMatcher{Name, StringValue}` on one element: `Ok(false)` for no match,
/// an error where kyaml errors (wrong node kind).
fn field_matches(e: &Value, name: &str, value: &str) -> Result<bool> {
    if e.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        return match e {
            Value::Object(_) | Value::Array(_) => Err(SmpError::WrongKind {
                path: ".".to_string(),
                expected: NodeKind::Scalar.name(),
                found: kind_of(e).map_or("ScalarNode", NodeKind::name),
            }),
            _ => Ok(text_eq(e, value)),
        };
    }
    match e {
        Value::Object(m) => Ok(match m.get(name) {
            None => false,
            Some(f) => value.is_empty() || text_eq(f, value),
        }),
        _ => Err(SmpError::WrongKind {
            path: ".".to_string(),
            expected: NodeKind::Map.name(),
            found: kind_of(e).map_or("ScalarNode", NodeKind::name),
        }),
    }
}

/// kyaml's `ElementSetter`: replaces the elements matching `keys`/`values` with
/// `element`, or deletes them when `element` is `None`; appends `element` when nothing
/// matched. Null and empty-map elements are dropped on the way.
fn element_setter(
    list: &mut Vec<Value>,
    element: Option<&Value>,
    keys: &[String],
    values: &[String],
) -> Result<()> {
    let empty_key = [String::new()];
    let keys: &[String] = if keys.is_empty() { &empty_key } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut found_any = false;
    for e in std::mem::take(list) {
        let drop = match &e {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            _ => false,
        };
        if drop {
            continue;
        }
        if !e.is_object() && mapping_setter {
            out.push(e);
            continue;
        }
        let mut found = true;
        let mut val = false;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                val = field_matches(&e, key, v)?;
            }
            if !val {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(e);
            }
            continue;
        }
        found_any = true;
        if let Some(el) = element {
            out.push(el.clone());
        }
    }
    *list = out;
    match element {
        None | Some(Value::Null) => {}
        Some(el) => {
            if !found_any {
                list.push(el.clone());
            }
        }
    }
    Ok(())
}

/// kyaml's `appendListNode`: sets each element of `src` into `dst` by its key values.
fn append_list_node(dst: &mut Vec<Value>, src: Vec<Value>, keys: &[String]) -> Result<()> {
    let primitive = keys.first().is_none_or(|k| k.is_empty());
    for elem in src {
        if primitive {
            let text = scalar_text(&elem).into_owned();
            element_setter(dst, Some(&elem), &[String::new()], &[text])?;
            continue;
        }
        let mut v = Vec::with_capacity(keys.len());
        for key in keys {
            match &elem {
                Value::Null => dst.push(elem.clone()),
                Value::Object(m) => match m.get(key.as_str()) {
                    None => dst.push(elem.clone()),
                    Some(f) => v.push(scalar_text(f).into_owned()),
                },
                other => {
                    return Err(SmpError::WrongKind {
                        path: ".".to_string(),
                        expected: NodeKind::Map.name(),
                        found: kind_of(other).map_or("ScalarNode", NodeKind::name),
                    })
                }
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, keys, &v)?;
        }
        element_setter(dst, Some(&elem), keys, &v)?;
    }
    Ok(())
}

/// The key values of one element for the simple path.
#[derive(PartialEq)]
enum Tuple<'v> {
    /// A single merge key, or a primitive's own text.
    One(Cow<'v, str>),
    /// Several merge keys.
    Many(Vec<Cow<'v, str>>),
}

/// A non-empty scalar's text, for the simple path.
fn simple_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s.as_str())),
        Value::Number(_) | Value::Bool(_) => Some(scalar_text(v)),
        _ => None,
    }
}

/// The key tuple of an element for the simple path: `None` unless the element is a map
/// without `$patch` whose every key holds a non-empty scalar (or, for a list of
/// primitives, the element is a non-empty scalar).
fn simple_tuple<'v>(e: &'v Value, keys: &[&str]) -> Option<Tuple<'v>> {
    if keys.is_empty() {
        return simple_text(e).map(Tuple::One);
    }
    let Value::Object(m) = e else { return None };
    if m.contains_key(DIRECTIVE) {
        return None;
    }
    if let [key] = keys {
        return m.get(*key).and_then(simple_text).map(Tuple::One);
    }
    keys.iter()
        .map(|k| m.get(*k).and_then(simple_text))
        .collect::<Option<Vec<_>>>()
        .map(Tuple::Many)
}

/// Key tuples of a whole list for the simple path, or `None` when an element does not
/// qualify or two elements share a tuple.
fn simple_tuples<'v>(
    items: impl Iterator<Item = &'v Value>,
    keys: &[&str],
) -> Option<Vec<Tuple<'v>>> {
    let mut out: Vec<Tuple<'v>> = Vec::new();
    for e in items {
        let t = simple_tuple(e, keys)?;
        if out.contains(&t) {
            return None;
        }
        out.push(t);
    }
    Some(out)
}

/// The common case of [`merge_assoc`], computed directly: when every element (on both
/// sides) carries all merge keys with non-empty scalar values, no element has `$patch`
/// and no key tuple repeats within a list, kyaml's algorithm reduces to: with one merge
/// key, the patch's elements in patch order (merged into their targets) followed by the
/// target's unmatched elements; with several keys, the patch's unmatched elements
/// followed by all the target's elements (merged) in target order; for primitives, the
/// patch's values then the target's new ones, a matched value taken from the target.
/// Returns `None`, having changed nothing, when the list does not qualify.
fn merge_assoc_simple(
    dest: &mut Vec<Value>,
    origin: Option<&[&Value]>,
    keys: &[&str],
    elem_schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Option<Vec<Value>>> {
    let Some(dest_tuples) = simple_tuples(dest.iter(), keys) else {
        return Ok(None);
    };
    let Some(origin) = origin else {
        // Merged with itself: each element with itself, in place. (Without `$patch`
        // nothing is cleared; were it, kyaml would drop the element.)
        drop(dest_tuples);
        let mut out = Vec::with_capacity(dest.len());
        for mut e in std::mem::take(dest) {
            match self_merge(&mut e, elem_schema, api)? {
                Walked::Kept => out.push(e),
                Walked::Replaced(v) => out.push(v),
                Walked::Cleared => {}
            }
        }
        return Ok(Some(out));
    };
    let Some(origin_tuples) = simple_tuples(origin.iter().copied(), keys) else {
        return Ok(None);
    };
    // For each patch element, the index of its target element.
    let matches: Vec<Option<usize>> = origin_tuples
        .iter()
        .map(|t| dest_tuples.iter().position(|d| d == t))
        .collect();
    drop(dest_tuples);
    drop(origin_tuples);
    let mut matched = vec![false; dest.len()];
    for m in matches.iter().flatten() {
        matched[*m] = true;
    }
    if keys.is_empty() {
        let mut out = Vec::with_capacity(origin.len() + dest.len());
        let mut dest_slots: Vec<Option<Value>> =
            std::mem::take(dest).into_iter().map(Some).collect();
        for (j, m) in matches.iter().enumerate() {
            match m.and_then(|i| dest_slots[i].take()) {
                Some(v) => out.push(v),
                None => out.push(origin[j].clone()),
            }
        }
        out.extend(dest_slots.into_iter().flatten());
        return Ok(Some(out));
    }
    // Walk every element: matched pairs, then the target's own elements. (Without
    // `$patch` nothing is cleared; were it, kyaml would drop the element.)
    let mut new_elems: Vec<Option<Value>> = Vec::with_capacity(origin.len());
    let mut dropped = vec![false; dest.len()];
    for (j, m) in matches.iter().enumerate() {
        match m {
            Some(i) => {
                match walk(Some(&mut dest[*i]), Some(origin[j]), elem_schema, api)? {
                    Walked::Kept => {}
                    Walked::Replaced(v) => dest[*i] = v,
                    Walked::Cleared => dropped[*i] = true,
                }
                new_elems.push(None);
            }
            None => match walk(None, Some(origin[j]), elem_schema, api)? {
                Walked::Replaced(v) => new_elems.push(Some(v)),
                _ => new_elems.push(None),
            },
        }
    }
    for (i, e) in dest.iter_mut().enumerate() {
        if matched[i] {
            continue;
        }
        match walk(Some(e), None, elem_schema, api)? {
            Walked::Kept => {}
            Walked::Replaced(v) => *e = v,
            Walked::Cleared => dropped[i] = true,
        }
    }
    let dest_slots: Vec<Option<Value>> = std::mem::take(dest)
        .into_iter()
        .zip(dropped)
        .map(|(e, d)| (!d).then_some(e))
        .collect();
    let mut dest_slots = dest_slots;
    let mut out = Vec::with_capacity(origin.len() + dest_slots.len());
    if keys.len() == 1 {
        for (j, m) in matches.iter().enumerate() {
            match m {
                Some(i) => out.extend(dest_slots[*i].take()),
                None => out.extend(new_elems[j].take()),
            }
        }
        out.extend(dest_slots.into_iter().flatten());
    } else {
        out.extend(new_elems.into_iter().flatten());
        out.extend(dest_slots.into_iter().flatten());
    }
    Ok(Some(out))
}

/// Merges an associative list: kyaml's `walkAssociativeSequence` after `VisitList`, with
/// the patch's elements prepended. `origin` is `None` when the list is merged with itself
/// (origin and target are the same node).
pub(super) fn merge_assoc(
    mut dest: Vec<Value>,
    origin: Option<&[&Value]>,
    keys: &[&str],
    elem_schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Vec<Value>> {
    if let Some(merged) = merge_assoc_simple(&mut dest, origin, keys, elem_schema, api)? {
        return Ok(merged);
    }
    merge_assoc_general(dest, origin, keys, elem_schema, api)
}

/// [`merge_assoc`] step by step as kyaml does it, for any list.
fn merge_assoc_general(
    mut dest: Vec<Value>,
    origin: Option<&[&Value]>,
    keys: &[&str],
    elem_schema: Option<Schema<'_>>,
    api: OpenApi<'_>,
) -> Result<Vec<Value>> {
    // The key tuples of all elements, patch first, de-duplicated.
    let (mut values_list, keys): (Vec<Vec<String>>, Vec<String>) = if keys.is_empty() {
        let mut seen: Vec<Vec<String>> = Vec::new();
        let origin_iter: Box<dyn Iterator<Item = &Value>> = match origin {
            Some(o) => Box::new(o.iter().copied()),
            None => Box::new(dest.iter()),
        };
        for e in origin_iter.chain(dest.iter()) {
            let t = vec![scalar_text(e).into_owned()];
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        (seen, vec![String::new()])
    } else {
        let mut seen: Vec<Vec<String>> = Vec::new();
        let origin_iter: Box<dyn Iterator<Item = &Value>> = match origin {
            Some(o) => Box::new(o.iter().copied()),
            None => Box::new(dest.iter()),
        };
        for e in origin_iter.chain(dest.iter()) {
            let t = element_key_values(e, keys);
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        (seen, keys.iter().map(|k| (*k).to_string()).collect())
    };
    if values_list.is_empty() {
        return Ok(dest);
    }
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let list_mask = valid_key_mask(&values_list, keys.len());
    let mut items: Vec<Value> = Vec::new();
    let mut valid_keys: Vec<String> = Vec::new();
    let mut elided = vec![false; origin.map_or(0, <[&Value]>::len)];
    for values in &values_list {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys_with(&list_mask, values, &keys);
        let (k2, v2) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let di = element_list(dest.iter(), &k2, &v2);
        let walked = match origin {
            None => match di {
                Some(i) => self_merge(&mut dest[i], elem_schema, api)?,
                None => Walked::Cleared,
            },
            Some(o) => {
                let oi = element_list(o.iter().copied(), &k2, &v2);
                // kyaml removes a recognised `$patch` from the patch element when it
                // acts on it, so a second walk of the same element (tuples duplicated by
                // `merge_values`) no longer sees it.
                let stripped;
                let ov = match oi {
                    Some(i) if elided[i] => {
                        let mut m = o[i].as_object().cloned().unwrap_or_default();
                        m.remove(DIRECTIVE);
                        stripped = Value::Object(m);
                        Some(&stripped)
                    }
                    Some(i) => {
                        elided[i] = o[i]
                            .as_object()
                            .and_then(|m| m.get(DIRECTIVE))
                            .is_some_and(|v| parse_directive(&scalar_text(v)).is_some());
                        Some(o[i])
                    }
                    None => None,
                };
                match di {
                    Some(i) => walk(Some(&mut dest[i]), ov, elem_schema, api)?,
                    None => match walk(None, ov, elem_schema, api)? {
                        Walked::Kept => Walked::Cleared,
                        w => w,
                    },
                }
            }
        };
        // The merged element, and whether it is the target's element itself.
        let (mut val, in_place) = match walked {
            Walked::Kept => match di {
                Some(i) => (dest[i].clone(), true),
                None => (Value::Null, false),
            },
            Walked::Replaced(v) => (v, false),
            Walked::Cleared => (Value::Null, false),
        };
        valid_keys = vk.clone();
        let empty = match &val {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            _ => false,
        };
        if empty {
            element_setter(&mut dest, None, &vk, &vv)?;
            continue;
        }
        if let Value::Object(m) = &mut val {
            let mut added = false;
            for (k, v) in vk.iter().zip(&vv) {
                if !m.contains_key(k.as_str()) && !v.is_empty() {
                    m.insert(k.clone(), Value::String(v.clone()));
                    added = true;
                }
            }
            if added && in_place {
                if let Some(i) = di {
                    dest[i] = val.clone();
                }
            }
        }
        element_setter(&mut items, Some(&val), &vk, &vv)?;
    }
    append_list_node(&mut items, dest, &valid_keys)?;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Map;

    fn elem(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
        (
            proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], keys.len()),
            prop_oneof![Just(None), Just(Some("1")), Just(Some("2"))],
        )
            .prop_map(move |(vals, extra)| {
                let mut m = Map::new();
                for (k, v) in keys.iter().zip(vals) {
                    m.insert((*k).to_string(), Value::String(v.to_string()));
                }
                if let Some(x) = extra {
                    m.insert("x".to_string(), Value::String(x.to_string()));
                }
                Value::Object(m)
            })
    }

    fn list(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<Value>> {
        proptest::collection::vec(elem(keys), 0..5)
    }

    fn prim_list() -> impl Strategy<Value = Vec<Value>> {
        proptest::collection::vec(
            prop_oneof![
                Just(json!("a")),
                Just(json!("b")),
                Just(json!(1)),
                Just(json!("1"))
            ],
            0..5,
        )
    }

    fn both(dest: &[Value], origin: Option<&[Value]>, keys: &[&str]) {
        let view: Option<Vec<&Value>> = origin.map(|o| o.iter().collect());
        let mut d = dest.to_vec();
        let simple = merge_assoc_simple(&mut d, view.as_deref(), keys, None, OpenApi::BUILTIN);
        let Ok(Some(simple)) = simple else { return };
        let general =
            merge_assoc_general(dest.to_vec(), view.as_deref(), keys, None, OpenApi::BUILTIN);
        assert_eq!(
            Ok(simple),
            general,
            "dest {dest:?} origin {origin:?} keys {keys:?}"
        );
    }

    use serde_json::json;

    proptest! {
        /// The direct path gives what kyaml's step-by-step algorithm gives.
        #[test]
        fn one_key(dest in list(&["name"]), origin in list(&["name"])) {
            both(&dest, Some(&origin), &["name"]);
            both(&dest, None, &["name"]);
            both(&dest, Some(&[]), &["name"]);
        }

        #[test]
        fn two_keys(dest in list(&["port", "protocol"]), origin in list(&["port", "protocol"])) {
            both(&dest, Some(&origin), &["port", "protocol"]);
            both(&dest, None, &["port", "protocol"]);
        }

        #[test]
        fn primitives(dest in prim_list(), origin in prim_list()) {
            both(&dest, Some(&origin), &[]);
            both(&dest, None, &[]);
        }
    }
}
