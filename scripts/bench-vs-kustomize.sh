#!/usr/bin/env bash
# Times `kagentctl build` against `kubectl kustomize` on the same trees, in the same run.
#
# Usage: scripts/bench-vs-kustomize.sh [OPTIONS]
#
#   --runs R            counted runs per command (default 5; one uncounted warm-up each)
#   --sizes "N ..."     synthetic tree sizes (default "100 1000 2000 5000")
#   --depth D           overlay depth of the synthetic trees (default 3)
#   --seed S            generator seed (default 42, the seed of shared/bench's baseline)
#   --big-from N        sizes >= N give kubectl only --big-runs runs, no warm-up
#                       (default 2000; kubectl takes ~35 s at 2000 and ~385 s at 5000)
#   --big-runs B        kubectl runs for big sizes (default 1)
#   --kubectl-max N     do not run kubectl on synthetic trees above N resources
#                       (default: no limit; use 2000 to skip the ~6-minute 5000 run)
#   --no-kubectl        time kagentctl and the floor only
#   --realworld DIR     real-world corpus (default /work/shared/realworld, if present)
#   --realworld-sample K  how many of its targets to time (default 20, evenly spread)
#   --work DIR          where trees and outputs go (default: a fresh temporary directory)
#   -h, --help          this text
#
# For each target it prints the median wall time of each command (whole process, start-up
# included, stdout to a file), the speed-up (kubectl / kagentctl), CPU time (user +
# system) and its ratio and peak RSS of each (GNU time's "Maximum resident set size", from
# the warm-up run: GNU time's own start-up would swamp a small build's wall time, so the
# counted runs go without it), whether the outputs are byte-identical, and the
# floor: the time of `examples/emit_file` (parse the rendered output and print it again, no
# transformation), with the ratio build / floor. Commands alternate run by run, so load
# spikes hit both. Absolute times are noisy on shared machines: compare ratios.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

runs=5
sizes="100 1000 2000 5000"
depth=3
seed=42
big_from=2000
big_runs=1
kubectl_max=
no_kubectl=0
realworld=/work/shared/realworld
rw_sample=20
work=

usage() { sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --depth) depth="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --big-from) big_from="$2"; shift 2 ;;
    --big-runs) big_runs="$2"; shift 2 ;;
    --kubectl-max) kubectl_max="$2"; shift 2 ;;
    --no-kubectl) no_kubectl=1; shift ;;
    --realworld) realworld="$2"; shift 2 ;;
    --realworld-sample) rw_sample="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# ---- prerequisites --------------------------------------------------------------------
missing=0
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing: $1 ($2)" >&2
    missing=1
  fi
}
need cargo "install Rust from https://rustup.rs"
need awk "install gawk or mawk"
need cmp "install diffutils"
if [ ! -x /usr/bin/time ] || ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "missing: GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
  missing=1
fi
if [ "$no_kubectl" = 0 ] && ! command -v kubectl >/dev/null 2>&1; then
  echo "missing: kubectl (or pass --no-kubectl to time kagentctl alone)" >&2
  missing=1
fi
[ "$missing" = 0 ] || exit 1

if [ -z "$work" ]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/kagentctl-bench.XXXXXX")"
fi
mkdir -p "$work"
work="$(cd "$work" && pwd)"

# The dist profile (fat LTO, one codegen unit) is what published binaries are built with,
# and what every figure in docs/performance.md was measured with.
echo "# building dist-profile binaries" >&2
(cd "$repo" && cargo build --profile dist --quiet --bin kagentctl --example gen_tree --example emit_file)
ours="$repo/target/dist/kagentctl"
gen="$repo/target/dist/examples/gen_tree"
floor="$repo/target/dist/examples/emit_file"

# ---- measuring ------------------------------------------------------------------------
# run_one OUTFILE CMD...: runs CMD (stdout to OUTFILE, stderr discarded) under GNU time;
# prints "wall_seconds peak_rss_kib cpu_seconds" (cpu: user + system, 10 ms resolution).
# Fails when CMD fails.
run_one() {
  local out="$1"; shift
  local tv="$work/.time.$$"
  local t0 t1
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -v -o "$tv" "$@" >"$out" 2>/dev/null; then
    echo "command failed: $*" >&2
    return 1
  fi
  t1=$EPOCHREALTIME
  local rss cpu
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s + 0}' "$tv")
  awk -v a="$t0" -v b="$t1" -v r="$rss" -v c="$cpu" 'BEGIN { printf "%.6f %d %.2f\n", b - a, r, c }'
}

