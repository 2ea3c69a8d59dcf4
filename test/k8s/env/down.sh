#!/usr/bin/env bash
# Stops the control plane started by up.sh (npm run k8s:down) and removes its run dir.
# Stops only the processes whose pids up.sh recorded, newest first: SIGTERM, then SIGKILL after 10 s.
# Idempotent: nothing running → nothing to do.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "${BOULDER_K8S_LOCKED:-0}" != 1 ]; then
  mkdir -p "$(dirname "$RUN_DIR")"
  exec 9>"$RUN_DIR.lock"
  flock 9 # wait for a concurrent up.sh to finish starting
fi

if [ ! -d "$RUN_DIR" ]; then
  log k8s-down "nothing to stop ($RUN_DIR does not exist)"
  exit 0
fi

# stop NAME: terminate the recorded process of component NAME.
stop() {
  local file="$RUN_DIR/pids/$1.pid" pid i
  pid_alive "$file" || return 0
  pid="$(cat "$file")"
  log k8s-down "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    # An exited process whose zombie is not reaped yet has no /proc/PID/exe.
    readlink "/proc/$pid/exe" >/dev/null 2>&1 || return 0
    sleep 0.1
  done
  log k8s-down "$1 did not exit within 10 s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop "${COMPONENTS[i]}"; done
rm -rf "$RUN_DIR"
log k8s-down "stopped; removed $RUN_DIR"
