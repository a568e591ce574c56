#!/usr/bin/env bash
# Installs what regcache needs from Debian 12's packages (apt only).
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   plus everything the test suites start
#   scripts/install-deps.sh --bench  plus what bench/run.sh starts and measures with
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev
  libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libcrypt-dev libhiredis-dev
)
test_packages=(
  libgtest-dev libgmock-dev python3 python3-pytest python3-cryptography python3-requests
  docker-registry skopeo squid tinyproxy nginx docker.io containerd podman
  iproute2 util-linux curl openssl wrk procps busybox-static python3-pytest-timeout
  chromium prometheus
  # object storage for the S3 backend's tests (tests/s3/start-ceph.sh: mon + memstore OSD + radosgw)
  ceph-mon ceph-osd radosgw uuid-runtime redis-server
  debootstrap docker-compose dpkg-dev systemd python3-yaml
  varnish apache2-utils clang libclang-rt-14-dev
)
bench_packages=(
  python3 python3-requests docker-registry skopeo nginx wrk curl procps iproute2 util-linux
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
  packages+=("${test_packages[@]}")
elif [[ "${1:-}" == "--bench" ]]; then
  packages+=("${bench_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Debian's packages try to start daemons (docker-registry, squid, nginx) on install;
# a policy-rc.d on these machines refuses that, and the tests start their own.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
