#!/usr/bin/env bash
# Starts a local Kubernetes control plane for tests (npm run k8s:up) and prints the kubeconfig path
# on stdout as the last line. Builds the binaries first when they are not cached (build.sh).
#
# Runs, all on 127.0.0.1 with free ports, state in $RUN_DIR (default ${TMPDIR:-/tmp}/boulder-k8s):
#   etcd                      single member, --unsafe-no-fsync
#   kube-apiserver            RBAC, a static admin token (system:masters), self-signed serving cert
#   kube-controller-manager   garbage collection, namespace deletion, service accounts, Deployments…
#   kube-scheduler            binds Pods to the fake node (no spec.nodeName needed)
#   kwok                      plays Node/Pod/PV status: node "kwok-node-0" becomes Ready, Pods bound
#                             to it become Running, PVCs of the default StorageClass become Bound;
#                             and serves the node's kubelet API on 127.0.0.1, so `kubectl exec`,
#                             `port-forward` and `logs` go through the apiserver to kwok, which runs
#                             what an Exec/ClusterExec object says (a local command in a directory)
#                             and connects a port-forward where a PortForward object says (a local
#                             TCP address). Those objects are the test's to create (kwok CRDs).
# Idempotent: when it is already running and ready, prints the kubeconfig path and exits.
# $RUN_DIR/env lists what a test harness needs (KUBECONFIG, K8S_SERVER, K8S_BIN for kubectl, …).
# Stop with down.sh (npm run k8s:down). Logs: $RUN_DIR/logs/<component>.log.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"

# Timeout (seconds) for each component to become ready.
START_TIMEOUT="${BOULDER_K8S_START_TIMEOUT:-90}"
NODE_NAME=kwok-node-0

# --- helpers -------------------------------------------------------------------------------------
# api_get PATH: GET PATH from the apiserver with the admin token (body on stdout, fails on non-2xx).
api_get() {
  curl -sf --max-time 5 --cacert "$RUN_DIR/pki/apiserver.crt" \
    -H "Authorization: Bearer $(cat "$RUN_DIR/token")" "$(cat "$RUN_DIR/server")$1"
}

# api_send METHOD PATH FILE: send FILE (JSON or YAML) to the apiserver; 409 AlreadyExists is fine.
api_send() {
  local type=application/json code
  case "$3" in *.yaml | *.yml) type=application/yaml ;; esac
  code="$(curl -s -o "$RUN_DIR/last-response.json" -w '%{http_code}' --max-time 10 \
    --cacert "$RUN_DIR/pki/apiserver.crt" -H "Authorization: Bearer $(cat "$RUN_DIR/token")" \
    -H "Content-Type: $type" -X "$1" --data-binary "@$3" "$(cat "$RUN_DIR/server")$2")"
  case "$code" in
    2?? | 409) return 0 ;;
    *) log k8s-up "$1 $2 failed with HTTP $code: $(cat "$RUN_DIR/last-response.json")"; return 1 ;;
  esac
}

# is_ready: every component runs and the apiserver answers /readyz.
is_ready() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_alive "$RUN_DIR/pids/$c.pid" || return 1; done
  [ -s "$KUBECONFIG_PATH" ] && api_get /readyz >/dev/null 2>&1
}

# free_ports N: N distinct free TCP ports on 127.0.0.1, one a line.
free_ports() {
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]);
    const servers = Array.from({ length: n }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
      .then((ports) => { console.log(ports.join("\n")); servers.forEach((s) => s.close()); });
  ' "$1"
}

# start NAME BINARY ARGS...: start a component in its own session, logging to logs/NAME.log.
start() {
  local name="$1"; shift
  log k8s-up "starting $name"
  # fd 9 holds the start lock: the component must not inherit it.
  setsid nohup "$@" >"$RUN_DIR/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_DIR/pids/$name.pid"
}

# wait_for NAME COMMAND...: poll COMMAND until it succeeds; fail with the log tail when the
# component dies or the timeout passes.
wait_for() {
  local name="$1"; shift
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$RUN_DIR/pids/$name.pid"; then
      log k8s-up "$name exited; last log lines:"; tail -n 30 "$RUN_DIR/logs/$name.log" >&2; return 1
    fi
    if ((SECONDS - start > START_TIMEOUT)); then
      log k8s-up "$name not ready after ${START_TIMEOUT}s; last log lines:"; tail -n 30 "$RUN_DIR/logs/$name.log" >&2
      return 1
    fi
    sleep 0.3
  done
  log k8s-up "$name ready ($((SECONDS - start)) s)"
}

# healthz PORT: a component's own /healthz over its self-signed HTTPS endpoint.
healthz() { curl -skf --max-time 3 "https://127.0.0.1:$1/healthz"; }

# node_schedulable: kwok has marked the fake node Ready and the node lifecycle controller has lifted
# the node.kubernetes.io/not-ready taint that admission puts on every new node.
node_schedulable() {
  api_get "/api/v1/nodes/$NODE_NAME" |
    jq -e '(.status.conditions[] | select(.type == "Ready") | .status == "True") and ((.spec.taints // []) | length == 0)'
}

