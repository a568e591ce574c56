#!/usr/bin/env bash
# The project's test command: installs the test dependencies, builds (Release,
# unit tests on) into build/, runs the unit tests (ctest) and then the
# end-to-end suite (pytest, tests/e2e) inside a network namespace with only
# loopback, created here and removed on exit, and finally (full runs only) the
# unit tests under ASan+UBSan and each fuzzer for a bounded time
# (scripts/check-sanitizers.sh). Extra arguments go to pytest, e.g.
# scripts/test.sh -k coalescing (and skip the sanitizer stage).
# Exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
scripts/build.sh -DREGCACHE_BUILD_TESTS=ON

status=0
# A throw-away Ceph RGW for the S3 storage tests (about 3-7 s to start); the
# unit tests read S3_ENDPOINT etc. from the environment and skip, saying why,
# without them.
ceph_base=""
# Stopping it also forgets its S3_* variables: later stages (the sanitizer
# build's unit tests) then skip the S3 tests instead of failing to connect.
stop_ceph() {
  if [[ -n "$ceph_base" ]]; then
    if [[ -f "$ceph_base/s3.env" ]]; then
      while IFS='=' read -r name _; do [[ -n "$name" ]] && unset "$name"; done < "$ceph_base/s3.env"
    fi
    CEPH_BASE="$ceph_base" tests/s3/stop-ceph.sh
    ceph_base=""
  fi
}
ceph_base=$(mktemp -d /tmp/regcache-ceph.XXXXXX)
if CEPH_BASE="$ceph_base" tests/s3/start-ceph.sh; then
  set -a; . "$ceph_base/s3.env"; set +a
else
  echo "test.sh: could not start Ceph RGW: the S3 tests will be skipped and the run fails" >&2
  status=1
fi
ctest --test-dir build --output-on-failure || status=$?
stop_ceph

# Docker clients fall back to the real registry when a mirror fails: the e2e
# suite runs where that fallback cannot leave the machine.
pytest_cmd=(/usr/bin/python3 -m pytest tests/e2e -q "$@")
. scripts/lib/netns.sh
cleanup() {
  stop_ceph
  netns_cleanup
}
trap cleanup EXIT
if netns_create regcache-e2e; then
  netns_exec "${pytest_cmd[@]}" || status=$?
else
  echo "test.sh: no network namespace (needs root); the dockerd tests will be skipped" >&2
  "${pytest_cmd[@]}" || status=$?
fi

if (($# == 0)); then
  scripts/check-sanitizers.sh || status=$?
fi
exit "$status"
