#!/bin/sh
# Container HEALTHCHECK: healthy when regcache answers GET /healthz with 200.
# Port from REGISTRY_HTTP_ADDR (default 5000); https when TLS is configured by environment.
# Binaries without /healthz (404) are checked with GET /v2/ instead.
addr="${REGISTRY_HTTP_ADDR:-:5000}"
port="${addr##*:}"
scheme=http
[ -n "${REGISTRY_HTTP_TLS_CERTIFICATE:-}" ] && scheme=https
base="$scheme://127.0.0.1:$port"
code=$(curl -ks -o /dev/null -m 4 -w '%{http_code}' "$base/healthz") || exit 1
[ "$code" = 200 ] && exit 0
[ "$code" = 404 ] && exec curl -ksf -o /dev/null -m 4 "$base/v2/"
exit 1
