"""regcache's access log: one line per request with how the cache answered it.

Format: access method=GET path=/v2/... status=200 bytes=N duration_ms=3.1 cache=hit client=127.0.0.1
"""
import threading

import pytest

from lib import mirror as mirror_mod

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(),
                                reason="regcache's own access-log format")


def test_miss_then_hit_with_all_fields(start_mirror, fresh_image):
    pushed = fresh_image("library/accesslog")
    digest = pushed.image.layers[0]
    size = pushed.image.blobs[digest]
    m = start_mirror("accesslog")
    path = f"/v2/{pushed.repo}/blobs/{digest}"
    assert m.get(path).status_code == 200
    assert m.get(path).status_code == 200
    # Two connections: the first one's line may be written just after the second's
    # (its client already had every byte), so the order in the log is not asserted.
    first, second = sorted(m.wait_access_entries("GET", path, 2), key=lambda e: e["cache"] != "miss")
    assert (first["status"], first["cache"], first["bytes"]) == ("200", "miss", str(size))
    assert (second["status"], second["cache"], second["bytes"]) == ("200", "hit", str(size))
    assert first["client"] == "127.0.0.1"
    assert float(first["duration_ms"]) >= 0

    pings = len(m.access_entries("GET", "/v2/"))  # readiness polling hit /v2/ too
    assert m.get("/v2/").status_code == 200
    ping = m.wait_access_entries("GET", "/v2/", pings + 1)[-1]
    assert (ping["status"], ping["cache"]) == ("200", "none")

    missing = f"/v2/{pushed.repo}/manifests/nope"
    assert m.get(missing).status_code == 404
    (entry,) = m.wait_access_entries("GET", missing, 1)
    assert entry["status"] == "404"


def test_concurrent_requests_are_one_miss_and_coalesced(start_mirror, fresh_image):
    pushed = fresh_image("library/accesslog-coalesce", layer_sizes=(8 * 1024 * 1024,))
    digest = pushed.image.layers[0]
    m = start_mirror("accesslog-coalesce")
    path = f"/v2/{pushed.repo}/blobs/{digest}"
    barrier = threading.Barrier(8)
    statuses = []

    def fetch():
        barrier.wait(timeout=30)
        statuses.append(m.get(path).status_code)
    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [200] * 8
    caches = sorted(e["cache"] for e in m.wait_access_entries("GET", path, 8))
    assert caches.count("miss") == 1, caches
    assert set(caches) <= {"miss", "coalesced", "hit"}, caches


def test_stale_tag_when_upstream_is_down(start_mirror, upstream, images):
    replica = upstream.replica("replica-accesslog")
    try:
        pushed = images["oci"]
        m = start_mirror("accesslog-stale", remote_url=replica.url, tag_revalidate="0s")
        path = f"/v2/{pushed.repo}/manifests/{pushed.tag}"
        accept = {"Accept": pushed.image.media_type}
        assert m.get(path, headers=accept).status_code == 200
        replica.stop()
        assert m.get(path, headers=accept).status_code == 200
        first, second = m.wait_access_entries("GET", path, 2)
        assert first["cache"] == "miss"
        assert second["cache"] == "stale"
    finally:
        replica.stop()
