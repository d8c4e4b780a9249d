#!/usr/bin/env bash
# Copies the conformance cases that kagentctl passes from ../shared/conformance into
# tests/fixtures/, so the project's own test suite guards them without ../shared.
# Usage: scripts/import-conformance.sh [CORPUS_DIR]   (run after `cargo build --release`)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$top/../shared/conformance}"
bin="$top/target/release/kagentctl"
failing="$(mktemp)"
trap 'rm -f "$failing"' EXIT
"$corpus/run.sh" "$bin" build | sed -n 's/^FAIL \([^ ]*\).*/\1/p' > "$failing" || true
mkdir -p "$top/tests/fixtures"
n=0
for dir in "$corpus"/cases/*/; do
  name="$(basename "$dir")"
  grep -qx "$name" "$failing" && continue
  rm -rf "$top/tests/fixtures/$name"
  mkdir -p "$top/tests/fixtures/$name"
  cp -R "$dir"/. "$top/tests/fixtures/$name/"
  n=$((n + 1))
done
echo "imported $n passing cases into tests/fixtures"
