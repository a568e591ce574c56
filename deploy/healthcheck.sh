#!/bin/sh
# Container HEALTHCHECK: healthy when regcache answers GET /healthz with 200.
# Port from REGISTRY_HTTP_ADDR (default 5000). Plain HTTP first, HTTPS when the port
# speaks TLS (http.tls set in config.yml or by environment; the cert is not verified:
# this only asks the local process). Binaries without /healthz (404) are checked
# with GET /v2/ instead.
addr="${REGISTRY_HTTP_ADDR:-:5000}"
port="${addr##*:}"
for scheme in http https; do
  base="$scheme://127.0.0.1:$port"
  code=$(curl -ks -o /dev/null -m 4 -w '%{http_code}' "$base/healthz")
  case "$code" in
    200) exit 0 ;;
    404) exec curl -ksf -o /dev/null -m 4 "$base/v2/" ;;
    000) continue ;;  # no HTTP answer: TLS port, or down
    *) exit 1 ;;
  esac
done
exit 1
