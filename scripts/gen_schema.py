#!/usr/bin/env python3
"""Generate the compact Kubernetes schema table that `kagentctl check` embeds.

Source: the strict JSON Schemas shipped by the PyPI package `kubernetes-validate`
(`kubernetes_validate/kubernetes-json-schema/v<VERSION>-local-strict/_definitions.json`),
which are derived from the Kubernetes OpenAPI document of that release.

Usage:
    pip install kubernetes-validate
    python3 scripts/gen_schema.py                 # Kubernetes 1.32.0 (default)
    python3 scripts/gen_schema.py --k8s 1.33.0    # refresh for a new release
    python3 scripts/gen_schema.py --check         # fail if the committed file is stale

Output: `src/check/schema.json`, one line of JSON, descriptions and patch metadata stripped.

Format (read by `src/check/schema.rs`):

    {"version": "1.32.0",
     "kinds": {"apps/v1/StatefulSet": "apps.v1.StatefulSet", ...},   # apiVersion/kind -> def
     "defs":  {"apps.v1.StatefulSet": NODE, ...}}

    NODE is one of
      "s" string   "i" integer   "i32" 32-bit integer   "n" number   "b" boolean   "*" anything
      "ios" int-or-string        "q" resource quantity      "o" free-form object
      "b64" base64-encoded bytes (a string)
      "#DEF" a reference to defs[DEF]
      {"p": {FIELD: NODE}, "r": [REQUIRED...]}   object with known fields (strict)
      {"m": NODE}                                 map from string keys to NODE
      {"a": NODE}                                 array of NODE
      {"e": [VALUES...]}                          string enum
      {"e": [VALUES...], "z": 1}                  string enum that also accepts "" (defaulted)

Enums: the 1.32 OpenAPI v2 document carries no `enum` for API fields (only apiVersion and
kind), although the API server rejects values outside a fixed set for many of them. The
ENUMS and EXTRA_REQUIRED tables below add those from the API server's validation code
(k8s.io/kubernetes/pkg/apis/*/validation, release-1.32); review them on a refresh.
"""

import argparse
import importlib.util
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "check", "schema.json")

