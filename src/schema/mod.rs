//! Compiled-in tables: Kustomize's default field specs and name-reference table, the
//! cluster-scoped kinds, and the output kind order.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::resource::Gvk;

pub mod crd;
pub mod custom;
pub mod openapi;
pub mod precomputed;

/// Where a transformer acts: a slash-separated path in objects of a group/version/kind
/// (empty parts match anything).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    /// API group to match (empty: any).
    #[serde(default)]
    pub group: Cow<'static, str>,
    /// API version to match (empty: any).
    #[serde(default)]
    pub version: Cow<'static, str>,
    /// Kind to match (empty: any).
    #[serde(default)]
    pub kind: Cow<'static, str>,
    /// Path of the field, `/`-separated, `[]` marking lists.
    pub path: Cow<'static, str>,
    /// Create the field when missing.
    #[serde(default, rename = "create")]
    pub create: bool,
}

impl FieldSpec {
    /// Whether the spec applies to objects of `gvk`.
    pub fn selects(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || *self.group == *gvk.group)
            && (self.version.is_empty() || *self.version == *gvk.version)
            && (self.kind.is_empty() || *self.kind == *gvk.kind)
    }
}

/// Objects of kind `target` are referred to by name from the `referrers` fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NameBackRefs {
    /// Group of the referenced kind.
    #[serde(default)]
    pub group: Cow<'static, str>,
    /// Version of the referenced kind.
    #[serde(default)]
    pub version: Cow<'static, str>,
    /// The referenced kind.
    pub kind: Cow<'static, str>,
    /// Fields that hold its name.
    #[serde(default, rename = "fieldSpecs")]
    pub referrers: Vec<FieldSpec>,
}

impl NameBackRefs {
    /// The referenced kind as a selector.
    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.to_string(),
            version: self.version.to_string(),
            kind: self.kind.to_string(),
        }
    }
}

/// Field specs of every built-in transformer, as Kustomize's `configurations:` files
/// spell them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TransformerConfig {
    #[serde(default)]
    pub name_prefix: Vec<FieldSpec>,
    #[serde(default)]
    pub name_suffix: Vec<FieldSpec>,
    #[serde(default, rename = "namespace")]
    pub name_space: Vec<FieldSpec>,
    #[serde(default)]
    pub common_labels: Vec<FieldSpec>,
    #[serde(default)]
    pub labels: Vec<FieldSpec>,
    #[serde(default)]
    pub template_labels: Vec<FieldSpec>,
    #[serde(default)]
    pub common_annotations: Vec<FieldSpec>,
    #[serde(default)]
    pub var_reference: Vec<FieldSpec>,
    #[serde(default)]
    pub name_reference: Vec<NameBackRefs>,
    #[serde(default)]
    pub images: Vec<FieldSpec>,
    #[serde(default)]
    pub replicas: Vec<FieldSpec>,
}

fn merge_specs(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
    if from.is_empty() {
        return;
    }
    // A set keeps merging linear: trees with many kustomizations merge hundreds of specs.
    let mut seen: std::collections::HashSet<FieldSpec> = into.iter().cloned().collect();
    for fs in from {
        if seen.insert(fs.clone()) {
            into.push(fs.clone());
        }
    }
}

impl TransformerConfig {
    /// Adds the specs of `other` that this config lacks.
    pub fn merge(&mut self, other: &TransformerConfig) {
        merge_specs(&mut self.name_prefix, &other.name_prefix);
        merge_specs(&mut self.name_suffix, &other.name_suffix);
        merge_specs(&mut self.name_space, &other.name_space);
        merge_specs(&mut self.common_labels, &other.common_labels);
        merge_specs(&mut self.labels, &other.labels);
        merge_specs(&mut self.template_labels, &other.template_labels);
        merge_specs(&mut self.common_annotations, &other.common_annotations);
        merge_specs(&mut self.var_reference, &other.var_reference);
        merge_specs(&mut self.images, &other.images);
        merge_specs(&mut self.replicas, &other.replicas);
        for nb in &other.name_reference {
            match self
                .name_reference
                .iter_mut()
                .find(|x| x.kind == nb.kind && x.group == nb.group && x.version == nb.version)
            {
                Some(x) => merge_specs(&mut x.referrers, &nb.referrers),
                None => self.name_reference.push(nb.clone()),
            }
        }
    }
}

