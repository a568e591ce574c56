"""Lifecycle of a bucket shared by several nodes through Redis: with max_size and proxy.ttl
on every node, exactly one node (the collector) removes content, judged on the whole bucket
and on the last access by any node; clients streaming a removed blob still get all of it."""
import hashlib
import itertools
import re
import socket
import subprocess
import urllib.parse

import pytest
import requests

from lib import procs, s3lab
from test_scale_out import blob_transfers, redis  # noqa: F401 (fixture)

MiB = 1024 * 1024
COLLECTS = "collector: this node now collects"
_prefixes = itertools.count(1)


@pytest.fixture
def shared_nodes(start_mirror, s3, redis):  # noqa: F811
    """shared_nodes(names, **lifecycle) -> nodes on one fresh prefix and Redis (not started)."""
    def make(names, max_size=None, ttl=None):
        prefix = f"scale-life-{next(_prefixes)}"
        config = {"storage": s3lab.storage_config(s3, prefix),
                  "redis": {"addr": redis.addr},
                  # The bucket's lifecycle is under test: without local copies a node
                  # whose blob was collected must fetch it again (with them, the default,
                  # it serves its own copy: docs/scale-out.md).
                  "regcache": {"fetch_lease": "10s", "s3_local_cache": {"max_size": "0"}}}
        if max_size:
            config["regcache"]["max_size"] = max_size
        if ttl:
            config["proxy"] = {"ttl": ttl}
        return prefix, [start_mirror(name, extra_config=config, start=False) for name in names]
    return make


def bucket_blobs(s3, prefix, area="blobs"):
    """{hex: size} of the objects under <prefix>/regcache/v1/<area>/sha256/."""
    query = "list-type=2&prefix=" + urllib.parse.quote(f"{prefix}/regcache/v1/{area}/", safe="")
    out = subprocess.run(
        ["curl", "-sf", "--aws-sigv4", f"aws:amz:{s3['S3_REGION']}:s3", "--user",
         f"{s3['S3_ACCESS_KEY']}:{s3['S3_SECRET_KEY']}", "-H",
         "x-amz-content-sha256: UNSIGNED-PAYLOAD",
         f"{s3['S3_ENDPOINT']}/{s3['S3_BUCKET']}?{query}"],
        check=True, capture_output=True, text=True, timeout=30).stdout
    return {key.rsplit("/", 1)[1]: int(size) for key, size in
            re.findall(r"<Key>([^<]*)</Key>.*?<Size>(\d+)</Size>", out)}


def start_with_collector(collector, *others):
    """Starts `collector` alone until it holds the collector lock, then the others."""
    collector.start()
    procs.wait_for(lambda: COLLECTS in collector.log_text(), 20,
                   f"{collector.name} to become the collector")
    for node in others:
        node.start()


def get_verified(node, repo, digest, size):
    r = node.get(f"/v2/{repo}/blobs/{digest}")
    assert r.status_code == 200, (node.name, r.status_code, r.text[:200])
    assert ("sha256:" + hashlib.sha256(r.content).hexdigest(), len(r.content)) == (digest, size)


def wait_in_bucket(s3, prefix, *digests):
    """The client has the last byte before the upload ends: wait for the upload."""
    procs.wait_for(lambda: all(d.split(":")[1] in bucket_blobs(s3, prefix) for d in digests),
                   30, f"{digests} to be uploaded to the bucket")


def metric(node, name):
    text = requests.get(node.url + "/metrics", timeout=10).text
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class SlowClient:
    """A GET whose reader takes its time: a small receive window, and reads on demand."""

    def __init__(self, node, path):
        host, port = node.host.rsplit(":", 1)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        self.sock.settimeout(60)
        self.sock.connect((host, int(port)))
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {node.host}\r\n"
                          "Connection: close\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed before the response head"
            head += chunk
        head, self.pending = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        self.length = int(headers["content-length"])
        self.hash = hashlib.sha256()
        self.received = 0

    def read(self, limit):
        while self.received < min(limit, self.length):
            data = self.pending or self.sock.recv(64 * 1024)
            self.pending = b""
            if not data:
                break
            self.hash.update(data)
            self.received += len(data)
        return self.received

    def finish(self):
        self.read(self.length)
        self.sock.close()
        return "sha256:" + self.hash.hexdigest(), self.received


