"""kill -9 at any moment loses at most the download in flight: after a restart
no temporary file remains, every cached file verifies, and pulls work."""
import os
import signal
import threading

import pytest
import requests

from lib import mkimg, operator, procs, skopeo, slowproxy

MiB = mkimg.MiB


def kill9(m):
    os.kill(m.daemon.pid, signal.SIGKILL)
    m.daemon.proc.wait(10)


def check_consistent(m):
    """After a restart: no temporary file, files and index agree, all verify."""
    assert operator.staging_files(m.root) == [], "temporary files survived the restart"
    verify = operator.query(m, "verify")
    assert verify["bad"] == [], verify
    assert verify["checked"] == len(operator.blob_files(m.root)), \
        "files on disk and index entries differ"


@pytest.fixture
def slow_upstream(upstream):
    proxy = slowproxy.SlowProxy(upstream.port, bytes_per_second=8 * MiB).start()
    yield proxy
    proxy.stop()


def test_kill9_during_a_large_download(start_mirror, fresh_image, slow_upstream):
    pushed = fresh_image("library/crash-download", layer_sizes=(24 * MiB,))
    layer = pushed.image.layers[0]
    m = start_mirror("crash-download", remote_url=slow_upstream.url)
    staging = os.path.join(m.root, "regcache", "v1", "staging")

    def client():
        try:
            requests.get(m.url + f"/v2/{pushed.repo}/blobs/{layer}", timeout=60).close()
        except requests.RequestException:
            pass  # the server dies under it
    t = threading.Thread(target=client)
    t.start()

    def part_file_growing():
        sizes = [os.path.getsize(os.path.join(staging, f)) for f in os.listdir(staging)]
        return any(s > 2 * MiB for s in sizes)
    procs.wait_for(part_file_growing, 30, "the download to be half-way")
    kill9(m)
    t.join(60)

    m.start()
    check_consistent(m)
    assert layer not in operator.blob_files(m.root), "a partial blob became visible"
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "after"), pushed.image)
    assert layer in operator.blob_files(m.root)
    check_consistent(m)


def test_kill9_while_evicting(start_mirror, fresh_image):
    m = start_mirror("crash-evict", extra_config={"regcache": {"max_size": "3MiB"}})
    pushed = [fresh_image(f"library/crash-evict{i}", layer_sizes=(MiB // 2,) * 3)
              for i in range(4)]

    def pull(p, i):
        try:
            skopeo.pull(m.host, p.ref, os.path.join(m.dir, f"out-{i}"))
        except Exception:
            pass  # the server is killed under some of them
    threads = [threading.Thread(target=pull, args=(p, i)) for i, p in enumerate(pushed)]
    for t in threads:
        t.start()
    procs.wait_for(lambda: "eviction:" in operator.log_text(m), 60, "eviction to start", interval=0.01)
    kill9(m)
    for t in threads:
        t.join(120)

    m.start()
    check_consistent(m)
    for i, p in enumerate(pushed[:2]):
        skopeo.pull_and_verify(m.host, p.ref, os.path.join(m.dir, f"after-{i}"), p.image)
    check_consistent(m)
