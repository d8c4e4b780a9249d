//! Name references: after names changed (prefixes, suffixes, hashes), rewrite the fields
//! that refer to the renamed objects, choosing the referral the way Kustomize does.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::fieldpath::{visit_spec, CreateKind};
use super::selector::effective_namespace;
use super::TransformResult;
use crate::resource::{Gvk, ResId, ResMap, Resource};
use crate::schema::{is_cluster_scoped, FieldSpec, NameBackRefs};

/// What the referral choice needs to know of each candidate.
struct Candidate {
    cur: ResId,
    prev: Vec<ResId>,
    /// Effective namespace of the original id (`default` for none; none for
    /// cluster-scoped objects).
    org_ns: Option<String>,
    /// Effective namespace of the current id, likewise.
    cur_ns: Option<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// Kustomize's effective namespace, `None` for cluster-scoped objects.
fn eff_ns(id: &ResId) -> Option<String> {
    if is_cluster_scoped(&id.gvk) {
        None
    } else {
        Some(effective_namespace(id).to_string())
    }
}

fn gvk_selected(x: &Gvk, sel: &Gvk) -> bool {
    (sel.group.is_empty() || sel.group == x.group)
        && (sel.version.is_empty() || sel.version == x.version)
        && (sel.kind.is_empty() || sel.kind == x.kind)
}

/// True when `a` and `b` end with the same elements (the shorter is a tail of the longer).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long[long.len() - short.len()..] == *short
}

fn affixes_equal(c: &Candidate, r: &Referrer, allow_empty: bool) -> bool {
    if allow_empty {
        (c.prefixes.is_empty() || r.prefixes.is_empty() || same_ending(&c.prefixes, r.prefixes))
            && (c.suffixes.is_empty()
                || r.suffixes.is_empty()
                || same_ending(&c.suffixes, r.suffixes))
    } else {
        same_ending(&c.prefixes, r.prefixes) && same_ending(&c.suffixes, r.suffixes)
    }
}

struct Referrer<'a> {
    cur: ResId,
    prefixes: &'a [String],
    suffixes: &'a [String],
    binding_namespaces: HashSet<String>,
    role_ref: Option<Gvk>,
}

impl Referrer<'_> {
    /// Kustomize's "subset that could be referenced by" this referrer.
    fn could_reference(&self, c: &Candidate) -> bool {
        if is_cluster_scoped(&self.cur.gvk) || is_cluster_scoped(&c.cur.gvk) {
            return true;
        }
        effective_namespace(&c.cur) == effective_namespace(&self.cur)
            || self.binding_namespaces.contains(&c.cur.namespace)
    }
}

struct Index {
    cands: Vec<Candidate>,
    by_prev_name: HashMap<String, Vec<usize>>,
}

impl Index {
    fn new(m: &ResMap) -> Index {
        let mut cands = Vec::with_capacity(m.len());
        let mut by_prev_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in m.iter().enumerate() {
            let mut names: Vec<&str> = r.prev_ids.iter().map(|id| id.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            for n in names {
                by_prev_name.entry(n.to_string()).or_default().push(i);
            }
            cands.push(Candidate {
                cur: r.id(),
                prev: r.prev_ids.clone(),
                org_ns: eff_ns(&r.orig_id()),
                cur_ns: eff_ns(&r.id()),
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            });
        }
        Index {
            cands,
            by_prev_name,
        }
    }

    /// Chooses the object that `old` refers to, or none.
    fn select(
        &self,
        old: &str,
        target: &Gvk,
        path: &str,
        r: &Referrer<'_>,
        ns_filter: Option<&str>,
        need_same_ns: bool,
    ) -> TransformResult<Option<&Candidate>> {
        let Some(list) = self.by_prev_name.get(old) else {
            return Ok(None);
        };
        let base = list
            .iter()
            .map(|&i| &self.cands[i])
            .filter(|c| r.could_reference(c));
        let base: Vec<&Candidate> = match ns_filter {
            None => base.collect(),
            Some(ns) => {
                // Kustomize groups every candidate the referrer could reference by its
                // original effective namespace and uses that group when it exists, else
                // the group of current namespaces; cluster-scoped objects are in neither.
                let in_org_group = self
                    .cands
                    .iter()
                    .any(|c| r.could_reference(c) && c.org_ns.as_deref() == Some(ns));
                if in_org_group {
                    base.filter(|c| c.org_ns.as_deref() == Some(ns)).collect()
                } else {
                    base.filter(|c| c.cur_ns.as_deref() == Some(ns)).collect()
                }
            }
        };
        let role_ref = if path.ends_with("roleRef/name") {
            r.role_ref.as_ref()
        } else {
            None
        };
        let mut c: Vec<&Candidate> = base
            .into_iter()
            .filter(|c| c.prev.iter().any(|id| gvk_selected(&id.gvk, target)))
            .filter(|c| role_ref.is_none_or(|g| c.prev.iter().any(|id| gvk_selected(&id.gvk, g))))
            .filter(|c| {
                is_cluster_scoped(&r.cur.gvk)
                    || is_cluster_scoped(&c.cur.gvk)
                    || c.cur.gvk.kind == "ServiceAccount"
                    || effective_namespace(&r.cur) == effective_namespace(&c.cur)
            })
            .collect();
        if c.len() == 1 {
            return Ok(c.pop());
        }
        c.retain(|x| affixes_equal(x, r, true));
        if c.len() > 1 {
            c.retain(|x| affixes_equal(x, r, false));
        }
        match c.len() {
            0 => Ok(None),
            1 => Ok(c.pop()),
            _ => {
                let first = c[0];
                let same = c.iter().all(|x| {
                    x.cur.name == first.cur.name
                        && (!need_same_ns || x.cur.namespace == first.cur.namespace)
                });
                if same {
                    Ok(Some(first))
                } else {
                    let ids: Vec<String> = c.iter().map(|x| x.cur.kustomize_string()).collect();
                    Err(format!(
                        "found multiple possible referrals: {}",
                        ids.join(", ")
                    ))
                }
            }
        }
    }
}

fn role_ref_gvk(obj: &Map<String, Value>) -> Option<Gvk> {
    let rr = obj.get("roleRef")?.as_object()?;
    Some(Gvk {
        group: rr.get("apiGroup")?.as_str()?.to_string(),
        version: String::new(),
        kind: rr.get("kind")?.as_str()?.to_string(),
    })
}

/// Namespaces of the ServiceAccount subjects of a (Cluster)RoleBinding; a subject with a
/// blank `namespace:` is an error, as in Kustomize.
fn binding_namespaces(r: &Resource) -> TransformResult<HashSet<String>> {
    let mut set = HashSet::new();
    let kind = r.kind();
    if kind != "RoleBinding" && kind != "ClusterRoleBinding" {
        return Ok(set);
    }
    if let Some(Value::Array(subjects)) = r.obj.get("subjects") {
        for s in subjects {
            if s.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
                continue;
            }
            match s.get("namespace") {
                None => {}
                Some(Value::String(ns)) if !ns.is_empty() => {
                    set.insert(ns.clone());
                }
                Some(_) => {
                    return Err(format!(
                        "Invalid Input: namespace is blank for resource \"{}\"",
                        r.id().kustomize_string()
                    ))
                }
            }
        }
    }
    Ok(set)
}

