#!/usr/bin/env bash
# Stops what tests/s3/start-ceph.sh started in $CEPH_BASE (rgw, then osd, then
# mon: stopping rgw and osd together can leave rgw ignoring SIGTERM) and
# removes $CEPH_BASE.
set -uo pipefail
: "${CEPH_BASE:?set CEPH_BASE}"
stop_pid() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do  # up to 10 s, then SIGKILL
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_pid "$CEPH_BASE/run/client.rgw.a.pid"
for f in "$CEPH_BASE"/run/osd.*.pid; do stop_pid "$f"; done
stop_pid "$CEPH_BASE/run/mon.a.pid"
rm -rf "$CEPH_BASE"
