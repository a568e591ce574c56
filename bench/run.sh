#!/usr/bin/env bash
# regcache's benchmark against registry:2 (proxy mode) and nginx: see bench/README.md.
#   bench/run.sh            full run (3 alternating rounds, under 15 minutes)
#   bench/run.sh --quick    one short round (under 2 minutes)
# Other options go to bench/bench.py (--rounds N, --only warm,small,..., --keep).
# REGCACHE_BIN=path uses that binary instead of building one into build-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --bench

if [[ -z "${REGCACHE_BIN:-}" ]]; then
  # Its own build directory: build/ may be busy with a Debug or test build.
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DREGCACHE_BUILD_TESTS=OFF >/dev/null
  cmake --build build-bench --target regcache --parallel "$(nproc)"
  REGCACHE_BIN=build-bench/regcache
fi

# Debian's python3 (the e2e helpers use Debian's python3-requests).
exec /usr/bin/python3 bench/bench.py --regcache "$REGCACHE_BIN" "$@"