# run_bare OUTFILE CMD...: runs CMD alone (no GNU time around it, whose own start-up of
# about a millisecond would swamp a small build); prints "wall_seconds".
run_bare() {
  local out="$1"; shift
  local t0 t1
  t0=$EPOCHREALTIME
  if ! "$@" >"$out" 2>/dev/null; then
    echo "command failed: $*" >&2
    return 1
  fi
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

median() { sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2 }'; }

fmt_s() { awk -v s="$1" 'BEGIN { if (s == "nan" || s == "") print "-"; else if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
fmt_mib() { awk -v k="$1" 'BEGIN { if (k == "nan" || k == "") print "-"; else printf "%.1f MiB", k / 1024 }'; }
fmt_cpu() { awk -v s="$1" 'BEGIN { if (s == "nan" || s == "") print "-"; else if (s == 0) print "<10 ms"; else if (s < 1) printf "%.0f ms", s * 1000; else printf "%.2f s", s }'; }
# cpu_ratio KUBECTL OURS: like ratio, with a lower bound when ours is under GNU time's 10 ms.
cpu_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "") print "-"; else if (b == 0) printf ">%.0f", a / 0.01; else printf "%.1f", a / b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || b == 0) print "-"; else printf "%.1f", a / b }'; }

results="$work/results.tsv"
printf 'target\tdocs\tours_s\tkubectl_s\tspeedup\tours_rss_kib\tkubectl_rss_kib\tfloor_s\tbuild_over_floor\tidentical\tours_cpu_s\tkubectl_cpu_s\tcpu_speedup\n' >"$results"

# bench NAME DIR CWD KRUNS: time both commands on DIR (run from CWD) and append a row.
bench() {
  local name="$1" dir="$2" cwd="$3" kruns="$4"
  local d="$work/out/$name"
  mkdir -p "$d"
  : >"$d/ours.txt"; : >"$d/kubectl.txt"; : >"$d/floor.txt"
  pushd "$cwd" >/dev/null
  # Warm-up (page cache, binaries), under GNU time for peak memory and CPU time; its wall
  # time is not counted. kubectl's is skipped for big trees: its one counted run is timed
  # under GNU time instead (a millisecond does not matter there).
  run_one "$d/ours.yaml" "$ours" build "$dir" >"$d/ours.mem"
  local big=0
  if [ "$kruns" -gt 0 ] && [ "$kruns" -ge "$runs" ]; then
    run_one "$d/kubectl.yaml" kubectl kustomize "$dir" >"$d/kubectl.mem"
  elif [ "$kruns" -gt 0 ]; then
    big=1
  fi
  run_bare "$d/floor.yaml" "$floor" "$d/ours.yaml" >/dev/null
  local i
  for ((i = 0; i < runs; i++)); do
    run_bare "$d/ours.yaml" "$ours" build "$dir" >>"$d/ours.txt"
    if [ "$i" -lt "$kruns" ]; then
      if [ "$big" = 1 ]; then
        run_one "$d/kubectl.yaml" kubectl kustomize "$dir" | tee -a "$d/kubectl.mem" >>"$d/kubectl.txt"
      else
        run_bare "$d/kubectl.yaml" kubectl kustomize "$dir" >>"$d/kubectl.txt"
      fi
    fi
    run_bare "$d/floor.yaml" "$floor" "$d/ours.yaml" >>"$d/floor.txt"
  done
  popd >/dev/null
  local docs ours_s ours_rss ours_cpu k_s k_rss k_cpu f_s ident
  docs=$(grep -c '^kind: ' "$d/ours.yaml" || true)
  ours_s=$(awk '{print $1}' "$d/ours.txt" | median)
  ours_rss=$(awk '{print $2}' "$d/ours.mem" | median)
  ours_cpu=$(awk '{print $3}' "$d/ours.mem" | median)
  f_s=$(awk '{print $1}' "$d/floor.txt" | median)
  if [ "$kruns" -gt 0 ]; then
    k_s=$(awk '{print $1}' "$d/kubectl.txt" | median)
    k_rss=$(awk '{print $2}' "$d/kubectl.mem" | median)
    k_cpu=$(awk '{print $3}' "$d/kubectl.mem" | median)
    if cmp -s "$d/ours.yaml" "$d/kubectl.yaml"; then ident=yes; else ident=NO; fi
  else
    k_s=nan; k_rss=nan; k_cpu=nan; ident=-
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$docs" "$ours_s" "$k_s" \
    "$(ratio "$k_s" "$ours_s")" "$ours_rss" "$k_rss" "$f_s" "$(ratio "$ours_s" "$f_s")" "$ident" \
    "$ours_cpu" "$k_cpu" "$(cpu_ratio "$k_cpu" "$ours_cpu")" >>"$results"
  printf '%-44s %5s docs  kagentctl %9s  kubectl %9s  x%-8s  floor %9s  build/floor %s  identical %s\n' \
    "$name" "$docs" "$(fmt_s "$ours_s")" "$(fmt_s "$k_s")" "$(ratio "$k_s" "$ours_s")" \
    "$(fmt_s "$f_s")" "$(ratio "$ours_s" "$f_s")" "$ident" >&2
}