# (definition, field) -> allowed values, enforced by the API server's validation.
ENUMS = {
    ("core.v1.Container", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    ("core.v1.Container", "terminationMessagePolicy"): ["File", "FallbackToLogsOnError"],
    ("core.v1.Container", "restartPolicy"): ["Always"],
    ("core.v1.EphemeralContainer", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    ("core.v1.ContainerPort", "protocol"): ["TCP", "UDP", "SCTP"],
    ("core.v1.ServicePort", "protocol"): ["TCP", "UDP", "SCTP"],
    ("core.v1.EndpointPort", "protocol"): ["TCP", "UDP", "SCTP"],
    ("core.v1.PodSpec", "restartPolicy"): ["Always", "OnFailure", "Never"],
    ("core.v1.PodSpec", "dnsPolicy"): ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    ("core.v1.PodSpec", "preemptionPolicy"): ["Never", "PreemptLowerPriority"],
    ("core.v1.ServiceSpec", "type"): ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
    ("core.v1.ServiceSpec", "sessionAffinity"): ["ClientIP", "None"],
    ("core.v1.ServiceSpec", "externalTrafficPolicy"): ["Cluster", "Local"],
    ("core.v1.ServiceSpec", "internalTrafficPolicy"): ["Cluster", "Local"],
    ("core.v1.ServiceSpec", "ipFamilyPolicy"): ["SingleStack", "PreferDualStack", "RequireDualStack"],
    ("core.v1.Toleration", "operator"): ["Exists", "Equal"],
    ("core.v1.Toleration", "effect"): ["NoSchedule", "PreferNoSchedule", "NoExecute"],
    ("core.v1.NodeSelectorRequirement", "operator"): ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
    ("meta.v1.LabelSelectorRequirement", "operator"): ["In", "NotIn", "Exists", "DoesNotExist"],
    ("core.v1.TopologySpreadConstraint", "whenUnsatisfiable"): ["DoNotSchedule", "ScheduleAnyway"],
    ("core.v1.PersistentVolumeClaimSpec", "volumeMode"): ["Filesystem", "Block"],
    ("core.v1.HTTPGetAction", "scheme"): ["HTTP", "HTTPS"],
    ("core.v1.SeccompProfile", "type"): ["Unconfined", "RuntimeDefault", "Localhost"],
    ("core.v1.PodSecurityContext", "fsGroupChangePolicy"): ["OnRootMismatch", "Always"],
    ("apps.v1.StatefulSetSpec", "podManagementPolicy"): ["OrderedReady", "Parallel"],
    ("apps.v1.StatefulSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("apps.v1.DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    ("apps.v1.DaemonSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy", "whenDeleted"): ["Retain", "Delete"],
    ("apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy", "whenScaled"): ["Retain", "Delete"],
    ("batch.v1.CronJobSpec", "concurrencyPolicy"): ["Allow", "Forbid", "Replace"],
    ("batch.v1.JobSpec", "completionMode"): ["NonIndexed", "Indexed"],
    ("batch.v1.JobSpec", "podReplacementPolicy"): ["TerminatingOrFailed", "Failed"],
    ("policy.v1.PodDisruptionBudgetSpec", "unhealthyPodEvictionPolicy"): ["IfHealthyBudget", "AlwaysAllow"],
    ("networking.v1.HTTPIngressPath", "pathType"): ["Exact", "Prefix", "ImplementationSpecific"],
    ("networking.v1.NetworkPolicyPort", "protocol"): ["TCP", "UDP", "SCTP"],
}

# Enum fields where an empty string is rejected. Elsewhere "" is accepted: the API server
# applies the field's default to it (or, for Toleration, "" means "any") before validating.
ENUM_NO_EMPTY = {
    ("meta.v1.LabelSelectorRequirement", "operator"),
    ("core.v1.NodeSelectorRequirement", "operator"),
    ("core.v1.TopologySpreadConstraint", "whenUnsatisfiable"),
    ("core.v1.SeccompProfile", "type"),
    ("networking.v1.HTTPIngressPath", "pathType"),
    ("policy.v1.PodDisruptionBudgetSpec", "unhealthyPodEvictionPolicy"),
}

# (definition, field): required by the API server's validation but not marked `required`
# in the OpenAPI document.
EXTRA_REQUIRED = {
    ("core.v1.Container", "image"),
    ("core.v1.PodSpec", "containers"),
}

PREFIXES = [
    "io.k8s.api.",
    "io.k8s.apimachinery.pkg.apis.",
    "io.k8s.apimachinery.pkg.",
    "io.k8s.apiextensions-apiserver.pkg.apis.",
    "io.k8s.kube-aggregator.pkg.apis.",
]

SPECIAL = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "q",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "ios",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "*",
}


def short(name):
    for p in PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def type_of(s):
    t = s.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"]
        t = t[0] if len(t) == 1 else None
    return t


class Gen:
    def __init__(self, defs):
        self.defs = defs

    def ref(self, ref):
        name = ref.split("/")[-1]
        if name in SPECIAL:
            return SPECIAL[name]
        return "#" + short(name)

    def node(self, s, owner=None, field=None):
        if "$ref" in s:
            return self.ref(s["$ref"])
        if owner and (owner, field) in ENUMS:
            if (owner, field) in ENUM_NO_EMPTY:
                return {"e": ENUMS[(owner, field)]}
            return {"e": ENUMS[(owner, field)], "z": 1}
        t = type_of(s)
        if t == "string":
            return "b64" if s.get("format") == "byte" else "s"
        if t == "integer":
            return "i32" if s.get("format") == "int32" else "i"
        if t == "number":
            return "n"
        if t == "boolean":
            return "b"
        if t == "array":
            return {"a": self.node(s.get("items", {}))}
        if t == "object":
            if "properties" in s:
                return self.obj(s, owner)
            ap = s.get("additionalProperties")
            if isinstance(ap, dict):
                return {"m": self.node(ap)}
            return "o"
        return "*"

    def obj(self, s, owner):
        props = {k: self.node(v, owner, k) for k, v in sorted(s["properties"].items())}
        req = list(s.get("required", []))
        for (o, f) in sorted(EXTRA_REQUIRED):
            if o == owner and f not in req:
                req.append(f)
        out = {"p": props}
        if req:
            out["r"] = req
        return out

    def run(self):
        defs = {}
        kinds = {}
        for name, s in sorted(self.defs.items()):
            if name in SPECIAL:
                continue
            sn = short(name)
            defs[sn] = self.node(s, sn) if "properties" in s else self.node(s)
            for gvk in s.get("x-kubernetes-group-version-kind", []):
                props = s.get("properties", {})
                if "kind" not in props or "apiVersion" not in props:
                    continue
                if props["kind"].get("enum") != [gvk["kind"]]:
                    continue
                gv = gvk["version"] if not gvk["group"] else gvk["group"] + "/" + gvk["version"]
                kinds[gv + "/" + gvk["kind"]] = sn
        return defs, kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--k8s", default="1.32.0", help="Kubernetes version (x.y.0)")
    ap.add_argument("--source", help="path to _definitions.json (default: kubernetes-validate's)")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--check", action="store_true", help="only verify the output is up to date")
    args = ap.parse_args()

    src = args.source
    if not src:
        spec = importlib.util.find_spec("kubernetes_validate")
        if spec is None or spec.origin is None:
            sys.exit("kubernetes-validate is not installed: pip install kubernetes-validate")
        src = os.path.join(
            os.path.dirname(spec.origin),
            "kubernetes-json-schema",
            "v%s-local-strict" % args.k8s,
            "_definitions.json",
        )
    with open(src) as f:
        doc = json.load(f)
    defs, kinds = Gen(doc["$defs"]).run()
    for (o, fld) in list(ENUMS) + list(EXTRA_REQUIRED) + list(ENUM_NO_EMPTY):
        if o not in defs or fld not in defs[o].get("p", {}):
            sys.exit("table entry %s.%s not in the schema: update ENUMS/EXTRA_REQUIRED" % (o, fld))
    out = json.dumps(
        {"version": args.k8s, "kinds": kinds, "defs": defs},
        separators=(",", ":"),
        sort_keys=True,
    ) + "\n"
    if args.check:
        with open(args.out) as f:
            if f.read() != out:
                sys.exit("%s is stale: run scripts/gen_schema.py --k8s %s" % (args.out, args.k8s))
        print("%s is up to date" % args.out)
        return
    with open(args.out, "w") as f:
        f.write(out)
    print("wrote %s: %d definitions, %d kinds, %d bytes" % (args.out, len(defs), len(kinds), len(out)))


if __name__ == "__main__":
    main()
