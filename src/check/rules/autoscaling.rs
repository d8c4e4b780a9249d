//! Autoscaling rules: a HorizontalPodAutoscaler's target exists (`hpa-target-exists`) and
//! has no `spec.replicas` (`hpa-target-replicas`), so `kubectl apply` does not reset the
//! count the HPA chose. [`hpa_for`] also serves `replicas-minimum`, which reads the HPA's
//! `minReplicas` for a workload it targets.

use serde_json::Value;

use super::{finding, get, group_of, kind_of, name_of, namespace_of, str_at, Ctx};
use crate::check::schema::PathPart::Key;
use crate::check::{Finding, Object};

/// Whether `hpa`'s `scaleTargetRef` names `workload` (same namespace, kind, group, name).
fn targets(hpa: &Value, workload: &Value) -> bool {
    let r = |k: &str| str_at(hpa, &["spec", "scaleTargetRef", k]);
    namespace_of(hpa) == namespace_of(workload)
        && r("kind") == kind_of(workload)
        && r("name") == name_of(workload)
        && group_of(r("apiVersion")) == group_of(str_at(workload, &["apiVersion"]))
}

/// The HorizontalPodAutoscaler among `objects` that targets `workload`, if any.
pub fn hpa_for<'a>(objects: &'a [Object], workload: &Value) -> Option<&'a Object> {
    objects
        .iter()
        .find(|o| kind_of(&o.value) == "HorizontalPodAutoscaler" && targets(&o.value, workload))
}

/// The HPA's `spec.minReplicas` (1 when unset, as the API server defaults it).
pub fn min_replicas(hpa: &Value) -> Option<i64> {
    match get(hpa, &["spec", "minReplicas"]) {
        None | Some(Value::Null) => Some(1),
        Some(v) => v.as_i64(),
    }
}

pub(super) fn check(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for hpa in cx.of_kind("HorizontalPodAutoscaler") {
        let r = |k: &str| str_at(&hpa.value, &["spec", "scaleTargetRef", k]);
        let (kind, name) = (r("kind"), r("name"));
        if kind.is_empty() || name.is_empty() {
            continue; // a schema finding (required field)
        }
        let target = cx.objects.iter().find(|o| targets(&hpa.value, &o.value));
        let Some(target) = target else {
            let ns = namespace_of(&hpa.value);
            let same_kind: Vec<&str> = cx
                .objects
                .iter()
                .filter(|o| kind_of(&o.value) == kind && namespace_of(&o.value) == ns)
                .map(|o| name_of(&o.value))
                .collect();
            let fix = if same_kind.is_empty() {
                format!(
                    "no {kind} is rendered in namespace {ns:?}: point scaleTargetRef at the workload to scale (apiVersion, kind, name)"
                )
            } else {
                format!(
                    "set spec.scaleTargetRef.name to one of the rendered {kind}s: {}",
                    same_kind.join(", ")
                )
            };
            out.push(finding(
                "hpa-target-exists",
                hpa,
                &[Key("spec"), Key("scaleTargetRef"), Key("name")],
                format!(
                    "scaleTargetRef names {} {kind} {name:?}, which is not rendered in namespace {ns:?}: the HPA scales nothing",
                    r("apiVersion")
                ),
                fix,
            ));
            continue;
        };
        if get(&target.value, &["spec", "replicas"]).is_some_and(|v| !v.is_null()) {
            out.push(finding(
                "hpa-target-replicas",
                target,
                &[Key("spec"), Key("replicas")],
                format!(
                    "HorizontalPodAutoscaler {} scales this {kind}, but spec.replicas is set: every `kubectl apply` resets the replica count the HPA chose",
                    name_of(&hpa.value)
                ),
                "remove spec.replicas (the autoscaling component does, with `replicas: null`); an overlay's own `replicas:` field re-creates it after its components run, so drop that too and set the HPA's minReplicas instead".into(),
            ));
        }
    }
}