kubectl_runs() { # kubectl_runs N: runs for a synthetic tree of N resources
  local n="$1"
  if [ "$no_kubectl" = 1 ]; then echo 0; return; fi
  if [ -n "$kubectl_max" ] && [ "$n" -gt "$kubectl_max" ]; then echo 0; return; fi
  if [ "$n" -ge "$big_from" ]; then echo "$big_runs"; else echo "$runs"; fi
}
small_kruns=$([ "$no_kubectl" = 1 ] && echo 0 || echo "$runs")

# ---- synthetic trees ------------------------------------------------------------------
for n in $sizes; do
  tree="$work/trees/n$n-d$depth"
  target=$("$gen" --resources "$n" --depth "$depth" --seed "$seed" --out "$tree")
  bench "synthetic n=$n depth=$depth" "$target" "$work" "$(kubectl_runs "$n")"
done

# ---- the project's own overlays -------------------------------------------------------
for k in "$repo"/kubernetes/kagent/base "$repo"/kubernetes/kagent/overlays/*/; do
  [ -d "$k" ] || continue
  k="${k%/}"
  bench "kagent ${k#"$repo"/kubernetes/kagent/}" "$k" "$repo" "$small_kruns"
done

# ---- real-world sample ----------------------------------------------------------------
if [ -f "$realworld/targets.tsv" ] && [ "$rw_sample" -gt 0 ]; then
  total=$(($(wc -l <"$realworld/targets.tsv") - 1))
  step=$(( total / rw_sample )); [ "$step" -ge 1 ] || step=1
  awk -F'\t' -v step="$step" 'NR > 1 && (NR - 2) % step == 0 { print $1 "\t" $2 "\t" $8 }' \
    "$realworld/targets.tsv" | head -n "$rw_sample" >"$work/rw.tsv"
  while IFS=$'\t' read -r rrepo rtarget rexpected; do
    dir="$rrepo/$rtarget"
    # Time only targets kagentctl renders exactly; others are conformance work.
    if ! (cd "$realworld" && "$ours" build "$dir" 2>/dev/null | cmp -s - "$rexpected"); then
      echo "skipping real-world $dir (kagentctl output differs from the reference)" >&2
      continue
    fi
    bench "realworld $dir" "$dir" "$realworld" "$small_kruns"
  done <"$work/rw.tsv"
else
  echo "no real-world corpus at $realworld; skipping it" >&2
fi

# ---- summary --------------------------------------------------------------------------
echo
echo "| target | docs | kagentctl | kubectl | speed-up | kagentctl RSS | kubectl RSS | floor | build/floor | identical | kagentctl CPU | kubectl CPU | CPU speed-up |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
tail -n +2 "$results" | while IFS=$'\t' read -r name docs o k sp orss krss f bf ident oc kc csp; do
  echo "| $name | $docs | $(fmt_s "$o") | $(fmt_s "$k") | ${sp}× | $(fmt_mib "$orss") | $(fmt_mib "$krss") | $(fmt_s "$f") | $bf | $ident | $(fmt_cpu "$oc") | $(fmt_cpu "$kc") | ${csp}× |"
done
echo
echo "(CPU: user + system time, 10 ms resolution; on a loaded machine it is steadier than wall time.)"
echo
small=$(tail -n +2 "$results" | awk -F'\t' '$1 ~ /^(realworld|kagent)/ && $5 != "-" { print $5 }')
if [ -n "$small" ]; then
  echo "small targets (kagent overlays, real-world sample): median speed-up $(echo "$small" | median)x over $(echo "$small" | wc -l) targets"
fi
t1000=$(awk -F'\t' '$1 ~ /^synthetic n=1000 / { print $3 }' "$results")
t5000=$(awk -F'\t' '$1 ~ /^synthetic n=5000 / { print $3 }' "$results")
if [ -n "$t1000" ] && [ -n "$t5000" ]; then
  echo "growth: n=5000 takes $(ratio "$t5000" "$t1000")x the time of n=1000 (linear: 5x; target <= 5.5x)"
fi
echo "raw figures: $results" >&2
