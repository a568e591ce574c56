#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running mirror:
# installs the packages, builds, and serves on :5000 as a Docker Hub mirror.
# Extra arguments go to `regcache serve` (e.g. --config /etc/regcache/config.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/regcache serve "$@"
