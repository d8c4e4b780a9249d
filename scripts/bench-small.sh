#!/usr/bin/env bash
# Times `kagentctl build` against `kubectl kustomize` on small targets, process to
# process: the project's kagent base and overlays, then the targets of a real-world corpus
# (shared/realworld's layout: targets.tsv with repo and target columns, one directory per
# repo). Small builds take a few milliseconds, so each command runs R times in a row under
# `perf stat -r R` (mean elapsed time; a shell loop when perf is missing), kagentctl and
# kubectl back to back for each target.
#
# Usage: scripts/bench-small.sh [OPTIONS]
#
#   --runs R          runs per command and target (default 10)
#   --corpus DIR      real-world corpus (default /work/shared/realworld, if present)
#   --sample K        time only K targets of the corpus, evenly spread (default: all)
#   --bin PATH        kagentctl binary (default: target/dist/kagentctl, built first with
#                     --profile dist, the published binaries' profile)
#   --out FILE        also write the per-target table (TSV) there
#   -h, --help        this text
#
# Prints one line per target (milliseconds and speed-up) and a summary: minimum, 10th
# percentile, median and 90th percentile of the speed-ups, and how many are below 20x.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

runs=10
corpus=/work/shared/realworld
sample=
bin=
out=

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --corpus) corpus="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v kubectl >/dev/null; then
  echo "kubectl not found: nothing to compare against" >&2
  exit 1
fi
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --profile dist --quiet --bin kagentctl)
  bin="$repo/target/dist/kagentctl"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# mean_ms DIR CMD...: mean elapsed milliseconds of R runs of CMD in DIR, stdout discarded.
if command -v perf >/dev/null && perf stat -r 1 true >/dev/null 2>&1; then
  mean_ms() {
    local dir="$1"; shift
    (cd "$dir" && perf stat -r "$runs" "$@" 2>&1 >/dev/null) |
      awk '/seconds time elapsed/ { printf "%.3f", $1 * 1000 }'
  }
else
  mean_ms() {
    local dir="$1"; shift
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do (cd "$dir" && "$@" >/dev/null); done
    end=$(date +%s%N)
    awk -v s="$start" -v e="$end" -v r="$runs" 'BEGIN { printf "%.3f", (e - s) / r / 1e6 }'
  }
fi

table=$(mktemp)
trap 'rm -f "$table"' EXIT

time_target() { # NAME DIR TARGET
  local ours theirs
  ours=$(mean_ms "$2" "$bin" build "$3")
  theirs=$(mean_ms "$2" kubectl kustomize "$3")
  if [ -z "$ours" ] || [ -z "$theirs" ]; then
    echo "$1: a command failed (run it by hand in $2)" >&2
    return 0
  fi
  printf '%s\t%s\t%s\t%s\n' "$1" "$ours" "$theirs" \
    "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1f", b / a }')" | tee -a "$table"
}

printf 'target\tkagentctl_ms\tkubectl_ms\tspeed-up\n'
for t in base overlays/dev overlays/prod; do
  time_target "kagent/$t" "$repo/kubernetes/kagent" "$t"
done

if [ -f "$corpus/targets.tsv" ]; then
  total=$(($(wc -l < "$corpus/targets.tsv") - 1))
  step=1
  if [ -n "$sample" ] && [ "$sample" -gt 0 ] && [ "$sample" -lt "$total" ]; then
    step=$((total / sample))
  fi
  i=0
  while IFS=$'\t' read -r r target _; do
    [ "$r" = repo ] && continue
    i=$((i + 1))
    [ $(((i - 1) % step)) -eq 0 ] || continue
    time_target "$r/$target" "$corpus/$r" "$target"
  done < "$corpus/targets.tsv"
fi

[ -n "$out" ] && cp "$table" "$out"
cut -f4 "$table" | sort -n | awk '
  { a[NR] = $1; if ($1 < 20) below++ }
  END {
    printf "\n%d targets: speed-up min %.1fx, p10 %.1fx, median %.1fx, p90 %.1fx; below 20x: %d\n",
      NR, a[1], a[int(NR * 0.1) + 1], a[int((NR + 1) / 2)], a[int(NR * 0.9)], below + 0
  }'
