#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when the daemon binary is
# missing, starts dockerd in the background when nothing answers, and waits until it does.
# Idempotent; prints one line about what it did. Needs root for the install and start.
set -euo pipefail

# nft for the kernel port-forwarding tests (test/docker/ports-kernel.test.ts); Debian's docker.io
# usually brings it (iptables recommends nftables), this makes it explicit.
if ! command -v nft >/dev/null 2>&1 && [ ! -x /usr/sbin/nft ]; then
  echo "[docker-up] installing nftables from Debian" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables >&2
fi

if docker info >/dev/null 2>&1; then
  echo "[docker-up] engine already answering ($(docker version --format '{{.Server.Version}}'))" >&2
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "[docker-up] installing docker.io from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq docker.io >&2
fi

log="${DOCKERD_LOG:-/var/log/boulder-dockerd.log}"
echo "[docker-up] starting dockerd (log: $log)" >&2
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    echo "[docker-up] engine up ($(docker version --format '{{.Server.Version}}'))" >&2
    exit 0
  fi
  sleep 0.5
done
echo "[docker-up] dockerd did not answer within 60 s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
