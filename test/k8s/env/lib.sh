# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this file
# Shared settings for the test control plane scripts (sourced by build.sh, up.sh, down.sh, smoke.sh).
# Pinned versions, cache and run directories, and small helpers. Override any of them from the
# environment (e.g. K8S_VERSION=v1.36.3 npm run k8s:up).

# --- versions ----------------------------------------------------------------------------------
# kubernetes: newest release the Go module proxy serves (its staging modules are published as v0.<minor>.<patch>).
K8S_VERSION="${K8S_VERSION:-v1.37.2}"
# etcd: kubernetes v1.37 is built against the etcd v3.7 client; newest v3.7 patch release.
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
# kwok: simulates Nodes and Pod status (no kubelet can run here).
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"

# --- where things go ---------------------------------------------------------------------------
# Build outputs and Go caches live outside the repository so later runs on this machine reuse them.
CI_CACHE="${BOULDER_CI_CACHE:-/var/cache/boulder-ci}"
K8S_CACHE="$CI_CACHE/k8s/$K8S_VERSION"
K8S_BIN="$K8S_CACHE/bin"
export GOMODCACHE="${GOMODCACHE_OVERRIDE:-$CI_CACHE/go/mod}"
export GOCACHE="${GOCACHE_OVERRIDE:-$CI_CACHE/go/build}"
# Never download another Go toolchain: the installed Go 1.26 builds everything here.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOMAXPROCS="${GOMAXPROCS:-2}"

# Runtime state of a started control plane (pids, logs, certificates, kubeconfig).
RUN_DIR="${BOULDER_K8S_RUN_DIR:-${TMPDIR:-/tmp}/boulder-k8s}"
KUBECONFIG_PATH="$RUN_DIR/kubeconfig"

# The components up.sh starts, in start order (down.sh stops them in reverse).
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

# --- helpers -----------------------------------------------------------------------------------
# log PREFIX MESSAGE...: one progress line on stderr.
log() { local p="$1"; shift; printf '[%s] %s\n' "$p" "$*" >&2; }

# Make go reachable when it is installed but not on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

# pid_alive FILE: true when FILE (pids/<component>.pid) holds the pid of a running process whose
# executable is that component (guards against a recycled pid).
pid_alive() {
  local pid exe
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ "$(basename "$exe")" == "$(basename "$1" .pid)"* ]]
}
