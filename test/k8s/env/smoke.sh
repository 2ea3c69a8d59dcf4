#!/usr/bin/env bash
# Smoke check of the test control plane with the kubectl built by build.sh: starts it when needed
# (up.sh), then proves each part works on a real object:
#   garbage collection  - a ConfigMap owned by another one is deleted with its owner (kube-controller-manager)
#   scheduling + kwok   - a Pod without nodeName is bound to the fake node and reported Running
#   Deployments         - a Deployment gets a ReplicaSet and a Running Pod
#   volumes             - a PVC of the default StorageClass becomes Bound (kwok's simulated provisioner)
#   CRDs                - manifests/crds/workspaces.nexus.dev.yaml becomes Established and a Workspace
#                         (manifests/examples/mock-workspace.yaml) can be created
#   namespace deletion  - deleting the namespace removes it and everything in it
# Prints one line per check and "N passed, N failed"; exits non-zero when a check fails.
# Leaves the control plane running (down.sh stops it). Usage: smoke.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
source "$HERE/lib.sh"

KUBECONFIG="$(bash "$HERE/up.sh" | tail -n1)"
export KUBECONFIG
export PATH="$K8S_BIN:$PATH"
NS="smoke-$(date +%s)"
passed=0 failed=0

# check NAME COMMAND...: run one check in a subshell that stops at its first failing command,
# count and report it (with its output when it fails).
check() {
  local name="$1" start=$SECONDS out="$RUN_DIR/smoke-$((passed + failed)).log" rc; shift
  set +e
  (set -e; "$@") >"$out" 2>&1
  rc=$?
  set -e
  if [ $rc = 0 ]; then
    passed=$((passed + 1)); log smoke "ok   $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); log smoke "FAIL $name"; sed 's/^/       /' "$out" >&2
  fi
}

# eventually SECONDS COMMAND...: retry COMMAND every 0.5 s until it succeeds or SECONDS pass.
eventually() {
  local limit="$1" start=$SECONDS; shift
  until "$@"; do
    ((SECONDS - start < limit)) || { echo "timed out after ${limit}s: $*"; return 1; }
    sleep 0.5
  done
}

is_gone() { ! kubectl get "$@" >/dev/null 2>&1; }
jsonpath_is() { [ "$(kubectl get "$1" -n "$NS" -o "jsonpath=$2")" = "$3" ]; }

garbage_collection() {
  kubectl create configmap owner -n "$NS" --from-literal=role=owner
  local uid
  uid="$(kubectl get configmap owner -n "$NS" -o jsonpath='{.metadata.uid}')"
  kubectl apply -n "$NS" -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  ownerReferences:
    - {apiVersion: v1, kind: ConfigMap, name: owner, uid: "$uid"}
data: {role: dependent}
EOF
  kubectl delete configmap owner -n "$NS" --wait=true
  eventually 30 is_gone configmap dependent -n "$NS"
}

scheduled_pod_runs() {
  kubectl run web -n "$NS" --image=nginx:alpine --restart=Never
  eventually 30 jsonpath_is pod/web '{.status.phase}' Running
  jsonpath_is pod/web '{.spec.nodeName}' kwok-node-0
  kubectl get pod web -n "$NS" -o wide
}

deployment_runs() {
  kubectl create deployment api -n "$NS" --image=nginx:alpine --replicas=2
  kubectl rollout status deployment/api -n "$NS" --timeout=60s
  [ "$(kubectl get pods -n "$NS" -l app=api --field-selector=status.phase=Running -o name | wc -l)" = 2 ]
}

pvc_binds() {
  kubectl apply -n "$NS" -f - <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: files}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
EOF
  eventually 30 jsonpath_is pvc/files '{.status.phase}' Bound
  kubectl get pvc files -n "$NS"
}

crd_and_workspace() {
  kubectl apply -f "$REPO/manifests/crds/workspaces.nexus.dev.yaml"
  kubectl wait --for=condition=Established crd/workspaces.nexus.dev --timeout=30s
  # Discovery can lag a moment behind Established.
  eventually 30 kubectl get workspaces -n "$NS"
  kubectl apply -n "$NS" -f "$REPO/manifests/examples/mock-workspace.yaml"
  kubectl get workspace demo -n "$NS" -o jsonpath='{.spec.backend}' | grep -qx mock
  kubectl get workspaces -n "$NS"
}

namespace_deletion() {
  kubectl delete namespace "$NS" --wait=false
  eventually 90 is_gone namespace "$NS"
}

log smoke "kubeconfig $KUBECONFIG, namespace $NS"
crd_existed=0
kubectl get crd workspaces.nexus.dev >/dev/null 2>&1 && crd_existed=1
kubectl create namespace "$NS" >/dev/null
check "garbage collection of an owned ConfigMap" garbage_collection
check "Pod scheduled to the kwok node and Running" scheduled_pod_runs
check "Deployment rolls out 2 Running Pods" deployment_runs
check "PVC bound by kwok's simulated provisioner" pvc_binds
check "Workspace CRD Established and a Workspace created" crd_and_workspace
check "namespace deletion empties and removes it" namespace_deletion
[ $crd_existed = 1 ] || kubectl delete crd workspaces.nexus.dev --wait=false >/dev/null 2>&1 || true

# Memory of each component: peak (VmHWM) and current (VmRSS).
for c in "${COMPONENTS[@]}"; do
  pid="$(cat "$RUN_DIR/pids/$c.pid")"
  log smoke "$(printf '%-24s peak %s MiB, now %s MiB' "$c" \
    "$(($(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024))" \
    "$(($(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024))")"
done
echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
