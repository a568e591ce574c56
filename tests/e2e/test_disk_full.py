"""A filesystem filled to the brim by someone else: regcache keeps serving what
it has, streams new content to clients without caching it, says so, never
leaves a partial file, and caches again once space returns."""
import errno
import os
import subprocess
import uuid

import pytest

from lib import mkimg, operator, procs, skopeo

MiB = mkimg.MiB


@pytest.fixture
def small_filesystem(session_dir):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    path = os.path.join(session_dir, f"smallfs-{uuid.uuid4().hex[:8]}")
    os.makedirs(path)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "regcache-e2e", path], check=True,
                   timeout=30)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False, timeout=30)


def fill(path, leave=0):
    """Writes a file until the filesystem is full, then frees `leave` bytes; returns its path."""
    filler = os.path.join(path, "filler")
    with open(filler, "wb", buffering=0) as f:
        for size in (MiB, 64 * 1024, 4096, 512, 1):
            block = b"\0" * size
            for _ in range(1000):  # bounded: 40 MiB at most
                try:
                    f.write(block)
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    break
        if leave:
            f.truncate(os.path.getsize(filler) - leave)
    return filler


def test_full_disk_keeps_serving_and_resumes_caching(start_mirror, fresh_image, small_filesystem):
    root = os.path.join(small_filesystem, "data")
    # min_free_space 0: the cached image must stay (no eviction), to show it is served.
    m = start_mirror("diskfull", root=root, extra_config={"regcache": {"min_free_space": "0"}})
    warm = fresh_image("library/full-warm", layer_sizes=(MiB // 2,))
    skopeo.pull_and_verify(m.host, warm.ref, os.path.join(m.dir, "warm"), warm.image)

    # Room for the manifest, not for the 4 MiB layer: its download fails half-way
    # and the client carries on from upstream where it was.
    new = fresh_image("library/full-new", layer_sizes=(4 * MiB, MiB // 2))
    big = new.image.layers[0]
    filler = fill(small_filesystem, leave=MiB)
    st = os.statvfs(small_filesystem)
    assert st.f_bavail * st.f_frsize < 2 * MiB

    skopeo.pull_and_verify(m.host, new.ref, os.path.join(m.dir, "new"), new.image)
    skopeo.pull_and_verify(m.host, new.ref, os.path.join(m.dir, "new-again"), new.image)
    skopeo.pull_and_verify(m.host, warm.ref, os.path.join(m.dir, "warm-again"), warm.image)

    log = operator.log_text(m)
    assert "caching paused" in log
    warm_hits = [e for e in m.settled_access_log() if e["path"].startswith(f"/v2/{warm.repo}/blobs/")
                 and e["cache"] == "hit"]
    assert len(warm_hits) >= len(warm.image.blobs), "cached content was not served from the cache"
    big_gets = [e for e in m.settled_access_log() if e["path"] == f"/v2/{new.repo}/blobs/{big}"]
    assert big_gets and all(e["cache"] == "uncached" and e["status"] == "200" for e in big_gets), \
        big_gets

    status = operator.query(m, "status")
    assert status["storage"]["caching"] is False
    # Health: still ready (it serves its cache), the pause is reported and counted.
    ready = m.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = {c["name"]: c["detail"] for c in ready.json()["checks"]}
    assert checks["caching"].startswith("paused: "), checks
    assert "regcache_caching_paused 1" in m.get("/metrics").text
    assert "No space left on device" in status["storage"]["reason"]
    assert big not in operator.blob_files(m.root), "a blob was cached on a full disk?"
    assert operator.staging_files(m.root) == [], "a partial download was left behind"
    assert operator.query(m, "verify")["bad"] == []

    os.remove(filler)
    procs.wait_for(lambda: operator.query(m, "status")["storage"]["caching"], 30,
                   "caching to resume", interval=0.5)
    assert "caching resumed" in operator.log_text(m)
    skopeo.pull_and_verify(m.host, new.ref, os.path.join(m.dir, "new-cached"), new.image)
    assert set(new.image.blobs) <= operator.blob_files(m.root)
    assert not operator.query(m, "status")["storage"]["reason"]
    assert operator.query(m, "verify")["bad"] == []