def test_one_collector_keeps_the_bucket_in_budget_without_breaking_streams(
        shared_nodes, s3, upstream, fresh_image):
    big = fresh_image("scale-life/big", "1", layer_sizes=(16 * MiB,))
    newer = fresh_image("scale-life/newer", "1", layer_sizes=(12 * MiB,))
    x, y = big.image.layers[0], newer.image.layers[0]
    x_size, y_size = big.image.blobs[x], newer.image.blobs[y]
    # The same budget on every node: 20 MiB (eviction above 95 %, down to 85 %).
    prefix, nodes = shared_nodes(["life-a", "life-b", "life-c"], max_size="20MiB")
    for node in nodes:
        node.start()
    a, b, c = nodes

    get_verified(a, big.repo, x, x_size)
    wait_in_bucket(s3, prefix, x)
    # A client of node B (which serves X from the bucket) reads the first MiB of X, then stalls.
    slow = SlowClient(b, f"/v2/{big.repo}/blobs/{x}")
    assert slow.status == 200 and slow.length == x_size
    slow.read(MiB)
    # Y through node C: 28 MiB in the bucket, over budget; X is the least recently used.
    get_verified(c, newer.repo, y, y_size)
    wait_in_bucket(s3, prefix, y)
    procs.wait_for(lambda: x.split(":")[1] not in bucket_blobs(s3, prefix), 40,
                   "the collector to evict X from the bucket")
    blobs = bucket_blobs(s3, prefix)
    assert sum(blobs.values()) <= 20 * MiB * 0.95, blobs
    assert y.split(":")[1] in blobs, "the recently used blob was evicted"

    # The stalled client still gets every byte of X, from the removal's grace copy.
    assert x.split(":")[1] in bucket_blobs(s3, prefix, "removed")
    assert slow.finish() == (x, x_size)

    # Exactly one node collected, and says so in its log and /metrics.
    collectors = [n for n in nodes if COLLECTS in n.log_text()]
    assert len(collectors) == 1, [n.name for n in collectors]
    assert [metric(n, "regcache_lifecycle_collector") for n in nodes].count(1.0) == 1
    assert metric(collectors[0], "regcache_lifecycle_collector") == 1.0
    evicting = [n for n in nodes if (metric(n, "regcache_cache_evictions_total") or 0) > 0]
    assert evicting == collectors

    # Node A's index still lists X: it finds it gone, drops the row and fetches it again.
    mark = upstream.mark()
    get_verified(a, big.repo, x, x_size)
    assert len(blob_transfers(upstream.requests_since(mark), f"/v2/{big.repo}/blobs/{x}")) == 1


def test_ttl_counts_the_last_access_through_any_node(shared_nodes, s3, fresh_image):
    idle = fresh_image("scale-life/idle", "1", layer_sizes=(MiB,))
    used = fresh_image("scale-life/used", "1", layer_sizes=(MiB,))
    x, y = idle.image.layers[0], used.image.layers[0]
    prefix, (a, b) = shared_nodes(["ttl-a", "ttl-b"], ttl="24s")
    # Node A becomes the collector before B starts, so only the shared record can tell A
    # that B keeps using Y.
    start_with_collector(a, b)
    get_verified(a, idle.repo, x, idle.image.blobs[x])
    get_verified(a, used.repo, y, used.image.blobs[y])
    wait_in_bucket(s3, prefix, x, y)

    def use_y_and_check_x():
        get_verified(b, used.repo, y, used.image.blobs[y])
        return x.split(":")[1] not in bucket_blobs(s3, prefix)
    # Both were fetched at the same time; X expires after 24 s, Y is used through B.
    procs.wait_for(use_y_and_check_x, 60, "X to expire", interval=2)
    assert y.split(":")[1] in bucket_blobs(s3, prefix), "Y expired although node B used it"
    assert COLLECTS not in b.log_text()
    assert "removed 1 unused for their ttl" in a.log_text()


def test_another_node_collects_when_the_collector_is_killed(shared_nodes, s3, fresh_image):
    big = fresh_image("scale-life/failover-big", "1", layer_sizes=(16 * MiB,))
    newer = fresh_image("scale-life/failover-newer", "1", layer_sizes=(12 * MiB,))
    x, y = big.image.layers[0], newer.image.layers[0]
    prefix, (a, b) = shared_nodes(["failover-a", "failover-b"], max_size="20MiB")
    start_with_collector(a, b)
    get_verified(b, big.repo, x, big.image.blobs[x])
    wait_in_bucket(s3, prefix, x)

    # Killed: node A never gives the collector lock back; it lapses after its lease (30 s).
    a.daemon.proc.kill()
    a.daemon.proc.wait(10)
    get_verified(b, newer.repo, y, newer.image.blobs[y])
    wait_in_bucket(s3, prefix, y)
    procs.wait_for(lambda: x.split(":")[1] not in bucket_blobs(s3, prefix), 60,
                   "node B to take over collecting and evict X", interval=2)
    assert COLLECTS in b.log_text()
    blobs = bucket_blobs(s3, prefix)
    assert sum(blobs.values()) <= 20 * MiB * 0.95 and y.split(":")[1] in blobs, blobs
