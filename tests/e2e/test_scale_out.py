"""Several regcache nodes on one bucket (a real Ceph RGW) coordinated through one Redis:
an uncached blob is fetched from upstream once for all nodes, what one node cached is
served by the others without upstream, and losing Redis only loses the coordination."""
import hashlib
import itertools
import os
import subprocess
import threading

import pytest
import requests

from lib import procs, s3lab, skopeo, slowproxy, upstream as up

MiB = 1024 * 1024
CLIENTS = 30
_prefixes = itertools.count(1)


@pytest.fixture(scope="module")
def redis(session_dir, processes, s3):
    server = s3lab.Redis(os.path.join(session_dir, "redis"), processes).start()
    yield server
    server.stop()


@pytest.fixture
def cluster(start_mirror, s3, redis):
    """cluster(n, **kw) -> n started nodes sharing one fresh prefix of the bucket and Redis."""
    def start(n, remote_url=None, fetch_lease="30s", prefix=None, access=None):
        prefix = prefix or f"scale-{next(_prefixes)}"
        config = {"storage": s3lab.storage_config(s3, prefix),
                  "redis": {"addr": redis.addr, "dialtimeout": "200ms", "readtimeout": "500ms"},
                  "regcache": {"fetch_lease": fetch_lease}}
        for key, value in (access or {}).items():  # auth:, regcache.origin
            config[key] = {**config.get(key, {}), **value}
        return [start_mirror(f"node{chr(ord('a') + i)}", remote_url=remote_url,
                             extra_config=config) for i in range(n)]
    return start


def _fetch(url, barrier, results, i):
    h = hashlib.sha256()
    size = 0
    try:
        barrier.wait(timeout=30)
        with requests.get(url, stream=True, timeout=120) as r:
            status = r.status_code
            for chunk in r.iter_content(1 << 20):
                h.update(chunk)
                size += len(chunk)
        results[i] = (status, "sha256:" + h.hexdigest(), size)
    except Exception as e:  # reported by the test
        results[i] = (None, repr(e), size)


