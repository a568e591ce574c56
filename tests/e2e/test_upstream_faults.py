"""Upstream trouble the client should see correctly, or not at all."""
import hashlib

import pytest

from lib import faultproxy, ratelimit


def test_upstream_429_is_passed_back_with_retry_after(start_mirror, session_dir, processes,
                                                     upstream, images):
    front = ratelimit.RateLimitFront(session_dir, processes, upstream.port,
                                     limited_repo="library/alpine", retry_after=37).start()
    m = start_mirror("ratelimited", remote_url=front.url)
    pushed = images["oci"]
    r = m.get(f"/v2/{pushed.repo}/manifests/{pushed.tag}")
    assert r.status_code == 429, (r.status_code, r.text[:300])
    assert r.json()["errors"][0]["code"] == "TOOMANYREQUESTS", r.text
    assert r.headers.get("Retry-After") == "37"
    # other repositories behind the same front still work
    other = images["multi"]
    assert m.get(f"/v2/{other.repo}/manifests/{other.tag}",
                 headers={"Accept": other.image.media_type}).status_code == 200


@pytest.fixture
def cutting_proxy(upstream):
    p = faultproxy.CuttingProxy(upstream.port).start()
    yield p
    p.stop()


def test_broken_blob_transfer_is_resumed(start_mirror, upstream, fresh_image, cutting_proxy):
    pushed = fresh_image("library/resume", layer_sizes=(6 * 1024 * 1024,))
    digest = pushed.image.layers[0]
    data = pushed.image.blob_bytes(digest)
    m = start_mirror("resume", remote_url=cutting_proxy.url)
    cutting_proxy.arm(digest, after_bytes=2 * 1024 * 1024)

    mark = upstream.mark()
    r = m.get(f"/v2/{pushed.repo}/blobs/{digest}", timeout=120)
    assert r.status_code == 200
    assert hashlib.sha256(r.content).hexdigest() == digest.split(":", 1)[1]
    assert len(r.content) == len(data)
    assert cutting_proxy.cuts == 1, "the proxy should have cut the first transfer"
    gets = [r for r in upstream.requests_since(mark)
            if r.method == "GET" and r.path == f"/v2/{pushed.repo}/blobs/{digest}"]
    assert [g.status for g in gets if g.status != 401] == [200, 206], \
        f"expected the full GET, then one Range GET for the rest: {gets}"
    # and the blob is now cached whole
    again = m.get(f"/v2/{pushed.repo}/blobs/{digest}")
    assert again.content == data