# default_service_account: the serviceaccount controller has populated the default namespace.
default_service_account() { api_get /api/v1/namespaces/default/serviceaccounts/default; }

# --- already running? ------------------------------------------------------------------------------
mkdir -p "$(dirname "$RUN_DIR")"
exec 9>"$RUN_DIR.lock"
flock 9 # one starter at a time (concurrent `npm run k8s:up` share one control plane)
if is_ready; then
  log k8s-up "already running ($(cat "$RUN_DIR/server"))"
  echo "$KUBECONFIG_PATH"
  exit 0
fi
if [ -d "$RUN_DIR" ]; then
  log k8s-up "found a stale or partial control plane in $RUN_DIR: stopping it first"
  BOULDER_K8S_LOCKED=1 bash "$HERE/down.sh"
fi

for tool in curl openssl jq node setsid; do
  command -v "$tool" >/dev/null || { log k8s-up "missing tool: $tool"; exit 1; }
done

# --- binaries ----------------------------------------------------------------------------------------
bash "$HERE/build.sh"
BIN="$K8S_BIN"

# --- run dir, keys, token ------------------------------------------------------------------------------
total_start=$SECONDS
# A failed start leaves nothing running: keep the logs next to the run dir, stop what was started.
on_exit() {
  local rc=$?
  [ $rc = 0 ] && return
  rm -rf "$RUN_DIR-failed-logs"
  cp -r "$RUN_DIR/logs" "$RUN_DIR-failed-logs" 2>/dev/null || true
  log k8s-up "start failed (exit $rc): stopping what was started; logs kept in $RUN_DIR-failed-logs"
  BOULDER_K8S_LOCKED=1 bash "$HERE/down.sh" || true
  exit $rc
}
trap on_exit EXIT
mkdir -p "$RUN_DIR"/{pki,pids,logs,etcd,kcm,scheduler}
chmod 700 "$RUN_DIR" "$RUN_DIR/etcd"
openssl genrsa -out "$RUN_DIR/pki/sa.key" 2048 2>/dev/null # service account signing key
openssl rand -hex 24 >"$RUN_DIR/token"
# Static token file: token,user,uid,"groups". system:masters is bound to cluster-admin.
printf '%s,admin,admin-uid,"system:masters"\n' "$(cat "$RUN_DIR/token")" >"$RUN_DIR/pki/tokens.csv"

