//! Rename and move detection (`diff --detect-renames`): a removed and an added object of the
//! same apiVersion and kind whose content, name and namespace aside, is nearly the same.

use std::collections::HashMap;

use serde_json::Value;

use super::Key;

/// The default similarity threshold, in percent.
pub const DEFAULT_THRESHOLD: u8 = 80;

/// Above this many candidate pairs in one apiVersion/kind, renames are not looked for
/// (each pair costs a line diff).
pub const MAX_PAIRS: usize = 250_000;

/// The YAML of `v` without `metadata.name` and `metadata.namespace`, as compared lines.
fn comparable(v: &Value) -> String {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("name");
        m.remove("namespace");
    }
    let mut out = String::new();
    crate::yaml::emit_document(&v, &mut out);
    out
}

/// How similar two texts are, line by line, in percent (0-100).
pub fn similarity(a: &str, b: &str) -> u8 {
    let ratio = similar::TextDiff::from_lines(a, b).ratio();
    // ratio is in [0, 1]; round down so that a threshold of 100 means identical.
    (ratio * 100.0).floor().clamp(0.0, 100.0) as u8
}

/// Pairs the unmatched old and new objects of each apiVersion/kind, most similar first,
/// when at least `threshold` percent similar. Returns the similarity by new index.
pub(super) fn pair_similar(
    (old, old_keys): (&[&Value], &[Key]),
    (new, new_keys): (&[&Value], &[Key]),
    old_used: &mut [bool],
    matched: &mut [Option<usize>],
    threshold: u8,
) -> HashMap<usize, u8> {
    // Per apiVersion/kind: the unmatched old and new indices.
    type Candidates = (Vec<usize>, Vec<usize>);
    let mut groups: HashMap<(&str, &str), Candidates> = HashMap::new();
    for (i, k) in old_keys.iter().enumerate() {
        if !old_used[i] {
            groups.entry((k.api_version, k.kind)).or_default().0.push(i);
        }
    }
    for (j, k) in new_keys.iter().enumerate() {
        if matched[j].is_none() {
            if let Some(g) = groups.get_mut(&(k.api_version, k.kind)) {
                g.1.push(j);
            }
        }
    }
    let mut out = HashMap::new();
    let mut groups: Vec<_> = groups.into_values().collect();
    groups.sort();
    for (olds, news) in groups {
        if olds.is_empty() || news.is_empty() || olds.len() * news.len() > MAX_PAIRS {
            continue;
        }
        let old_text: Vec<String> = olds.iter().map(|&i| comparable(old[i])).collect();
        let new_text: Vec<String> = news.iter().map(|&j| comparable(new[j])).collect();
        let mut scores: Vec<(u8, usize, usize)> = Vec::new();
        for (a, &i) in olds.iter().enumerate() {
            for (b, &j) in news.iter().enumerate() {
                let s = similarity(&old_text[a], &new_text[b]);
                if s >= threshold {
                    scores.push((s, i, j));
                }
            }
        }
        // Most similar first; ties in input order, so the pairing is stable.
        scores.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
        for (s, i, j) in scores {
            if old_used[i] || matched[j].is_some() {
                continue;
            }
            old_used[i] = true;
            matched[j] = Some(i);
            out.insert(j, s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff_sets, diff_sets_with};
    use serde_json::json;

    fn deploy(name: &str, ns: &str, image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "namespace": ns, "labels": {"app": "web", "team": "a"}},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": image,
                                              "ports": [{"containerPort": 8080}]}]}}}})
    }

    #[test]
    fn a_rename_with_an_edit_is_one_change() {
        let old = vec![deploy("web", "prod", "web:1")];
        let new = vec![deploy("frontend", "prod", "web:2")];
        assert_eq!(
            diff_sets(&old, &new).summary(),
            "0 changed, 1 added, 1 removed"
        );
        let r = diff_sets_with(&old, &new, Some(DEFAULT_THRESHOLD));
        assert_eq!(r.summary(), "1 changed, 0 added, 0 removed");
        let e = &r.entries[0];
        assert!(
            e.similarity.is_some_and(|s| (80..100).contains(&s)),
            "{:?}",
            e.similarity
        );
        assert!(
            e.header()
                .starts_with("~ Deployment prod/web -> frontend (renamed, "),
            "{}",
            e.header()
        );
        let paths: Vec<&str> = e.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "metadata.name",
                "spec.template.spec.containers[name=web].image"
            ]
        );
    }

    #[test]
    fn a_move_between_namespaces() {
        let old = vec![deploy("web", "staging", "web:1")];
        let new = vec![deploy("web", "prod", "web:1")];
        let r = diff_sets_with(&old, &new, Some(DEFAULT_THRESHOLD));
        assert_eq!(r.summary(), "1 changed, 0 added, 0 removed");
        assert_eq!(
            r.entries[0].header(),
            "~ Deployment staging/web -> prod/web (renamed, 100% similar)"
        );
    }

    #[test]
    fn below_the_threshold_or_another_kind_stays_removed_and_added() {
        let mut other = deploy("api", "prod", "api:7");
        other["spec"] = json!({"replicas": 1});
        let old = vec![deploy("web", "prod", "web:1")];
        let new = vec![other];
        let r = diff_sets_with(&old, &new, Some(DEFAULT_THRESHOLD));
        assert_eq!(r.summary(), "0 changed, 1 added, 1 removed");
        let mut sts = deploy("web2", "prod", "web:1");
        sts["kind"] = json!("StatefulSet");
        let new = [sts];
        let r = diff_sets_with(&old, &new, Some(0));
        assert_eq!(r.summary(), "0 changed, 1 added, 1 removed");
    }

    #[test]
    fn the_most_similar_pair_wins() {
        let old = vec![deploy("a", "p", "img:1"), deploy("b", "p", "other:9")];
        let new = vec![deploy("b2", "p", "other:9"), deploy("a2", "p", "img:1")];
        let r = diff_sets_with(&old, &new, Some(50));
        let heads: Vec<String> = r.entries.iter().map(|e| e.header()).collect();
        assert_eq!(
            heads,
            vec![
                "~ Deployment p/b -> b2 (renamed, 100% similar)",
                "~ Deployment p/a -> a2 (renamed, 100% similar)"
            ]
        );
        assert_eq!(similarity("a\nb\n", "a\nb\n"), 100);
        assert_eq!(similarity("a\n", "b\n"), 0);
    }
}
