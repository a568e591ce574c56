"""A public origin: behind the seed's nginx (X-Forwarded-* from trusted
proxies only), the CDN's shared secret, address allow/deny lists on the real
client address, per-client request rates and concurrent downloads."""
import http.client
import json
import os
import socket

import pytest

from lib import fronts, mirror as mirror_mod, pki as pki_mod, procs, skopeo

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(),
                                reason="regcache's own access control")

SECRET_OLD = "old-cdn-secret-0123456789"
SECRET_NEW = "new-cdn-secret-9876543210"


def request(port, path, *, source="127.0.0.1", headers=None, method="GET", tls=None):
    """One request from `source` (any 127.x address on loopback); (status, headers, body)."""
    if tls is not None:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=tls, timeout=30,
                                           source_address=(source, 0))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                          source_address=(source, 0))
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def error_code(body):
    return json.loads(body)["errors"][0]["code"]


@pytest.fixture(scope="module")
def pki(session_dir):
    return pki_mod.Pki(os.path.join(session_dir, "pki-origin"))


def test_behind_the_seeds_nginx_the_real_client_counts(start_mirror, processes, session_dir, pki,
                                                       images):
    m = start_mirror("behind-nginx", extra_config={"regcache": {
        "trusted_proxies": ["127.0.0.1", "::1"],
        "origin": {"deny": ["127.0.0.6"]}}})
    cert, key = pki.issue("nginx")
    nginx = fronts.SeedNginx(session_dir, processes, m.port, cert, key).start()
    try:
        pushed = images["oci"]
        dest = os.path.join(session_dir, "out", "via-nginx")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        skopeo._run(["copy", "--retry-times", "0", "--src-cert-dir", pki.cert_dir,
                     "--src-no-creds", f"docker://127.0.0.1:{nginx.port}/{pushed.ref}",
                     f"dir:{dest}"])
        skopeo.verify_dir(dest, pushed.image)

        status, _, _ = request(nginx.port, "/v2/?from=5", source="127.0.0.5",
                               tls=pki.client_context())
        assert status == 200
        entry = m.wait_access_entries("GET", "/v2/?from=5", 1)[-1]
        assert entry["client"] == "127.0.0.5", "the address nginx saw, not nginx's own"

        status, _, body = request(nginx.port, "/v2/", source="127.0.0.6", tls=pki.client_context())
        assert status == 403 and error_code(body) == "DENIED", "deny list on the real client"

        # Straight to regcache, a client cannot pretend to be someone else.
        status, _, _ = request(m.port, "/v2/", source="127.0.0.6",
                               headers={"X-Forwarded-For": "127.0.0.5"})
        assert status == 403
        status, _, _ = request(m.port, "/v2/?direct", source="127.0.0.7",
                               headers={"X-Forwarded-For": "127.0.0.6"})
        assert status == 200
        assert m.wait_access_entries("GET", "/v2/?direct", 1)[-1]["client"] == "127.0.0.7"
    finally:
        nginx.stop()


def test_cdn_secret_with_rotation_and_open_health_paths(start_mirror):
    m = start_mirror("origin-secret", extra_config={"regcache": {"origin": {
        "secrets": [SECRET_OLD, SECRET_NEW], "health_paths": ["/healthz"]}}})
    status, headers, body = request(m.port, "/v2/")
    assert status == 403 and error_code(body) == "DENIED"
    assert headers["cache-control"] == "no-store"
    assert request(m.port, "/v2/", headers={"X-CDN-Auth": "guess"})[0] == 403
    assert request(m.port, "/v2/", headers={"X-CDN-Auth": SECRET_OLD})[0] == 200
    assert request(m.port, "/v2/", headers={"X-CDN-Auth": SECRET_NEW})[0] == 200
    # Health probes come from the load balancer, without the CDN's header.
    assert request(m.port, "/healthz")[0] != 403
    log = m.log_text()
    assert SECRET_OLD not in log and SECRET_NEW not in log


def test_allow_list_admits_only_listed_networks(start_mirror):
    m = start_mirror("origin-allow", extra_config={"regcache": {"origin": {
        "allow": ["127.0.0.8/31", "::1"]}}})
    assert request(m.port, "/v2/", source="127.0.0.9")[0] == 200
    status, _, body = request(m.port, "/v2/", source="127.0.0.1")
    assert status == 403 and error_code(body) == "DENIED"


def test_request_rate_per_client_gives_429_with_retry_after(start_mirror):
    m = start_mirror("rate", extra_config={"regcache": {"limits": {
        "requests_per_second": 1, "request_burst": 3}}})
    answers = [request(m.port, "/v2/", source="127.0.0.10") for _ in range(6)]
    limited = [a for a in answers if a[0] == 429]
    assert [a[0] for a in answers[:3]] == [200, 200, 200]
    assert limited, [a[0] for a in answers]
    status, headers, body = limited[0]
    assert error_code(body) == "TOOMANYREQUESTS"
    assert int(headers["retry-after"]) >= 1
    assert headers["cache-control"] == "no-store"
    assert request(m.port, "/v2/", source="127.0.0.11")[0] == 200, "other clients are not limited"


def test_concurrent_downloads_per_client(start_mirror, images):
    m = start_mirror("downloads", extra_config={"regcache": {"limits": {"downloads_per_client": 1}}})
    big = images["big"]
    layer = max(big.image.blobs, key=big.image.blobs.get)
    path = f"/v2/{big.repo}/blobs/{layer}"
    assert request(m.port, path)[0] == 200  # cached now

    # A client that starts a download and stops reading keeps it in progress.
    slow = socket.create_connection(("127.0.0.1", m.port), timeout=30,
                                    source_address=("127.0.0.12", 0))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(f"GET {path} HTTP/1.1\r\nHost: mirror\r\n\r\n".encode())
    assert slow.recv(64).startswith(b"HTTP/1.1 200")
    try:
        small = next(d for d, size in images["oci"].image.blobs.items())
        status, headers, body = request(m.port, f"/v2/{images['oci'].repo}/blobs/{small}",
                                        source="127.0.0.12")
        assert status == 429 and error_code(body) == "TOOMANYREQUESTS"
        assert headers["retry-after"] == "1"
        assert request(m.port, f"/v2/{big.repo}/manifests/{big.tag}", source="127.0.0.12",
                       headers={"Accept": skopeo.manifest_media_types()})[0] == 200, \
            "manifests are not downloads"
        assert request(m.port, f"/v2/{images['oci'].repo}/blobs/{small}",
                       source="127.0.0.13")[0] == 200
    finally:
        slow.close()
    procs.wait_for(lambda: request(m.port, f"/v2/{images['oci'].repo}/blobs/{small}",
                                   source="127.0.0.12")[0] == 200, 20,
                   "the download slot to be released")
