#!/usr/bin/env bash
# Cost of provenance: `build` against `explain` (a build with provenance, one field
# printed) and `blame` (a build with provenance, every line annotated) on the same
# synthetic trees, in the same run.
#
# Usage: scripts/bench-provenance.sh [--runs R] [--sizes "N ..."] [--depth D] [--bin PATH]
#
#   --runs R      counted runs per command (default 5), commands alternating run by run
#   --sizes "..." tree sizes (default "1000 5000"), trees from examples/gen_tree.rs
#   --depth D     overlay levels (default 3)
#   --bin PATH    the kagentctl binary (default target/dist/kagentctl)
#
# Prints, per size and command, the median wall time, the median CPU time (user + system)
# and the median peak RSS (GNU time), and the ratios to `build`. Absolute times on a
# shared machine are noisy: compare the ratios.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs=5
sizes="1000 5000"
depth=3
bin="$repo/target/dist/kagentctl"

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --depth) depth="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[ -x "$bin" ] || { echo "no binary at $bin (cargo build --profile dist)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

for n in $sizes; do
  dir="$work/t$n"
  target="$(cd "$repo" && cargo run -q --release --example gen_tree -- \
    --resources "$n" --depth "$depth" --out "$dir" | tail -1)"
  # An object every render has: the first ServiceAccount, by its rendered name.
  "$bin" build "$target" > "$work/out.yaml" 2>/dev/null
  sa="$(awk '/^kind: ServiceAccount$/ {k=1} k && /^  name: / {print $2; exit}' "$work/out.yaml")"
  declare -A wall cpu rss
  for c in build explain blame; do wall[$c]=""; cpu[$c]=""; rss[$c]=""; done
  for r in $(seq 0 "$runs"); do
    for c in build explain blame; do
      case $c in
        build) args=(build "$target") ;;
        explain) args=(explain "$target" "ServiceAccount/$sa" metadata.name) ;;
        blame) args=(blame "$target") ;;
      esac
      /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" "${args[@]}" > "$work/out" 2>/dev/null
      read -r e u s m < "$work/time"
      if [ "$r" -gt 0 ]; then  # run 0 is a warm-up
        wall[$c]+="$e"$'\n'
        cpu[$c]+="$(echo "$u + $s" | bc)"$'\n'
        rss[$c]+="$m"$'\n'
      fi
    done
  done
  bw="$(printf '%s' "${wall[build]}" | median)"
  bc_="$(printf '%s' "${cpu[build]}" | median)"
  bm="$(printf '%s' "${rss[build]}" | median)"
  echo "== $n resources, depth $depth ($runs runs, medians)"
  printf '%-8s %8s %8s %8s %10s %8s %8s\n' command wall_s cpu_s rss_MB wall_ratio cpu_ratio rss_ratio
  for c in build explain blame; do
    w="$(printf '%s' "${wall[$c]}" | median)"
    u="$(printf '%s' "${cpu[$c]}" | median)"
    m="$(printf '%s' "${rss[$c]}" | median)"
    printf '%-8s %8.2f %8.2f %8.1f %10.2f %8.2f %8.2f\n' "$c" "$w" "$u" "$(echo "$m / 1024" | bc -l)" \
      "$(echo "$w / $bw" | bc -l)" "$(echo "$u / $bc_" | bc -l)" "$(echo "$m / $bm" | bc -l)"
  done
done
