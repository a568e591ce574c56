"""Hostile or malformed requests get the spec's JSON errors, and the server stays up."""
import http.client
import json

import pytest

ZERO = "sha256:" + "0" * 64


def raw_request(mirror, method, path, headers=None, body=None):
    """Sends `path` byte for byte (no client-side normalisation of '..' or %2F)."""
    conn = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def error_codes(body):
    try:
        return [e.get("code") for e in json.loads(body)["errors"]]
    except (ValueError, KeyError, TypeError):
        return f"not a spec error body: {body[:200]!r}"


@pytest.mark.parametrize("path,status,code", [
    ("/v2/UPPER/manifests/latest", 400, "NAME_INVALID"),
    ("/v2/library/Alpine/blobs/" + ZERO, 400, "NAME_INVALID"),
    ("/v2/library/../etc/manifests/latest", 400, "NAME_INVALID"),
    ("/v2/../../etc/passwd/manifests/latest", 400, "NAME_INVALID"),
    ("/v2/library/%2e%2e/manifests/latest", 400, "NAME_INVALID"),
    ("/v2/library%2Falpine/manifests/3.20", 400, "NAME_INVALID"),
    ("/v2/library/-alpine/manifests/3.20", 400, "NAME_INVALID"),
    ("/v2/library//alpine/manifests/3.20", 400, "NAME_INVALID"),
    ("/v2/" + "a" * 300 + "/manifests/latest", 400, "NAME_INVALID"),
    ("/v2/library/alpine/blobs/sha256:abc", 400, "DIGEST_INVALID"),
    ("/v2/library/alpine/blobs/sha256:" + "Z" * 64, 400, "DIGEST_INVALID"),
    ("/v2/library/alpine/blobs/sha256:" + "A" * 64, 400, "DIGEST_INVALID"),
    ("/v2/library/alpine/blobs/notadigest", 400, "DIGEST_INVALID"),
    ("/v2/library/alpine/blobs/sha256:../../../../etc/passwd", 400, "DIGEST_INVALID"),
    ("/v2/library/alpine/manifests/sha256:1234", 400, "DIGEST_INVALID"),
    ("/v2/library/alpine/manifests/.hidden", 400, "TAG_INVALID"),
    ("/v2/library/alpine/manifests/" + "t" * 129, 400, "TAG_INVALID"),
    ("/v2/library/alpine/blobs/" + ZERO, 404, "BLOB_UNKNOWN"),
    ("/v2/library/alpine/manifests/doesnotexist", 404, "MANIFEST_UNKNOWN"),
    ("/v2/library/alpine/manifests/" + ZERO, 404, "MANIFEST_UNKNOWN"),
])
def test_bad_input_gets_spec_error(mirror, images, path, status, code):
    got, headers, body = raw_request(mirror, "GET", path)
    assert (got, error_codes(body)) == (status, [code]), (path, got, body[:300])
    assert headers.get("Content-Type", "").startswith("application/json")
    assert mirror.running()


def test_head_of_unknown_manifest_is_404_without_body(mirror, images):
    got, _, body = raw_request(mirror, "HEAD", "/v2/library/alpine/manifests/doesnotexist")
    assert (got, body) == (404, b"")


@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/library/alpine/blobs/uploads/"),
    ("PUT", "/v2/library/alpine/manifests/pushed"),
    ("DELETE", "/v2/library/alpine/manifests/" + ZERO),
    ("DELETE", "/v2/library/alpine/blobs/" + ZERO),
    ("PATCH", "/v2/library/alpine/blobs/uploads/0f1e2d3c"),
])
def test_writes_are_unsupported(mirror, images, method, path):
    body = b'{"schemaVersion":2}' if method in ("PUT", "PATCH") else None
    headers = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"} if body else {}
    got, _, resp = raw_request(mirror, method, path, headers=headers, body=body)
    assert (got, error_codes(resp)) == (405, ["UNSUPPORTED"]), (method, path, resp[:300])


def test_oversized_request_head_is_refused_and_server_stays_up(mirror):
    try:
        got, _, _ = raw_request(mirror, "GET", "/v2/", headers={"X-Big": "x" * (1 << 20)})
        assert 400 <= got < 500, got
    except (ConnectionError, http.client.HTTPException):
        pass  # closing the connection on a 1 MiB header is also a fine answer
    assert mirror.get("/v2/").status_code == 200
    assert mirror.running()
