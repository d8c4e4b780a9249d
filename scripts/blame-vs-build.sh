#!/usr/bin/env bash
# Checks on the shared corpora that `kagentctl blame` without its comments is byte for
# byte the expected build output: every line is the expected line, or the expected line
# followed by two or more spaces and `# ...`, and there are as many lines.
#
# Usage: scripts/blame-vs-build.sh [BIN] [SHARED]
#   BIN     the kagentctl binary (default target/release/kagentctl)
#   SHARED  the shared corpora (default ../shared)
# Prints one FAIL line per mismatch and "N same, M different, K skipped" per corpus;
# exit 1 when any differs. Targets whose expected output is an error are skipped.
set -u
bin="$(realpath "${1:-target/release/kagentctl}")"
shared="$(realpath "${2:-../shared}")"
compare='
import sys, re
blamed = open(sys.argv[1], encoding="utf-8", errors="surrogateescape").read().split("\n")
want = open(sys.argv[2], encoding="utf-8", errors="surrogateescape").read().split("\n")
if len(blamed) != len(want):
    sys.exit(f"{len(blamed)} lines, expected {len(want)}")
for i, (b, w) in enumerate(zip(blamed, want)):
    if b != w and not (b.startswith(w) and re.fullmatch(r"  +# .*", b[len(w):])):
        sys.exit(f"line {i + 1}: {b!r} is not {w!r} plus a comment")
'
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
status=0
# run NAME DIR EXPECTED [FLAGS...]: blame DIR (from DIR's parent) and compare.
run() {
  local name="$1" dir="$2" want="$3"
  shift 3
  if ! (cd "$(dirname "$dir")" && timeout 60 "$bin" blame "$@" "$(basename "$dir")") >"$tmp" 2>/dev/null; then
    echo "FAIL $name (blame failed)"
    return 1
  fi
  local why
  if ! why="$(python3 -c "$compare" "$tmp" "$want" 2>&1)"; then
    echo "FAIL $name ($why)"
    return 1
  fi
}
report() { echo "$1: $2 same, $3 different, $4 skipped"; }

same=0 diff=0 skip=0
for case in "$shared"/conformance/cases/*/; do
  name="$(basename "$case")"
  if [ ! -f "$case/expected.yaml" ]; then skip=$((skip + 1)); continue; fi
  # shellcheck disable=SC2046
  if run "$name" "$case/in/$(tr -d '\n' <"$case/target")" "$case/expected.yaml" $(cat "$case/flags" 2>/dev/null); then
    same=$((same + 1))
  else
    diff=$((diff + 1)); status=1
  fi
done
report conformance "$same" "$diff" "$skip"

for corpus in realworld realworld2; do
  same=0 diff=0 skip=0
  root="$shared/$corpus"
  while IFS=$'\t' read -r repo target _ _ _ _ _ expected; do
    [ "$repo" = repo ] && continue
    case "$corpus" in
      realworld) dir="$root/$repo/$target" ;;
      *) dir="$root/trees/$target" ;;
    esac
    if [ ! -f "$root/$expected" ]; then skip=$((skip + 1)); continue; fi
    if run "$corpus/$target" "$dir" "$root/$expected"; then
      same=$((same + 1))
    else
      diff=$((diff + 1)); status=1
    fi
  done <"$root/targets.tsv"
  report "$corpus" "$same" "$diff" "$skip"
done
exit "$status"
