#!/usr/bin/env bash
# Regenerates the golden renders of the kagent tree with the oracle, `kubectl kustomize`
# (kubectl v1.32 / Kustomize v5.5.0):
#   tests/golden/<env>.yaml                     every environment under overlays/
#   tests/golden/with/<env>+<comp>[+<comp>].yaml  an environment with components added,
#       built from a new overlay whose resources: is the environment and whose
#       components: are the named ones (what `kagentctl render --env ENV --with ...` does).
# The --with combinations are listed in WITH below. Run from anywhere; needs kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD/kubernetes/kagent
OUT=tests/golden
WITH=(
  dev+autoscaling dev+monitoring dev+mesh dev+autoscaling+monitoring+mesh
  prod+autoscaling prod+monitoring prod+mesh prod+monitoring+mesh prod+autoscaling+monitoring+mesh
)
command -v kubectl >/dev/null || { echo "gen-golden: kubectl is needed" >&2; exit 2; }

kubectl kustomize "$ROOT/base" > "$OUT/base.yaml"
for dir in "$ROOT"/overlays/*/; do
  env=$(basename "$dir")
  kubectl kustomize "$dir" > "$OUT/$env.yaml"
done

mkdir -p "$OUT/with"
rm -f "$OUT"/with/*.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for combo in "${WITH[@]}"; do
  IFS=+ read -r env comps <<<"$combo"
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    echo "  - $(realpath --relative-to="$tmp" "$ROOT/overlays/$env")"
    echo "components:"
    for c in ${comps//+/ }; do
      echo "  - $(realpath --relative-to="$tmp" "$ROOT/components/$c")"
    done
  } > "$tmp/kustomization.yaml"
  kubectl kustomize "$tmp" > "$OUT/with/$combo.yaml"
done
git status --short "$OUT"