mapfile -t ports < <(free_ports 6)
[ ${#ports[@]} = 6 ] || { log k8s-up "could not find free ports"; exit 1; }
ETCD_PORT=${ports[0]} ETCD_PEER_PORT=${ports[1]} API_PORT=${ports[2]} KCM_PORT=${ports[3]} SCHED_PORT=${ports[4]}
KUBELET_PORT=${ports[5]}
# kwok's kubelet API serves TLS with its own self-signed certificate (the apiserver does not verify
# kubelet serving certificates unless --kubelet-certificate-authority is given).
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$NODE_NAME" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:$NODE_NAME" \
  -keyout "$RUN_DIR/pki/kubelet.key" -out "$RUN_DIR/pki/kubelet.crt" 2>/dev/null
echo "https://127.0.0.1:$API_PORT" >"$RUN_DIR/server"

# --- etcd --------------------------------------------------------------------------------------------
etcd_args=(
  --name=boulder --data-dir="$RUN_DIR/etcd"
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT"
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
  --initial-cluster="boulder=http://127.0.0.1:$ETCD_PEER_PORT"
  --log-level=warn
)
# Skipping fsync is a big speed-up for tests (etcd >= 3.5); data is thrown away anyway.
if "$BIN/etcd" --help 2>&1 | grep -q -- '--unsafe-no-fsync'; then etcd_args+=(--unsafe-no-fsync); fi
start etcd "$BIN/etcd" "${etcd_args[@]}"
wait_for etcd curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

# --- kube-apiserver -----------------------------------------------------------------------------------
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --cert-dir="$RUN_DIR/pki" \
  --token-auth-file="$RUN_DIR/pki/tokens.csv" \
  --authorization-mode=RBAC \
  --service-cluster-ip-range=10.96.0.0/16 \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$RUN_DIR/pki/sa.key" \
  --service-account-signing-key-file="$RUN_DIR/pki/sa.key" \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --enable-priority-and-fairness=false \
  --kubelet-preferred-address-types=InternalIP \
  --profiling=false
# With only --cert-dir, the apiserver writes a self-signed apiserver.crt (serving cert + its CA).
wait_for kube-apiserver api_get /readyz

# --- kubeconfig -----------------------------------------------------------------------------------------
cat >"$KUBECONFIG_PATH.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: boulder-test
    cluster:
      server: $(cat "$RUN_DIR/server")
      certificate-authority-data: $(base64 -w0 <"$RUN_DIR/pki/apiserver.crt")
users:
  - name: admin
    user:
      token: $(cat "$RUN_DIR/token")
contexts:
  - name: boulder-test
    context:
      cluster: boulder-test
      user: admin
current-context: boulder-test
EOF
chmod 600 "$KUBECONFIG_PATH.tmp"
mv "$KUBECONFIG_PATH.tmp" "$KUBECONFIG_PATH"

# --- kube-controller-manager ------------------------------------------------------------------------------
KCM_CONTROLLERS=(
  garbage-collector-controller namespace-controller                 # ownerReferences, namespace deletion
  serviceaccount-controller serviceaccount-token-controller         # "default" SA (Pod admission), SA token Secrets
  root-ca-certificate-publisher-controller                          # kube-root-ca.crt ConfigMaps
  node-lifecycle-controller                                         # lifts the not-ready taint once kwok marks the node Ready
  deployment-controller replicaset-controller pod-garbage-collector-controller
  endpointslice-controller                                          # Service endpoints from Ready Pods
  persistentvolume-binder-controller                                # PVC <-> PV binding
  persistentvolumeclaim-protection-controller persistentvolume-protection-controller
)
start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig="$KUBECONFIG_PATH" \
  --controllers="$(IFS=,; echo "${KCM_CONTROLLERS[*]}")" \
  --use-service-account-credentials=false \
  --leader-elect=false \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$RUN_DIR/kcm" \
  --service-account-private-key-file="$RUN_DIR/pki/sa.key" \
  --root-ca-file="$RUN_DIR/pki/apiserver.crt" \
  --profiling=false

# --- kube-scheduler ----------------------------------------------------------------------------------
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig="$KUBECONFIG_PATH" \
  --leader-elect=false \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --cert-dir="$RUN_DIR/scheduler" \
  --profiling=false

# --- kwok ----------------------------------------------------------------------------------------------
# kwok watches its CRDs from the start: install them first.
"$BIN/kubectl" --kubeconfig="$KUBECONFIG_PATH" apply -f "$BIN/kwok-crds.yaml" >"$RUN_DIR/logs/kwok-crds.log"
"$BIN/kubectl" --kubeconfig="$KUBECONFIG_PATH" wait --for=condition=Established --timeout="${START_TIMEOUT}s" \
  -f "$BIN/kwok-crds.yaml" >>"$RUN_DIR/logs/kwok-crds.log"
start kwok "$BIN/kwok" \
  --kubeconfig="$KUBECONFIG_PATH" \
  --config="$BIN/kwok-stages.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr=10.244.0.0/16 --node-ip=127.0.0.1 \
  --node-port="$KUBELET_PORT" --server-address="127.0.0.1:$KUBELET_PORT" \
  --tls-cert-file="$RUN_DIR/pki/kubelet.crt" --tls-private-key-file="$RUN_DIR/pki/kubelet.key" \
  --enable-crds=Exec,ClusterExec,PortForward,ClusterPortForward,Logs,ClusterLogs,Attach,ClusterAttach \
  --node-lease-duration-seconds=40

wait_for kube-controller-manager healthz "$KCM_PORT"
wait_for kube-scheduler healthz "$SCHED_PORT"

# --- cluster objects: the fake node and the default StorageClass kwok provisions for ---------------------------
cat >"$RUN_DIR/node.json" <<EOF
{
  "apiVersion": "v1", "kind": "Node",
  "metadata": {
    "name": "$NODE_NAME",
    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
    "labels": {"type": "kwok", "kubernetes.io/hostname": "$NODE_NAME", "kubernetes.io/os": "linux",
               "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/agent": ""}
  },
  "status": {
    "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"},
    "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"}
  }
}
EOF
api_send POST /api/v1/nodes "$RUN_DIR/node.json"
api_send POST /apis/storage.k8s.io/v1/storageclasses "$BIN/kwok-storage-class.yaml"
wait_for kwok node_schedulable
wait_for kube-controller-manager default_service_account

# Facts for test harnesses, one KEY=value a line (shell-sourceable).
cat >"$RUN_DIR/env" <<EOF
KUBECONFIG=$KUBECONFIG_PATH
K8S_SERVER=$(cat "$RUN_DIR/server")
K8S_TOKEN_FILE=$RUN_DIR/token
K8S_CA_FILE=$RUN_DIR/pki/apiserver.crt
K8S_BIN=$BIN
K8S_VERSION=$K8S_VERSION
K8S_NODE=$NODE_NAME
K8S_KUBELET_PORT=$KUBELET_PORT
EOF

rm -rf "$RUN_DIR-failed-logs"
log k8s-up "control plane up in $((SECONDS - total_start)) s: $(cat "$RUN_DIR/server") (kubernetes $K8S_VERSION)"
log k8s-up "use it: export KUBECONFIG=$KUBECONFIG_PATH"
echo "$KUBECONFIG_PATH"