def concurrent_gets(urls):
    """GETs every URL at once (one thread each); the (status, digest, size) of each."""
    barrier = threading.Barrier(len(urls))
    results = [None] * len(urls)
    threads = [threading.Thread(target=_fetch, args=(url, barrier, results, i))
               for i, url in enumerate(urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert all(not t.is_alive() for t in threads), "a client hung"
    return results


def blob_transfers(reqs, path):
    # A 401 challenge before the token fetch carries no blob bytes.
    return [r for r in reqs if r.method == "GET" and r.path == path and 200 <= r.status < 300]


def test_thirty_clients_on_three_nodes_cause_one_upstream_fetch(cluster, upstream, fresh_image):
    pushed = fresh_image("scale/one", "1", layer_sizes=(24 * MiB,))
    digest = pushed.image.layers[0]
    size = pushed.image.blobs[digest]
    nodes = cluster(3)
    path = f"/v2/{pushed.repo}/blobs/{digest}"

    mark = upstream.mark()
    results = concurrent_gets([nodes[i % 3].url + path for i in range(CLIENTS)])
    bad = [(i, r) for i, r in enumerate(results) if r != (200, digest, size)]
    assert not bad, f"clients got the wrong answer: {bad}"
    gets = blob_transfers(upstream.requests_since(mark), path)
    assert len(gets) == 1, f"{len(gets)} upstream GETs of {path} for {CLIENTS} clients on 3 nodes"
    # Every node answered some of the clients.
    for node in nodes:
        assert [e for e in node.access_log() if e["path"] == path and e["status"] == "200"]


def test_image_cached_by_one_node_is_pulled_from_another_with_upstream_stopped(
        cluster, upstream, fresh_image, session_dir):
    single = fresh_image("scale/pull", "1", layer_sizes=(3 * MiB, 200 * 1024))
    multi = fresh_image("scale/multi", "1", multi=True, layer_sizes=(MiB, 100 * 1024))
    origin = upstream.replica("scale-origin")
    a, b = cluster(2, remote_url=origin.url)
    out = os.path.join(session_dir, "scale-pull")
    for pushed in (single, multi):
        skopeo.pull_and_verify(a.host, pushed.ref, f"{out}-{pushed.repo}-a", pushed.image)

    origin.stop()
    for pushed in (single, multi):
        skopeo.pull_and_verify(b.host, pushed.ref, f"{out}-{pushed.repo}-b", pushed.image)
        skopeo.pull_and_verify(b.host, pushed.digest_ref, f"{out}-{pushed.repo}-bd", pushed.image)
    # B had never seen these repositories: everything came from the bucket.
    errors = [e for e in b.access_log()
              if e["path"].startswith("/v2/") and e["status"] not in ("200", "206")]
    assert not errors, f"node B answered errors while upstream was stopped: {errors}"


def test_pulls_keep_working_when_redis_stops(cluster, upstream, redis, fresh_image, session_dir):
    before = fresh_image("scale/redis-before", "1", layer_sizes=(2 * MiB,))
    during = fresh_image("scale/redis-during", "1", layer_sizes=(4 * MiB, 300 * 1024))
    # A short lease: idle nodes look at Redis every second (a third of it).
    nodes = cluster(3, fetch_lease="3s")
    out = os.path.join(session_dir, "scale-redis")
    skopeo.pull_and_verify(nodes[0].host, before.ref, f"{out}-before-a", before.image)

    redis.stop()
    try:
        # Each node falls back to its own single flight: every pull works.
        errors = []

        def pull(node, name):
            try:
                skopeo.pull_and_verify(node.host, during.ref, f"{out}-{name}", during.image)
            except Exception as e:  # reported below
                errors.append(f"{name}: {e}")
        threads = [threading.Thread(target=pull, args=(n, f"during-{i}"))
                   for i, n in enumerate(nodes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert not errors and all(not t.is_alive() for t in threads), errors
        # The bucket still serves what was cached before, without upstream.
        mark = upstream.mark()
        for i in (1, 2):
            skopeo.pull_and_verify(nodes[i].host, before.ref, f"{out}-before-{i}", before.image)
        assert up.blob_gets(upstream.requests_since(mark)) == []
        procs.wait_for(lambda: all("nodes fetch without coordination" in n.log_text()
                                   for n in nodes), 15, "every node to notice Redis is gone")
    finally:
        redis.start()

    # Redis back: coordination resumes (one upstream fetch for all nodes again).
    procs.wait_for(lambda: all("reachable again" in n.log_text() for n in nodes), 15,
                   "every node to reconnect to Redis")
    after = fresh_image("scale/redis-after", "1", layer_sizes=(16 * MiB,))
    digest = after.image.layers[0]
    path = f"/v2/{after.repo}/blobs/{digest}"
    mark = upstream.mark()
    results = concurrent_gets([nodes[i % 3].url + path for i in range(9)])
    assert all(r == (200, digest, after.image.blobs[digest]) for r in results), results
    assert len(blob_transfers(upstream.requests_since(mark), path)) == 1


SECRET_HEADER = "X-Cdn-Secret"
USER, PASSWORD = "alice", "wonderland-42"


def protected_access(directory):
    """htpasswd plus a CDN secret header on every node, and what a client sends to pass them."""
    passwd = os.path.join(directory, "htpasswd")
    line = subprocess.run(["htpasswd", "-nbB", USER, PASSWORD], capture_output=True, text=True,
                          timeout=30, check=True).stdout
    with open(passwd, "w") as f:
        f.write(line)
    config = {"auth": {"htpasswd": {"realm": "regcache e2e", "path": passwd}},
              "regcache": {"origin": {"secret_header": SECRET_HEADER, "secrets": ["s3cr3t"]}}}
    return config, {"auth": (USER, PASSWORD), "headers": {SECRET_HEADER: "s3cr3t"}}


@pytest.mark.parametrize("access", ["open", "htpasswd-and-cdn-secret"])
def test_other_nodes_stream_a_download_as_it_lands_and_finish_it_if_the_node_dies(
        cluster, upstream, redis, s3, fresh_image, session_dir, access):
    config, client = None, {}
    if access != "open":
        # Nodes follow each other past htpasswd and the origin secret (the lease proves them).
        config, client = protected_access(session_dir)
    prefix = f"scale-kill-{access}"
    pushed = fresh_image(f"scale/kill-{access}", "1", layer_sizes=(8 * MiB,))
    digest = pushed.image.layers[0]
    hex_digest = digest.split(":", 1)[1]
    size = pushed.image.blobs[digest]
    path = f"/v2/{pushed.repo}/blobs/{digest}"
    # 2 MiB/s: node A is still downloading while node B's client reads and when A is killed.
    slow = slowproxy.SlowProxy(upstream.port, 2 * MiB).start()
    try:
        a, b = cluster(2, remote_url=slow.url, fetch_lease="2s", prefix=prefix, access=config)
        mark = upstream.mark()

        def doomed():
            try:
                requests.get(a.url + path, timeout=60, **client)
            except requests.RequestException:
                pass  # node A dies under it
        first = threading.Thread(target=doomed)
        first.start()
        procs.wait_for(lambda: redis.cli("KEYS", f"regcache:*{{{hex_digest}}}:fetch"), 20,
                       "node A to claim the download in Redis")

        got_first = threading.Event()
        result = {}

        def follower():
            h, n = hashlib.sha256(), 0
            try:
                with requests.get(b.url + path, stream=True, timeout=60, **client) as r:
                    result["status"] = r.status_code
                    for chunk in r.iter_content(64 * 1024):
                        h.update(chunk)
                        n += len(chunk)
                        got_first.set()
            except requests.RequestException as e:
                result["error"] = repr(e)
            result["digest"], result["size"] = "sha256:" + h.hexdigest(), n
            got_first.set()
        waiter = threading.Thread(target=follower)
        waiter.start()
        assert got_first.wait(30), "node B's client got nothing"
        # Node B streams what node A is still downloading: nothing is in the bucket yet.
        assert not [k for k in s3lab.list_keys(s3, prefix + "/") if k.endswith(hex_digest)], \
            "the blob was already in the bucket: not streamed as it landed"
        a.daemon.proc.kill()
        a.daemon.proc.wait(10)
        waiter.join(120)
        first.join(60)
        assert not waiter.is_alive(), "the client of node B hung"
        # Its client never noticed: B took over after A's lease lapsed and finished the blob.
        assert result == {"status": 200, "digest": digest, "size": size}, result
        whole = [r for r in blob_transfers(upstream.requests_since(mark), path)
                 if r.bytes == size]
        assert whole, "no complete upstream transfer after node A died"
        # Its client had the last byte once verified; the upload follows.
        procs.wait_for(lambda: [k for k in s3lab.list_keys(s3, prefix + "/")
                                if k.endswith(hex_digest)], 30, "node B to store the blob")
    finally:
        slow.stop()
