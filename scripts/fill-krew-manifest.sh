#!/usr/bin/env bash
# Fills in deploy/krew/kagent.yaml for a release: the version, the homepage, the release
# URL and the SHA-256 of each archive, and prints the manifest ready for krew-index.
#
# Usage: scripts/fill-krew-manifest.sh VERSION HOMEPAGE RELEASE_URL ARCHIVE_DIR
#
#   VERSION       e.g. 0.1.0 (without the v)
#   HOMEPAGE      the project's page
#   RELEASE_URL   where the archives are downloaded from (no trailing slash)
#   ARCHIVE_DIR   directory holding kagentctl-vVERSION-<target>.tar.gz / .zip, one per
#                 platform of the manifest
#
# Fails, naming it, when an archive is missing or a placeholder stays unfilled.
set -euo pipefail
if [ $# -ne 4 ]; then
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
version="$1" homepage="$2" url="${3%/}" dir="$4"
manifest="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/krew/kagent.yaml"
text="$(cat "$manifest")"
text="${text//\{\{VERSION\}\}/$version}"
text="${text//\{\{HOMEPAGE\}\}/$homepage}"
text="${text//\{\{RELEASE_URL\}\}/$url}"
for target in $(grep -o '{{SHA256_[^}]*}}' "$manifest" | sed 's/{{SHA256_//; s/}}//'); do
  archive=""
  for ext in tar.gz zip; do
    f="$dir/kagentctl-v$version-$target.$ext"
    [ -f "$f" ] && archive="$f"
  done
  if [ -z "$archive" ]; then
    echo "fill-krew-manifest: no archive for $target in $dir (kagentctl-v$version-$target.tar.gz or .zip)" >&2
    exit 1
  fi
  sum="$(sha256sum "$archive" | cut -d' ' -f1)"
  text="${text//\{\{SHA256_$target\}\}/$sum}"
done
left="$(grep -v '^#' <<<"$text" | grep -o '{{[^}]*}}' | sort -u | tr '\n' ' ' || true)"
if [ -n "$left" ]; then
  echo "fill-krew-manifest: placeholders left: $left" >&2
  exit 1
fi
# The header comment is about the template; krew-index gets the manifest alone.
grep -v '^#' <<<"$text"
