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


def fill(path):
    """Writes a file until the filesystem is full; returns its path."""
    filler = os.path.join(path, "filler")
    with open(filler, "wb") as f:
        for size in (MiB, 64 * 1024, 4096, 512, 1):
            block = b"\0" * size
            for _ in range(100_000):  # bounded: 40 MiB at most
                try:
                    f.write(block)
                    f.flush()
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    f.seek(0, os.SEEK_END)
                    f.truncate(f.tell())
                    break
    return filler


def test_full_disk_keeps_serving_and_resumes_caching(start_mirror, fresh_image, small_filesystem):
    root = os.path.join(small_filesystem, "data")
    # min_free_space 0: the cached image must stay (no eviction), to show it is served.
    m = start_mirror("diskfull", root=root, extra_config={"regcache": {"min_free_space": "0"}})
    warm = fresh_image("library/full-warm", layer_sizes=(MiB // 2,))
    skopeo.pull_and_verify(m.host, warm.ref, os.path.join(m.dir, "warm"), warm.image)

    filler = fill(small_filesystem)
    assert os.statvfs(small_filesystem).f_bavail * os.statvfs(small_filesystem).f_frsize < MiB

    new = fresh_image("library/full-new", layer_sizes=(2 * MiB, MiB // 2))
    skopeo.pull_and_verify(m.host, new.ref, os.path.join(m.dir, "new"), new.image)
    skopeo.pull_and_verify(m.host, new.ref, os.path.join(m.dir, "new-again"), new.image)
    skopeo.pull_and_verify(m.host, warm.ref, os.path.join(m.dir, "warm-again"), warm.image)

    log = m.log_text()
    assert "caching paused" in log
    warm_hits = [e for e in m.access_log() if e["path"].startswith(f"/v2/{warm.repo}/blobs/")
                 and e["cache"] == "hit"]
    assert len(warm_hits) >= len(warm.image.blobs), "cached content was not served from the cache"
    uncached = [e for e in m.access_log() if e["path"].startswith(f"/v2/{new.repo}/blobs/")
                and e["cache"] == "uncached" and e["status"] == "200"]
    assert uncached, "new content should have been streamed without caching"

    status = operator.query(m, "status")
    assert status["storage"]["caching"] is False
    assert "No space left on device" in status["storage"]["reason"]
    files = operator.blob_files(m.root)
    assert not set(new.image.blobs) & files, "content was cached on a full disk?"
    assert operator.staging_files(m.root) == [], "a partial download was left behind"
    assert operator.query(m, "verify")["bad"] == []

    os.remove(filler)
    procs.wait_for(lambda: operator.query(m, "status")["storage"]["caching"], 30,
                   "caching to resume", interval=0.5)
    assert "caching resumed" in m.log_text()
    skopeo.pull_and_verify(m.host, new.ref, os.path.join(m.dir, "new-cached"), new.image)
    assert set(new.image.blobs) <= operator.blob_files(m.root)
    assert operator.query(m, "verify")["bad"] == []
