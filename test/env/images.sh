#!/usr/bin/env bash
# Builds the test images without any registry (none is reachable here) and reuses them when
# present:
#   boulder-test/busybox:latest  — Debian's busybox-static in an empty root filesystem
#   boulder-test/debian:bookworm — a debootstrap minbase Debian with bash, git and ca-certificates
#   boulder-test/node:24         — that Debian with this machine's Node 24 and npm (the controller
#                                  image's base; see manifests/Dockerfile)
# Root filesystem tarballs are cached in $CACHE (default /var/cache/boulder-ci/images) so a fresh
# engine re-imports them in seconds instead of re-running debootstrap.
set -euo pipefail

CACHE="${BOULDER_CI_CACHE:-/var/cache/boulder-ci}/images"
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive
apt_ready=0
need_pkg() {
  local bin=$1 pkg=$2
  command -v "$bin" >/dev/null 2>&1 && return 0
  if [ "$apt_ready" = 0 ]; then apt-get update -qq >&2; apt_ready=1; fi
  apt-get install -y -qq "$pkg" >&2
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

import_tar() {
  local tarball=$1 image=$2 cmd=$3
  docker import --change "CMD [\"$cmd\"]" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$image" >/dev/null
  echo "[images] imported $image" >&2
}

# --- busybox -------------------------------------------------------------------------------------
BUSYBOX=boulder-test/busybox:latest
if ! have_image "$BUSYBOX"; then
  tarball="$CACHE/busybox-rootfs.tar"
  if [ ! -s "$tarball" ]; then
    [ -x /bin/busybox ] && /bin/busybox --help 2>&1 | head -1 | grep -q static || need_pkg busybox busybox-static
    dpkg -s busybox-static >/dev/null 2>&1 || { apt-get update -qq >&2; apt-get install -y -qq busybox-static >&2; }
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,tmp,etc,root,workspace,var/tmp}
    chmod 1777 "$root/tmp" "$root/var/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -sf /bin/busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  import_tar "$tarball" "$BUSYBOX" sh
fi

# --- debian with bash and git --------------------------------------------------------------------
DEBIAN=boulder-test/debian:bookworm
if ! have_image "$DEBIAN"; then
  tarball="$CACHE/debian-bookworm-rootfs.tar"
  if [ ! -s "$tarball" ]; then
    need_pkg debootstrap debootstrap
    root=$(mktemp -d)
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    echo "[images] debootstrap bookworm from ${mirror:-http://deb.debian.org/debian} (a few minutes)" >&2
    if ! debootstrap --variant=minbase --include=bash,git,ca-certificates,procps bookworm "$root" \
      "${mirror:-http://deb.debian.org/debian}" >"$CACHE/debootstrap.log" 2>&1; then
      tail -n 30 "$CACHE/debootstrap.log" >&2
      exit 1
    fi
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    mkdir -p "$root/workspace"
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  import_tar "$tarball" "$DEBIAN" bash
fi
# --- node 24 on debian (the controller image's base, instead of the unpullable node:24-slim) -------
# The Node 24 binary this script runs with (the one .ci/run installs) and the host's npm, on top of
# the debian image; rebuilt when the Node version changes (the tag names the exact version).
NODE_VERSION="$(node -p 'process.versions.node' 2>/dev/null || true)"
case "$NODE_VERSION" in
  24.*) NODE="boulder-test/node:$NODE_VERSION" ;;
  *)
    # Only the controller-image test needs it (.ci/run puts Node 24 first on PATH).
    echo "[images] skipping boulder-test/node:24: node 24 is not first on PATH (found '${NODE_VERSION:-none}')" >&2
    echo "[images] ready: $BUSYBOX $DEBIAN" >&2
    exit 0
    ;;
esac
if ! have_image "$NODE"; then
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  [ -f "$npm_dir/package.json" ] || { echo "[images] cannot find npm's package directory (from $(command -v npm))" >&2; exit 1; }
  ctx=$(mktemp -d)
  cp "$(node -p 'process.execPath')" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  # This machine reaches the npm registry through a TLS-inspecting proxy: npm inside the image
  # needs the host's CA bundle (npm's own `cafile`, else the system bundle) to trust it.
  cafile="$(npm config get cafile 2>/dev/null || true)"
  case "$cafile" in null | undefined | "") cafile=/etc/ssl/certs/ca-certificates.crt ;; esac
  cp "$cafile" "$ctx/ca-bundle.crt"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-bundle.crt /usr/local/share/boulder-test/ca-bundle.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/boulder-test/ca-bundle.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
DOCKERFILE
  docker build -q -t "$NODE" -t boulder-test/node:24 "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "[images] built $NODE" >&2
fi
docker tag "$NODE" boulder-test/node:24
echo "[images] ready: $BUSYBOX $DEBIAN $NODE" >&2
