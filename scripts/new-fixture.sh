#!/usr/bin/env bash
# Turns a kustomize tree into a regression fixture whose expected result is produced by
# `kubectl kustomize` (the oracle): tests/fixtures/kagentctl_NAME/{in/,target,source,
# expected.yaml | expected.err}.
#
#   scripts/new-fixture.sh NAME DIR "why this case exists" [TARGET]
#
# DIR is copied to in/; TARGET (default ".") is the directory under in/ that is built.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 NAME DIR DESCRIPTION [TARGET]" >&2
  exit 2
fi
name=$1 src=$2 why=$3 target=${4:-.}
command -v kubectl >/dev/null || { echo "kubectl is needed to produce the expected output" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
case_dir=$root/tests/fixtures/kagentctl_$name
if [ -e "$case_dir" ]; then
  echo "$case_dir exists" >&2
  exit 2
fi
mkdir -p "$case_dir"
cp -r "$src" "$case_dir/in"
printf '%s\n' "$target" > "$case_dir/target"
printf 'kagentctl regression: %s (checked with kubectl kustomize v5.5.0)\n' "$why" > "$case_dir/source"
if (cd "$case_dir" && kubectl kustomize "in/$target" > expected.yaml 2> expected.err); then
  rm "$case_dir/expected.err"
  echo "$case_dir: kubectl succeeded"
else
  rm "$case_dir/expected.yaml"
  # Drop klog's time stamp and source location, which change on every run.
  sed -i 's/^E[0-9]\{4\} [0-9:.]* *[0-9]* [a-z_.]*:[0-9]*\] //' "$case_dir/expected.err"
  echo "$case_dir: kubectl failed: $(cat "$case_dir/expected.err")"
  echo "now write $case_dir/expected.words: one key word a line (the file, kind, option) that kagentctl's message must hold"
fi
