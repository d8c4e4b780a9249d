#!/bin/sh
# Like run.sh, without cargo-fuzz or a nightly toolchain: builds the targets with the
# coverage instrumentation cargo-fuzz would ask rustc for (sanitizer none, debug
# assertions, overflow checks), then runs each for SECONDS (default 60), one after the
# other, and prints the executions per target.
#   fuzz/run-stable.sh 180 policy crd
set -u
cd "$(dirname "$0")"
secs=${1:-60}
shift 2>/dev/null || true
targets=${*:-"kustomization resources smp json6902 emit yaml_paths policy crd names ignore argocd"}
triple=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --locked --release --target "$triple" --bins || exit 1
mkdir -p logs artifacts
for t in $targets; do
  mkdir -p "corpus/$t"
  "target/$triple/release/$t" "corpus/$t" -max_total_time="$secs" -dict=yaml.dict \
    -rss_limit_mb=2048 -timeout=10 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="artifacts/$t-" >"logs/$t.$$.log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.$$.log" | grep -o '[0-9]*$')
  echo "$t: exit $rc, ${execs:-?} executions in ${secs}s"
done