/// Rewrites every name reference in `m` according to the back-reference table.
pub fn fix(m: &mut ResMap, backrefs: &[NameBackRefs]) -> TransformResult {
    for r in m.iter() {
        binding_namespaces(r)?;
    }
    let index = Index::new(m);
    if index.by_prev_name.is_empty() {
        return Ok(());
    }
    let targets: Vec<(Gvk, &NameBackRefs)> = backrefs.iter().map(|b| (b.gvk(), b)).collect();
    for res in m.iter_mut() {
        let org_gvk = res.orig_id().gvk;
        let specs: Vec<(&Gvk, &FieldSpec)> = targets
            .iter()
            .flat_map(|(g, b)| b.referrers.iter().map(move |fs| (g, fs)))
            .filter(|(_, fs)| fs.selects(&org_gvk))
            .collect();
        if specs.is_empty() {
            continue;
        }
        let referrer = Referrer {
            cur: res.id(),
            prefixes: &res.prefixes,
            suffixes: &res.suffixes,
            binding_namespaces: binding_namespaces(res)?,
            role_ref: role_ref_gvk(&res.obj),
        };
        let mut obj = Value::Object(std::mem::take(&mut res.obj));
        let mut result = Ok(());
        for (target, fs) in specs {
            let r = visit_spec(&mut obj, &fs.path, CreateKind::None, &mut |node| {
                set_reference(node, &index, target, &fs.path, &referrer)
            });
            if let Err(e) = r {
                result = Err(format!(
                    "updating name reference in '{}' field of '{}': {e}",
                    fs.path,
                    referrer.cur.kustomize_string()
                ));
                break;
            }
        }
        if let Value::Object(o) = obj {
            res.obj = o;
        }
        result?;
    }
    Ok(())
}

fn set_reference(
    node: &mut Value,
    index: &Index,
    target: &Gvk,
    path: &str,
    r: &Referrer<'_>,
) -> TransformResult {
    match node {
        Value::Null => Ok(()),
        Value::String(s) => {
            if let Some(c) = index.select(s, target, path, r, None, false)? {
                if c.cur.name != *s {
                    *s = c.cur.name.clone();
                }
            }
            Ok(())
        }
        Value::Object(map) => set_mapping(map, index, target, path, r),
        Value::Array(items) => {
            for it in items {
                match it {
                    Value::String(_) => set_reference(it, index, target, path, r)?,
                    Value::Object(map) => set_mapping(map, index, target, path, r)?,
                    _ => {}
                }
            }
            Ok(())
        }
        _ => Err("node must be a scalar, sequence or map".into()),
    }
}

fn set_mapping(
    map: &mut Map<String, Value>,
    index: &Index,
    target: &Gvk,
    path: &str,
    r: &Referrer<'_>,
) -> TransformResult {
    let Some(name) = map.get("name") else {
        return Err("path config error; no 'name' field in node".into());
    };
    let old = name.as_str().unwrap_or("").to_string();
    let ns = map
        .get("namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(c) = index.select(&old, target, path, r, ns.as_deref(), true)? else {
        return Ok(());
    };
    if c.cur.name == old && c.cur.namespace.is_empty() {
        return Ok(());
    }
    map.insert("name".into(), Value::String(c.cur.name.clone()));
    if !c.cur.namespace.is_empty() {
        map.insert("namespace".into(), Value::String(c.cur.namespace.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        match v {
            Value::Object(o) => Resource::new(o, Origin::default()),
            _ => unreachable!(),
        }
    }

    #[test]
    fn renamed_config_map_is_followed() {
        let mut m = ResMap::new();
        let mut cm =
            res(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}));
        cm.set_name("cfg-abc");
        m.append(cm).unwrap();
        m.append(res(json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "c",
                "envFrom": [{"configMapRef": {"name": "cfg"}}]}],
                "volumes": [{"name": "v", "configMap": {"name": "cfg"}}]}}}
        })))
        .unwrap();
        fix(&mut m, &crate::schema::default_config().name_reference).unwrap();
        let d = &m.get(1).unwrap().obj;
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"],
            "cfg-abc"
        );
        assert_eq!(
            d["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"],
            "cfg-abc"
        );
    }
}
