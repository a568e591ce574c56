"""The cache looks after itself while it serves: a size budget (LRU eviction),
TTL refreshed by use, and online garbage collection that keeps shared blobs."""
import os
import threading

import pytest

from lib import mkimg, operator, procs, skopeo
from lib import upstream as up

MiB = mkimg.MiB
BUSYBOX = "/bin/busybox"


def _pull_all(m, pushed, tag):
    errors = []

    def pull(p, i):
        try:
            skopeo.pull_and_verify(m.host, p.ref, os.path.join(m.dir, f"{tag}-{i}"), p.image)
        except Exception as e:  # reported below
            errors.append(f"{p.ref}: {e}")

    threads = [threading.Thread(target=pull, args=(p, i)) for i, p in enumerate(pushed)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert all(not t.is_alive() for t in threads), "a pull hung"
    return errors


def _file_bytes(root):
    base = os.path.join(root, "regcache", "v1", "blobs", "sha256")
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(base) for f in files)


def test_budget_is_kept_while_clients_pull(start_mirror, fresh_image):
    budget = 6 * MiB
    m = start_mirror("budget", extra_config={"regcache": {"max_size": "6MiB"}})
    pushed = [fresh_image(f"library/budget{i}", layer_sizes=(2 * MiB, MiB // 2)) for i in range(4)]
    total = sum(sum(p.image.blobs.values()) for p in pushed)
    assert total > budget

    errors = _pull_all(m, pushed, "pull")
    assert not errors, f"pulls failed while the cache evicted: {errors}"

    def under_budget():
        status = operator.query(m, "status")
        return status if status["cache"]["bytes"] <= budget * 0.95 else None
    status = procs.wait_for(under_budget, 30, "the cache to return under its budget", interval=0.5)
    assert "eviction:" in operator.log_text(m)
    assert status["budget"]["bytes"] == budget
    metrics = m.get("/metrics").text
    assert f"regcache_cache_budget_bytes {budget}" in metrics
    evictions = [line for line in metrics.splitlines()
                 if line.startswith("regcache_cache_evictions_total ")]
    assert evictions and int(float(evictions[0].split()[1])) > 0, evictions
    # Evicted content is gone from disk too: files and index agree.
    assert _file_bytes(m.root) == status["cache"]["bytes"]
    assert operator.query(m, "verify")["bad"] == []
    # Content evicted under a client is simply fetched again.
    errors = _pull_all(m, pushed[:2], "again")
    assert not errors, errors


def test_ttl_removes_unused_content_and_use_refreshes_it(start_mirror, fresh_image):
    m = start_mirror("ttl", extra_config={"proxy": {"ttl": "4s"}})
    used = fresh_image("library/ttl-used", layer_sizes=(MiB // 4,))
    idle = fresh_image("library/ttl-idle", layer_sizes=(MiB // 4,))
    assert _pull_all(m, [used, idle], "pull") == []

    def use():
        r = m.get(f"/v2/{used.repo}/manifests/{used.digest}",
                  headers={"Accept": used.image.media_type})
        assert r.status_code == 200
        for digest in used.image.blobs:
            assert m.get(f"/v2/{used.repo}/blobs/{digest}").status_code == 200

    def entry(listing, pushed):
        return next(e for e in listing if e["repository"] == pushed.repo and e["tag"] == pushed.tag)

    def idle_expired():
        use()
        listing = operator.query(m, "list")
        return listing if not entry(listing, idle)["cached"] else None
    listing = procs.wait_for(idle_expired, 60, "the idle image to expire", interval=0.5)
    kept = entry(listing, used)
    assert kept["cached"], "an image used within its ttl expired"
    assert kept["bytes"] == used.image.size + sum(used.image.blobs.values())
    files = operator.blob_files(m.root)
    assert not set(idle.image.blobs) & files, "expired blobs are still on disk"
    assert set(used.image.blobs) <= files
    assert "ttl: removed" in operator.log_text(m)


@pytest.mark.skipif(not os.path.exists(BUSYBOX), reason="needs busybox-static (a shared layer)")
def test_gc_keeps_blobs_shared_with_another_repository(start_mirror, fresh_image, upstream):
    m = start_mirror("gc")
    a1 = fresh_image("library/gc-a", "1", busybox=BUSYBOX, layer_sizes=(MiB // 4,))
    b1 = fresh_image("library/gc-b", "1", busybox=BUSYBOX, layer_sizes=(MiB // 4,))
    shared = set(a1.image.blobs) & set(b1.image.blobs)
    assert len(shared) == 1, "the busybox layer is the shared one"
    assert _pull_all(m, [a1, b1], "first") == []

    # gc-a:1 moves on upstream; the mirror follows it on the next pull.
    a2 = fresh_image("library/gc-a", "1", busybox=BUSYBOX, layer_sizes=(MiB // 3,))
    assert _pull_all(m, [a2], "moved") == []
    garbage = {a1.digest} | (set(a1.image.blobs) - shared)

    # registry:2's invocation, dry run: says what would go, removes nothing.
    dry = operator.run(m, "garbage-collect", "--dry-run", m.config_path, config_option=False)
    assert "would remove 1 manifest(s) and 2 blob(s)" in dry.stdout, dry.stdout
    assert garbage <= operator.blob_files(m.root)

    report = operator.query(m, "gc")
    removed = {o["digest"] for o in report["manifests"] + report["blobs"]}
    assert removed == garbage
    files = operator.blob_files(m.root)
    assert not garbage & files
    assert shared <= files, "the layer gc-b still uses was collected"

    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, b1.ref, os.path.join(m.dir, "b-after-gc"), b1.image)
    skopeo.pull_and_verify(m.host, a2.ref, os.path.join(m.dir, "a-after-gc"), a2.image)
    assert up.blob_gets(upstream.requests_since(mark)) == [], "gc removed content still in use"
