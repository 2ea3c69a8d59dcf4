#!/usr/bin/env bash
# Runs the Go or Python SDK's tests (npm run test:go / test:python, part of `npm test`). Both need
# the built CLI (dist/, npm run build) and the Docker engine: their integration tests start a real
# `boulder daemon` (node bin/boulder.js) with a temporary state dir and a Docker workspace.
# Downloads are cached outside the clone in $BOULDER_CI_CACHE (default /var/cache/boulder-ci):
# Go modules (GOMODCACHE) and build cache, the Python venv and pip's cache — a fresh machine
# downloads once.
#
# Usage: sdk/run-tests.sh go|python
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${BOULDER_CI_CACHE:-/var/cache/boulder-ci}"
log() { printf '[sdk] %s\n' "$*" >&2; }

case "${1:-}" in
go)
  command -v go >/dev/null || { log "go is not installed (need Go >= 1.26)"; exit 1; }
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local
  mkdir -p "$GOMODCACHE" "$GOCACHE"
  cd sdk/go
  go vet ./...
  go test -count=1 ./...
  ;;
python)
  PYTHON="${PYTHON:-python3}"
  # The venv is keyed by the interpreter's version and the pinned requirements, so a change of
  # either builds a new one (the old one stays until the cache is cleared).
  REQUIREMENTS=("websockets>=14,<18" "pytest>=8,<10" "pytest-asyncio>=0.24,<2")
  KEY="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-$(printf '%s\n' "${REQUIREMENTS[@]}" | sha256sum | cut -c1-12)"
  VENV="$CACHE/sdk-python/venv-$KEY"
  if [ ! -x "$VENV/bin/pytest" ]; then
    log "creating the Python SDK's venv in $VENV"
    rm -rf "$VENV"
    mkdir -p "$CACHE/sdk-python"
    "$PYTHON" -m venv "$VENV"
    PIP_CACHE_DIR="$CACHE/pip" "$VENV/bin/pip" install --disable-pip-version-check -q "${REQUIREMENTS[@]}"
  fi
  cd sdk/python
  PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -p no:cacheprovider -q
  ;;
*)
  echo "usage: $0 go|python" >&2
  exit 2
  ;;
esac
