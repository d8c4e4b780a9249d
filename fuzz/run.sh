#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) each, one after the other, and prints
# the executions per target. Needs cargo-fuzz and a nightly toolchain:
#   cargo install cargo-fuzz; fuzz/run.sh 300
set -u
cd "$(dirname "$0")"
secs=${1:-60}
shift 2>/dev/null || true
targets=${*:-"kustomization resources smp json6902 emit yaml_paths policy crd names ignore argocd"}
mkdir -p logs
for t in $targets; do
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run --sanitizer none --debug-assertions "$t" "corpus/$t" -- \
    -max_total_time="$secs" -dict=yaml.dict -rss_limit_mb=2048 -timeout=10 \
    -max_len=8192 -print_final_stats=1 >"logs/$t.$$.log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.$$.log" | grep -o '[0-9]*$')
  echo "$t: exit $rc, ${execs:-?} executions in ${secs}s"
done
