#!/usr/bin/env bash
# Differential fuzzing against the oracle: builds random kustomize trees (examples/difftree.rs)
# with `kubectl kustomize` and with kagentctl, two at a time, and reports every divergence.
#
# Usage: scripts/differential.sh [--count N] [--seed S] [--keep-failures DIR] [--bin PATH]
#                                [--jobs J] [--gen PATH] [--no-minimise]
#
#   --count N            trees to try (default 200)
#   --seed S             first tree's seed; trees use seeds S*1000000 + 0..N-1 (default 1)
#   --keep-failures DIR  copy each diverging tree (minimised) there, with both outputs
#   --bin PATH           kagentctl binary (default target/release/kagentctl, else target/debug)
#   --jobs J             trees built in parallel (default 2)
#   --gen PATH           tree generator binary (default: build examples/difftree)
#   --no-minimise        report trees as generated
#
# A tree passes when both tools print the same bytes, or both fail. Per divergence it
# prints the tree (minimised: features dropped one by one while the divergence stays)
# and both outputs; then how many passing trees built (the same bytes) and how many failed
# in both tools; the last line is "N passed, M failed". Exit status 1 when any failed.

set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

count=200 seed=1 keep= bin= jobs=2 minimise=1 gen=
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --keep-failures) keep="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --gen) gen="$2"; shift 2 ;;
    --no-minimise) minimise=0; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v kubectl >/dev/null || { echo "kubectl not found: nothing to compare with" >&2; exit 2; }
if [ -z "$bin" ]; then
  if [ -x "$repo/target/release/kagentctl" ]; then bin="$repo/target/release/kagentctl"
  else bin="$repo/target/debug/kagentctl"; fi
fi
[ -x "$bin" ] || { echo "$bin: not built (cargo build)" >&2; exit 2; }
if [ -z "$gen" ]; then
  (cd "$repo" && cargo build -q --example difftree) >&2
  gen="$repo/target/debug/examples/difftree"
fi
[ -x "$gen" ] || { echo "$gen: not an executable generator" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export bin gen work

# compare DIR: 0 when both agree; writes DIR.k/.o (stdout+stderr) and DIR.why.
compare() {
  local d=$1 krc=0 orc=0
  kubectl kustomize "$d" >"$d.kout" 2>"$d.kerr" || krc=$?
  "$bin" build "$d" >"$d.oout" 2>"$d.oerr" || orc=$?
  if grep -q "panicked" "$d.oerr"; then echo "kagentctl panicked" >"$d.why"; return 1; fi
  if [ $krc -ne 0 ] && [ $orc -ne 0 ]; then : >"$d.botherr"; return 0; fi
  if [ $krc -ne 0 ]; then echo "kubectl failed, kagentctl succeeded" >"$d.why"; return 1; fi
  if [ $orc -ne 0 ]; then echo "kubectl succeeded, kagentctl failed" >"$d.why"; return 1; fi
  if ! cmp -s "$d.kout" "$d.oout"; then echo "outputs differ" >"$d.why"; return 1; fi
  return 0
}
export -f compare

one() {
  local s=$1 d="$work/t$1"
  "$gen" --seed "$s" --out "$d" >"$d.features" 2>/dev/null || { echo "gen-failed $s"; return; }
  if compare "$d"; then
    if [ -e "$d.botherr" ]; then echo "pass $s refused"; else echo "pass $s built"; fi
    rm -rf "$d" "$d".*
  else echo "fail $s"; fi
}
export -f one

first=$((seed * 1000000))
results="$(seq "$first" $((first + count - 1)) | xargs -P "$jobs" -I{} bash -c 'one {}')"
passed=$(grep -c '^pass' <<<"$results" || true)
failed=$(grep -c '^fail' <<<"$results" || true)

for s in $(grep '^fail' <<<"$results" | awk '{print $2}' | sort -n); do
  d="$work/t$s"
  features="$(cat "$d.features")"
  if [ "$minimise" = 1 ]; then
    # Drop features one at a time while the trees still diverge in the same way.
    why="$(cat "$d.why")"
    IFS=, read -r -a fs <<<"$features"
    keepf=("${fs[@]}")
    for f in "${fs[@]}"; do
      trial=()
      for g in "${keepf[@]}"; do [ "$g" != "$f" ] && trial+=("$g"); done
      m="$work/m$s"
      rm -rf "$m" "$m".*
      list="$(IFS=,; echo "${trial[*]:-}")"
      "$gen" --seed "$s" --out "$m" --only "${list:-none}" >/dev/null 2>&1 || continue
      if ! compare "$m" && [ "$(cat "$m.why")" = "$why" ]; then keepf=("${trial[@]}"); fi
    done
    list="$(IFS=,; echo "${keepf[*]:-}")"
    rm -rf "$d" "$d".*
    "$gen" --seed "$s" --out "$d" --only "${list:-none}" >"$d.features" 2>/dev/null
    compare "$d" || true
    features="$(cat "$d.features")"
  fi
  echo "=== divergence: seed $s [${features}]: $(cat "$d.why" 2>/dev/null || echo 'agrees once minimised')"
  (cd "$d" && find . -type f | sort | while read -r f; do echo "--- $f"; cat "$f"; done)
  echo "--- kubectl kustomize:"; cat "$d.kout" "$d.kerr"
  echo "--- kagentctl build:"; cat "$d.oout" "$d.oerr"
  if [ -n "$keep" ]; then
    mkdir -p "$keep"
    rm -rf "$keep/seed-$s"
    cp -r "$d" "$keep/seed-$s"
    for x in kout kerr oout oerr why features; do cp "$d.$x" "$keep/seed-$s.$x" 2>/dev/null || true; done
  fi
done
gen_failed=$(grep -c '^gen-failed' <<<"$results" || true)
[ "$gen_failed" = 0 ] || echo "($gen_failed trees could not be generated)"
built=$(grep -c '^pass .* built' <<<"$results" || true)
echo "($built of the passing trees built the same bytes, $((passed - built)) failed in both tools)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