/// Which list of [`TransformerConfig`] a row of the compiled-in table belongs to.
#[derive(Clone, Copy)]
enum Category {
    CommonLabels,
    TemplateLabels,
    CommonAnnotations,
    Namespace,
    NamePrefix,
    NameSuffix,
    Images,
    Replicas,
    VarReference,
    /// A name-reference field of the kind `group/version/kind` (empty parts: any).
    NameReference(&'static str, &'static str, &'static str),
}

/// One row of the compiled-in table: category, group, version, kind, path, create.
type Row = (
    Category,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

// `DEFAULT_FIELD_SPECS: &[Row]`, generated by build.rs from src/schema/fieldspecs.txt.
include!(concat!(env!("OUT_DIR"), "/fieldspecs.rs"));

/// The default field specs (Kustomize v5.5.0's built-in configuration). The table is
/// compiled in (build.rs turns `fieldspecs.txt` into static rows); the first call only
/// arranges borrowed rows into lists, with no parsing and no string copies.
pub fn default_config() -> &'static TransformerConfig {
    static CONFIG: OnceLock<TransformerConfig> = OnceLock::new();
    CONFIG.get_or_init(|| from_rows(DEFAULT_FIELD_SPECS))
}

fn from_rows(rows: &'static [Row]) -> TransformerConfig {
    let mut c = TransformerConfig::default();
    for &(cat, group, version, kind, path, create) in rows {
        let fs = FieldSpec {
            group: Cow::Borrowed(group),
            version: Cow::Borrowed(version),
            kind: Cow::Borrowed(kind),
            path: Cow::Borrowed(path),
            create,
        };
        let list = match cat {
            Category::CommonLabels => &mut c.common_labels,
            Category::TemplateLabels => &mut c.template_labels,
            Category::CommonAnnotations => &mut c.common_annotations,
            Category::Namespace => &mut c.name_space,
            Category::NamePrefix => &mut c.name_prefix,
            Category::NameSuffix => &mut c.name_suffix,
            Category::Images => &mut c.images,
            Category::Replicas => &mut c.replicas,
            Category::VarReference => &mut c.var_reference,
            Category::NameReference(group, version, kind) => {
                match c
                    .name_reference
                    .iter_mut()
                    .find(|x| x.kind == kind && x.group == group && x.version == version)
                {
                    Some(x) => x.referrers.push(fs),
                    None => c.name_reference.push(NameBackRefs {
                        group: Cow::Borrowed(group),
                        version: Cow::Borrowed(version),
                        kind: Cow::Borrowed(kind),
                        referrers: vec![fs],
                    }),
                }
                continue;
            }
        };
        list.push(fs);
    }
    c
}

/// Built-in kinds that are not namespaced, by group, version and kind, as the Kubernetes
/// 1.21.2 API that Kustomize v5.5 compiles in knows them. A kind or version it does not
/// know (ValidatingAdmissionPolicy, `flowcontrol.apiserver.k8s.io/v1`, any custom
/// resource) counts as namespaced there, and so here.
pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    let v = gvk.version.as_str();
    let ga_beta = matches!(v, "v1" | "v1beta1");
    let all_three = matches!(v, "v1" | "v1beta1" | "v1alpha1");
    match (gvk.group.as_str(), gvk.kind.as_str()) {
        ("", "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus") => v == "v1",
        ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding") => all_three,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => ga_beta,
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => ga_beta,
        ("apiregistration.k8s.io", "APIService") => ga_beta,
        ("storage.k8s.io", "StorageClass" | "CSIDriver" | "CSINode") => ga_beta,
        ("storage.k8s.io", "VolumeAttachment") => all_three,
        ("scheduling.k8s.io", "PriorityClass") => all_three,
        ("node.k8s.io", "RuntimeClass") => all_three,
        ("policy", "PodSecurityPolicy") => v == "v1beta1",
        ("networking.k8s.io", "IngressClass") => ga_beta,
        ("certificates.k8s.io", "CertificateSigningRequest") => ga_beta,
        ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration") => {
            matches!(v, "v1beta1" | "v1alpha1")
        }
        ("authentication.k8s.io", "TokenReview") => ga_beta,
        (
            "authorization.k8s.io",
            "SelfSubjectAccessReview" | "SelfSubjectRulesReview" | "SubjectAccessReview",
        ) => ga_beta,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_has_every_category() {
        let c = default_config();
        assert!(c.common_labels.len() > 20);
        assert_eq!(c.name_prefix.len(), 1);
        assert_eq!(c.name_reference.len(), 16);
        let cm = c
            .name_reference
            .iter()
            .find(|n| n.kind == "ConfigMap")
            .unwrap();
        assert_eq!(cm.referrers.len(), 52);
        assert!(c.replicas.iter().all(|f| f.create));
    }

    #[test]
    fn cluster_scope_follows_the_1_21_api() {
        let g = |av: &str, k: &str| is_cluster_scoped(&Gvk::from_api_version(av, k));
        assert!(g("v1", "Namespace"));
        assert!(!g(
            "servicebus.azure.com/v1beta20210101preview",
            "Namespace"
        ));
        assert!(g("rbac.authorization.k8s.io/v1", "ClusterRole"));
        assert!(g("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"));
        assert!(!g("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"));
        assert!(!g(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy"
        ));
    }
}
