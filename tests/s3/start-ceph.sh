#!/usr/bin/env bash
# Starts a throw-away Ceph cluster for the S3 tests: one monitor, one memstore
# OSD and a RADOS Gateway on loopback (ports from the OS), creates an S3 user
# and a bucket, and writes the S3_* variables to $CEPH_BASE/s3.env.
# Recipe and pitfalls: ../shared/S3LAB.md. Stop it with tests/s3/stop-ceph.sh.
#   CEPH_BASE=/tmp/regcache-ceph tests/s3/start-ceph.sh
set -euo pipefail

: "${CEPH_BASE:?set CEPH_BASE to an empty directory to run the cluster in}"
READY_TIMEOUT=${READY_TIMEOUT:-60}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-regcache-test-access}
S3_SECRET_KEY=${S3_SECRET_KEY:-regcache-test-secret}
S3_BUCKET=${S3_BUCKET:-regcache-test}
OSD_MEM_BYTES=${OSD_MEM_BYTES:-1073741824}
B=$CEPH_BASE

for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool uuidgen curl; do
  command -v "$tool" >/dev/null || { echo "start-ceph: $tool missing (scripts/install-deps.sh --test)" >&2; exit 2; }
done

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MON_V2=$(free_port); MON_V1=$(free_port); RGW_PORT=$(free_port)

mkdir -p "$B"/{mon,osd,run,log}
fail() { echo "start-ceph: $*" >&2; "$(dirname "$0")/stop-ceph.sh" || true; exit 1; }
trap 'fail "a step failed (logs in $B/log)"' ERR

cat >"$B/ceph.conf" <<CONF
[global]
fsid = $(uuidgen)
mon host = [v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
paxos propose interval = 0.05
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
run dir = $B/run
pid file = $B/run/\$name.pid
log file = $B/log/\$name.log
admin socket = $B/run/\$name.asok
mon data = $B/mon/\$name
osd data = $B/osd/\$name
keyring = $B/keyring
[osd]
osd objectstore = memstore
memstore device bytes = $OSD_MEM_BYTES
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
ms mon client mode = crc
auth client required = none
rgw data = $B/run/rgw
CONF
FSID=$(sed -n 's/^fsid = //p' "$B/ceph.conf")
ceph-authtool --create-keyring "$B/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --clobber --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]" "$B/monmap" >/dev/null
ceph-mon -c "$B/ceph.conf" --mkfs -i a --monmap "$B/monmap" --keyring "$B/keyring"
ceph-mon -c "$B/ceph.conf" -i a
OSD_UUID=$(uuidgen)
OSD_ID=$(timeout "$READY_TIMEOUT" ceph -c "$B/ceph.conf" osd new "$OSD_UUID")
mkdir -p "$B/osd/osd.$OSD_ID"
ceph-osd -c "$B/ceph.conf" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" 2>>"$B/log/osd-mkfs.log"
ceph-osd -c "$B/ceph.conf" -i "$OSD_ID" 2>>"$B/log/osd-start.log"
mkdir -p "$B/run/rgw"
timeout 60 radosgw -c "$B/ceph.conf" -n client.rgw.a

endpoint="http://127.0.0.1:$RGW_PORT"
ready=""
for _ in $(seq 1 $((READY_TIMEOUT * 10))); do
  if curl -sf "$endpoint/" 2>/dev/null | grep -q ListAllMyBucketsResult; then ready=1; break; fi
  sleep 0.1  # polling a daemon's readiness, bounded by READY_TIMEOUT
done
[[ -n "$ready" ]] || fail "radosgw not ready on $endpoint within ${READY_TIMEOUT}s"
radosgw-admin -c "$B/ceph.conf" user create --uid=regcache-test --display-name="regcache tests" \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X PUT "$endpoint/$S3_BUCKET" >/dev/null

cat >"$B/s3.env" <<ENV
S3_ENDPOINT=$endpoint
S3_REGION=us-east-1
S3_BUCKET=$S3_BUCKET
S3_ACCESS_KEY=$S3_ACCESS_KEY
S3_SECRET_KEY=$S3_SECRET_KEY
ENV
trap - ERR
echo "start-ceph: S3 ready at $endpoint (bucket $S3_BUCKET); variables in $B/s3.env"
