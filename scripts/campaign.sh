#!/usr/bin/env bash
# A fuzzing campaign: scripts/differential.sh over a range of seeds, 500 trees each by
# default, with the same kagentctl binary and tree generator throughout. Prints one
# Markdown table row per seed (trees, agreeing trees that built, agreeing trees that both
# tools refused, divergences) and a total; keeps every diverging tree under OUT/fail-SEED.
#
# Usage: scripts/campaign.sh --seeds FIRST-LAST --out OUT [--count N] [--jobs J] [--bin PATH]
#
# Exit status 1 when any tree diverged.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

seeds= out= count=500 jobs=3 bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$seeds" in
  *-*) first=${seeds%-*} last=${seeds#*-} ;;
  *) echo "--seeds FIRST-LAST is required (see --help)" >&2; exit 2 ;;
esac
[ -n "$out" ] || { echo "--out DIR is required (see --help)" >&2; exit 2; }
[ -n "$bin" ] || bin="$repo/target/release/kagentctl"
[ -x "$bin" ] || { echo "$bin: not built (cargo build --release)" >&2; exit 2; }
mkdir -p "$out"
(cd "$repo" && cargo build -q --example difftree) >&2
gen="$out/difftree"
cp "$repo/target/debug/examples/difftree" "$gen"

echo "kagentctl: $("$bin" --version 2>/dev/null || echo "$bin"), commit $(git -C "$repo" rev-parse --short HEAD)"
echo
echo "| Seed | Trees | Built, same bytes | Refused by both | Divergences |"
echo "|---|---|---|---|---|"
total=0 built_all=0 refused_all=0 failed_all=0
for s in $(seq "$first" "$last"); do
  log="$out/seed-$s.log"
  "$here/differential.sh" --count "$count" --seed "$s" --jobs "$jobs" --bin "$bin" \
    --gen "$gen" --keep-failures "$out/fail-$s" >"$log" 2>&1 || true
  last_line=$(tail -n 1 "$log")
  passed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$last_line")
  failed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$last_line")
  built=$(sed -n 's/^(\([0-9]*\) of the passing trees built.*/\1/p' "$log")
  if [ -z "$passed" ] || [ -z "$built" ]; then
    echo "| $s | (run failed: see $log) | | | |"
    failed_all=$((failed_all + 1))
    continue
  fi
  echo "| $s | $((passed + failed)) | $built | $((passed - built)) | $failed |"
  total=$((total + passed + failed)) built_all=$((built_all + built))
  refused_all=$((refused_all + passed - built)) failed_all=$((failed_all + failed))
done
echo "| all | $total | $built_all | $refused_all | $failed_all |"
[ "$failed_all" = 0 ]
