#!/usr/bin/env bash
# Container deployment tests (slow, so separate from scripts/test.sh; .ci/run runs both).
# Builds the image from ./Dockerfile with a real dockerd inside a loopback-only network
# namespace, starts deploy/compose/plan-a.yml with docker-compose and pulls an image
# through the containerised regcache from a test upstream; then plan-b.yml (nginx with
# TLS) and plan-b-tls.yml (regcache's own TLS), pulling over https with a test CA.
#
# Offline: the Debian 12 base image comes from debootstrap (minbase plus the runtime
# packages the Dockerfile's final stage lists), and so does Plan B's nginx image (minbase
# plus Debian's nginx), each cached as a tarball under $REGCACHE_DEPLOY_CACHE (default
# build/deploy-cache/) and `docker import`ed by the test.
# The build stage does not compile in the container: it takes the host-built
# build/regcache (Dockerfile build arg PREBUILT), so no build packages are needed.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

scripts/install-deps.sh --test
if [[ ! -x build/regcache ]]; then scripts/build.sh -DREGCACHE_BUILD_TESTS=ON; fi

cache=$(realpath -m "${REGCACHE_DEPLOY_CACHE:-build/deploy-cache}")
mkdir -p "$cache"
# The Debian mirror apt already uses (debootstrap needs network: before the namespace).
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
mirror=${DEBOOTSTRAP_MIRROR:-${mirror:-http://deb.debian.org/debian}}
# rootfs_tar NAME "PACKAGES" [PREPARE]: prints the path of a cached tarball of a
# debootstrapped bookworm minbase root with PACKAGES, made on first use (run it in a
# $(...) subshell: it sets an EXIT trap); PREPARE is a function run on the root before
# packing, part of the cache key. Older tarballs of NAME are removed.
rootfs_tar() {
  local name=$1 packages=$2 prepare=${3:-}
  local key tar root
  key=$(printf 'bookworm minbase %s%s' "$packages" "${prepare:+$(declare -f "$prepare")}" |
    sha256sum | cut -c1-12)
  tar="$cache/debian-bookworm-$name-$key.tar"
  if [[ ! -s "$tar" ]]; then
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    echo "test-deploy.sh: debootstrap bookworm + $packages from $mirror (cached in $tar)" >&2
    debootstrap --variant=minbase --include="${packages// /,}" bookworm "$root" "$mirror" \
      >"$cache/debootstrap-$name.log" 2>&1 || { tail -20 "$cache/debootstrap-$name.log" >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    if [[ -n "$prepare" ]]; then "$prepare" "$root"; fi
    tar -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    find "$cache" -maxdepth 1 -name "debian-bookworm-$name-*.tar" ! -path "$tar" -delete
    rm -rf "$root"
    trap - EXIT
  fi
  echo "$tar"
}

# Shaped like the official nginx image, which Plan B uses: only conf.d/*.conf is served
# (no Debian default site on port 80), logs to the container's stdout/stderr.
prepare_nginx() {
  rm -f "$1"/etc/nginx/sites-enabled/*
  ln -sf /dev/stdout "$1"/var/log/nginx/access.log
  ln -sf /dev/stderr "$1"/var/log/nginx/error.log
}

packages=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' Dockerfile)
[[ -n "$packages" ]] || { echo "test-deploy.sh: no RUNTIME_PACKAGES in Dockerfile" >&2; exit 1; }
base_tar=$(rootfs_tar runtime "$packages")
# Plan B's nginx (no nginx image offline): Debian's nginx in a bookworm root.
nginx_tar=$(rootfs_tar nginx "nginx" prepare_nginx)
echo "test-deploy.sh: base ready after $((SECONDS - start)) s"
export REGCACHE_DEPLOY_BASE_TAR="$base_tar" REGCACHE_DEPLOY_NGINX_TAR="$nginx_tar"
export REGCACHE_DEPLOY_TESTS=1

status=0
pytest_cmd=(/usr/bin/python3 -m pytest tests/e2e/deploy -q "$@")
. scripts/lib/netns.sh
trap netns_cleanup EXIT
if netns_create regcache-deploy; then
  netns_exec "${pytest_cmd[@]}" || status=$?
else
  echo "test-deploy.sh: needs root for a network namespace (dockerd must not reach the internet)" >&2
  status=1
fi
echo "test-deploy.sh: done in $((SECONDS - start)) s (status $status)"
exit "$status"
