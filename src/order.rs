//! Output ordering: Kustomize's legacy kind order (Namespaces and CRDs first, webhooks
//! last) or input order (`sortOptions: {order: fifo}`).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Deserialize;

use crate::resource::{or_placeholder, Gvk, ResId, ResMap};

/// Kinds printed first, in this order.
pub const DEFAULT_ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds printed last, in this order.
pub const DEFAULT_ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// `sortOptions:` of a kustomization.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    #[serde(default)]
    pub order: Option<String>,
    /// Custom first/last kind lists for `legacy`.
    #[serde(default)]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

/// Custom kind lists for the legacy order.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacySortOptions {
    /// Kinds first.
    #[serde(default)]
    pub order_first: Vec<String>,
    /// Kinds last.
    #[serde(default)]
    pub order_last: Vec<String>,
}

impl SortOptions {
    /// Checks the combination of fields as Kustomize does.
    pub fn validate(&self) -> Result<(), String> {
        match self.order.as_deref() {
            Some("fifo") if self.legacy_sort_options.is_some() => {
                Err("legacySortOptions is not allowed when order is fifo".into())
            }
            Some("fifo") | Some("legacy") => Ok(()),
            None => Err("the field 'sortOptions.order' must be one of [fifo, legacy]".into()),
            Some(o) => Err(format!(
                "the field 'sortOptions.order' must be one of [fifo, legacy], not {o:?}"
            )),
        }
    }
}

fn gvk_sort_string(g: &Gvk) -> String {
    format!(
        "{}_{}_{}",
        or_placeholder(&g.group, "~G"),
        or_placeholder(&g.version, "~V"),
        or_placeholder(&g.kind, "~K")
    )
}

fn id_sort_string(id: &ResId) -> String {
    format!(
        "{}|{}|{}",
        crate::resource::gvk_string(&id.gvk.kind, &id.gvk.version, &id.gvk.group),
        or_placeholder(&id.namespace, "~X"),
        or_placeholder(&id.name, "~N")
    )
}

/// Sorts `m` in Kustomize's legacy order with the given first/last kind lists.
pub fn legacy_sort(m: &mut ResMap, first: &[&str], last: &[&str]) {
    let mut rank: HashMap<&str, i64> = HashMap::new();
    for (i, k) in first.iter().enumerate() {
        rank.insert(k, i as i64 - first.len() as i64);
    }
    for (i, k) in last.iter().enumerate() {
        rank.insert(k, 1 + i as i64);
    }
    let mut keyed: Vec<(i64, String, String, usize)> = m
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r.id();
            (
                rank.get(id.gvk.kind.as_str()).copied().unwrap_or(0),
                gvk_sort_string(&id.gvk),
                id_sort_string(&id),
                i,
            )
        })
        .collect();
    let kinds: Vec<Gvk> = m.iter().map(|r| r.gvk()).collect();
    keyed.sort_by(|a, b| {
        let (ga, gb) = (&kinds[a.3], &kinds[b.3]);
        if ga != gb {
            if a.0 != b.0 {
                return a.0.cmp(&b.0);
            }
            if ga.kind == "Namespace"
                && gb.kind == "Namespace"
                && (ga.group.is_empty() || gb.group.is_empty())
            {
                return b.1.cmp(&a.1);
            }
            return a.1.cmp(&b.1);
        }
        a.2.cmp(&b.2).then(Ordering::Equal)
    });
    let order: Vec<usize> = keyed.into_iter().map(|k| k.3).collect();
    m.reorder(&order);
}

/// Applies the kustomization's `sortOptions` (legacy order by default).
pub fn apply(m: &mut ResMap, opts: Option<&SortOptions>) -> Result<(), String> {
    match opts {
        None => legacy_sort(m, &DEFAULT_ORDER_FIRST, &DEFAULT_ORDER_LAST),
        Some(o) => {
            o.validate()?;
            if o.order.as_deref() == Some("fifo") {
                return Ok(());
            }
            match &o.legacy_sort_options {
                Some(l) => {
                    let f: Vec<&str> = l.order_first.iter().map(String::as_str).collect();
                    let la: Vec<&str> = l.order_last.iter().map(String::as_str).collect();
                    legacy_sort(m, &f, &la);
                }
                None => legacy_sort(m, &DEFAULT_ORDER_FIRST, &DEFAULT_ORDER_LAST),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Origin, Resource};
    use serde_json::{json, Value};

    fn kinds(m: &ResMap) -> Vec<String> {
        m.iter()
            .map(|r| format!("{}/{}", r.kind(), r.name()))
            .collect()
    }

    #[test]
    fn legacy_order_puts_namespaces_first_and_webhooks_last() {
        let mut m = ResMap::new();
        for (av, k, n) in [
            (
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                "w",
            ),
            ("apps/v1", "StatefulSet", "s"),
            ("example.com/v1", "Widget", "x"),
            ("v1", "Service", "b"),
            ("v1", "Service", "a"),
            ("v1", "Namespace", "ns"),
        ] {
            if let Value::Object(o) = json!({"apiVersion": av, "kind": k, "metadata": {"name": n}})
            {
                m.append(Resource::new(o, Origin::default())).unwrap();
            }
        }
        apply(&mut m, None).unwrap();
        assert_eq!(
            kinds(&m),
            [
                "Namespace/ns",
                "Service/a",
                "Service/b",
                "StatefulSet/s",
                "Widget/x",
                "ValidatingWebhookConfiguration/w"
            ]
        );
        let fifo = SortOptions {
            order: Some("fifo".into()),
            legacy_sort_options: None,
        };
        let before = kinds(&m);
        apply(&mut m, Some(&fifo)).unwrap();
        assert_eq!(kinds(&m), before);
        assert!(apply(&mut m, Some(&SortOptions::default())).is_err());
    }
}
