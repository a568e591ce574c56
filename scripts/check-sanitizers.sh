#!/usr/bin/env bash
# The hardening checks CI runs besides the Release tests: every unit test once
# under AddressSanitizer + UndefinedBehaviorSanitizer, then each libFuzzer
# target for a bounded time, and the core end-to-end tests (pulls, the API, bad
# input, coalescing, upstream faults, TLS) against the sanitized regcache binary.
# One clang build in build-sanitize/ serves all three.
#   scripts/check-sanitizers.sh                 both
#   FUZZ_SECONDS=60 scripts/check-sanitizers.sh longer fuzzing (default 20 s per target)
#   scripts/check-sanitizers.sh --fuzz-only     skip the unit tests
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds="${FUZZ_SECONDS:-20}"
run_unit=1
if [[ "${1:-}" == "--fuzz-only" ]]; then run_unit=0; fi

build=build-sanitize
# -O0 halves the compile time of -O1 (CI runs on 2 cores); line tables keep
# sanitizer reports readable. The fuzz targets build their own code at -O1.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" \
  -DREGCACHE_SANITIZE=ON -DREGCACHE_FUZZ=ON -DREGCACHE_BUILD_TESTS=ON >/dev/null

status=0
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

if ((run_unit)); then
  cmake --build "$build" --parallel "$(nproc)"
  echo "== unit tests under ASan + UBSan"
  ctest --test-dir "$build" --output-on-failure --timeout 300 || status=$?

  echo "== end-to-end tests against the sanitized regcache"
  # Every report goes to a file: a finding fails the stage even when the test
  # that triggered it passed. (Leaks are the unit tests' business: a server
  # stopped by a signal leaves its singletons.)
  reports=$(mktemp -d /tmp/regcache-sanitized-e2e.XXXXXX)
  REGCACHE_BIN="$build/regcache" \
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=$reports/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:log_path=$reports/ubsan" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e/test_pull.py \
    tests/e2e/test_api.py tests/e2e/test_bad_input.py tests/e2e/test_coalescing.py \
    tests/e2e/test_upstream_faults.py tests/e2e/test_tls.py || status=$?
  if compgen -G "$reports/*" > /dev/null; then
    echo "FAIL sanitizer findings in the end-to-end run:"
    head -60 "$reports"/*
    status=1
  fi
  rm -rf "$reports"
else
  cmake --build "$build" --parallel "$(nproc)" --target fuzzers
fi

echo "== fuzzing, ${fuzz_seconds} s per target"
scratch=$(mktemp -d /tmp/regcache-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
for target in fuzz_request_head fuzz_route fuzz_reference fuzz_www_authenticate fuzz_config; do
  corpus="$scratch/$target"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  # Findings are written to the scratch dir and their input shown in the log.
  if ! (cd "$scratch" && "$OLDPWD/$build/tests/fuzz/$target" -max_total_time="$fuzz_seconds" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$scratch/$target-" "$corpus" > "$scratch/$target.log" 2>&1); then
    echo "FAIL $target"
    tail -60 "$scratch/$target.log"
    for artifact in "$scratch/$target"-*; do
      [[ -e "$artifact" ]] && { echo "--- $artifact (base64)"; base64 "$artifact" | head -40; }
    done
    status=1
  else
    echo "ok   $target: $(grep -E '^stat::number_of_executed_units' "$scratch/$target.log" | awk '{print $2}') runs"
  fi
done
exit "$status"
