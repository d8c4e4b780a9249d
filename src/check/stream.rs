//! One check run, fed object by object, so that `check FILES...` can stream its files: each
//! file is parsed, checked and dropped before the next is read.
//!
//! [`Checker::observe`] checks one object alone (schema, single-object linter rules) and lets
//! the linter and the exemptions keep a summary of it. [`Checker::cross`] runs the rules
//! across objects: the linter's (on its summaries) and the policy's, which read the objects
//! handed to it (a streaming caller keeps only the kinds those rules read, see [`Kept`]). [`Checker::settle`] applies the environment's rule levels and
//! exemptions and stamps the environment on every finding.

use super::{
    crd, exempt, levels, lint, policy, rules, schema, CheckOptions, EnvPolicy, Finding, Object,
};
use super::{Severity, Source};

/// A check run over one environment (or one set of files).
#[derive(Debug)]
pub struct Checker<'p> {
    schema: &'static schema::Schema,
    builtin_crds: &'static crd::CrdSet,
    user_crds: crd::CrdSet,
    linter: lint::Linter,
    exempter: exempt::Exempter,
    policy: Option<&'p EnvPolicy>,
    env: Option<String>,
    strict: bool,
}

/// Kinds that the rules reading whole objects ([`Checker::cross`]: the policy's, and rules
/// across objects that do not keep summaries) read. A streamed check keeps only objects of
/// these kinds; a rule that reads another kind adds it here.
pub const KINDS_READ_ACROSS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Service",
    "Namespace",
    "ServiceMonitor",
    "PodMonitor",
    "PrometheusRule",
    "PeerAuthentication",
    "AuthorizationPolicy",
    "DestinationRule",
    "ConfigMap",
];

/// Whether the rules across objects may read `obj` itself (not just a summary): objects of
/// [`KINDS_READ_ACROSS`]. CustomResourceDefinitions, most of the bytes of real-world
/// renders, are never kept.
pub fn needed_across(obj: &Object) -> bool {
    obj.value
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|k| KINDS_READ_ACROSS.contains(&k))
}

/// The objects a streamed check keeps for the rules across objects, stored as compact JSON
/// text (one allocation each, so the memory of the files read in between is given back)
/// and parsed again when those rules run.
#[derive(Debug, Default)]
pub struct Kept {
    objects: Vec<(Source, String)>,
}

impl Kept {
    /// Keeps `obj` if the rules across objects may read it.
    pub fn keep(&mut self, obj: &Object) {
        if needed_across(obj) {
            if let Ok(text) = serde_json::to_string(&obj.value) {
                self.objects.push((obj.source.clone(), text));
            }
        }
    }

    /// The kept objects, parsed again.
    pub fn into_objects(self) -> Vec<Object> {
        self.objects
            .into_iter()
            .filter_map(|(source, text)| {
                serde_json::from_str(&text)
                    .ok()
                    .map(|value| Object { value, source })
            })
            .collect()
    }
}

impl<'p> Checker<'p> {
    /// Starts a run with `policy` (if any) for environment `env`.
    pub fn new(
        policy: Option<&'p EnvPolicy>,
        env: Option<&str>,
        opts: &CheckOptions,
    ) -> crate::Result<Self> {
        Ok(Checker {
            schema: schema::Schema::get()?,
            builtin_crds: crd::CrdSet::builtin()?,
            user_crds: opts.crds.clone(),
            linter: lint::Linter::default(),
            exempter: exempt::Exempter::default(),
            policy,
            env: env.map(str::to_string),
            strict: opts.strict,
        })
    }

    /// Whether [`Checker::cross`] reads whole objects (the policy's rules, and the rules
    /// across objects of an environment); when not, a streaming caller need keep none.
    pub fn reads_whole_objects(&self) -> bool {
        self.policy.is_some() || self.env.is_some()
    }

    /// Checks one object alone and remembers what the rules across objects need of it.
    pub fn observe(&mut self, obj: &Object) -> Vec<Finding> {
        // A custom resource of a known CRD by its schema, anything else by the API's.
        let mut fs = super::custom_resource(&self.user_crds, self.builtin_crds, &obj.value)
            .unwrap_or_else(|| self.schema.validate(&obj.value));
        for f in &mut fs {
            f.source = obj.source.clone();
        }
        fs.extend(self.linter.observe(obj));
        self.exempter.observe(obj);
        fs
    }

    /// The findings of the rules across objects, once every object has been observed;
    /// `whole` holds the objects (at least those [`needed_across`]).
    pub fn cross(&mut self, whole: &[Object]) -> Vec<Finding> {
        let mut fs = std::mem::take(&mut self.linter).finish();
        if let Some(p) = self.policy {
            fs.extend(policy::evaluate(
                p,
                whole,
                self.env.as_deref().unwrap_or(""),
            ));
        }
        // Cross-object rules need the whole render: an environment, or files checked with
        // an environment's policy (a ServiceMonitor checked alone has no Service beside it).
        if let Some(env) = self.env.as_deref() {
            fs.extend(rules::evaluate(whole, self.policy, env));
        }
        fs
    }

    /// Applies rule levels and exemptions to all the findings of the run (adding stale
    /// exemptions) and stamps the environment on each.
    pub fn settle(self, mut findings: Vec<Finding>) -> Vec<Finding> {
        levels::apply(&mut findings, self.policy);
        self.exempter.apply(&mut findings, self.policy);
        for f in &mut findings {
            f.env = self.env.clone();
            if self.strict && f.severity == Severity::Note {
                f.severity = Severity::Error;
            }
        }
        findings
    }
}
