"""Several regcache nodes on one bucket (a real Ceph RGW) coordinated through one Redis (or
a three-node Redis Cluster): an uncached blob is fetched from upstream once for all nodes,
what one node cached is served by the others without upstream, losing Redis only loses the
coordination, upstream tokens and per-client rate budgets are shared by the nodes, and a stale
tag is revalidated with upstream once for all nodes; the collector's garbage collection removes
from the bucket what no tag or pin reaches, and only that."""
import hashlib
import itertools
import os
import random
import subprocess
import threading
import time

import pytest
import requests

from lib import mkimg, operator, pki, procs, s3lab, skopeo, slowproxy, upstream as up
from lib.concurrent import concurrent_gets

MiB = 1024 * 1024
CLIENTS = 30
_prefixes = itertools.count(1)


@pytest.fixture(scope="module")
def redis(session_dir, processes, s3):
    server = s3lab.Redis(os.path.join(session_dir, "redis"), processes).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_cluster(session_dir, processes, s3):
    server = s3lab.RedisCluster(os.path.join(session_dir, "redis-cluster"), processes).start()
    yield server
    server.stop()


@pytest.fixture
def cluster(start_mirror, s3, redis, request):
    """cluster(n, **kw) -> n started nodes sharing one fresh prefix of the bucket and Redis
    (redis="cluster": the three-node Redis Cluster, through redis.addrs)."""
    def start(n, remote_url=None, fetch_lease="30s", prefix=None, redis_kind="single",
              regcache=None, access=None, tls_ca=None):
        prefix = prefix or f"scale-{next(_prefixes)}"
        if redis_kind == "cluster":
            where = {"addrs": request.getfixturevalue("redis_cluster").addrs}
        else:
            where = {"addr": redis.addr}
        config = {"storage": s3lab.storage_config(s3, prefix),
                  "redis": {**where, "dialtimeout": "200ms", "readtimeout": "500ms"},
                  "regcache": {"fetch_lease": fetch_lease, **(regcache or {})}}
        for key, value in (access or {}).items():  # auth:, regcache.origin
            config[key] = {**config.get(key, {}), **value}
        return [start_mirror(f"node{chr(ord('a') + i)}", remote_url=remote_url,
                             extra_config=config, tls_ca=tls_ca) for i in range(n)]
    return start


def one_upstream_fetch(nodes, upstream, pushed, clients=CLIENTS):
    """`clients` concurrent GETs of `pushed`'s first layer spread over `nodes`: every client
    gets the right bytes and upstream sent them once. Returns the blob's path."""
    digest = pushed.image.layers[0]
    size = pushed.image.blobs[digest]
    path = f"/v2/{pushed.repo}/blobs/{digest}"
    mark = upstream.mark()
    results = concurrent_gets([nodes[i % len(nodes)].url + path for i in range(clients)])
    bad = [(i, r) for i, r in enumerate(results) if r != (200, digest, size)]
    assert not bad, f"clients got the wrong answer: {bad}"
    gets = blob_transfers(upstream.requests_since(mark), path)
    assert len(gets) == 1, f"{len(gets)} upstream GETs of {path} for {clients} clients"
    return path


def blob_transfers(reqs, path):
    # A 401 challenge before the token fetch carries no blob bytes.
    return [r for r in reqs if r.method == "GET" and r.path == path and 200 <= r.status < 300]


def test_nodes_follow_ask_redirects_while_a_slot_migrates(cluster, redis_cluster, upstream,
                                                          fresh_image):
    """Resharding a Redis Cluster moves slots key by key: the old master answers ASK for a
    key it does not hold, and the client must ask the new one (ASKING first)."""
    pushed = fresh_image("scale/ask", "1", layer_sizes=(8 * MiB,))
    digest = pushed.image.layers[0]
    nodes = cluster(3, redis_kind="cluster")
    # The fetch lease key hashes on {hex}: put that slot half-way to another master.
    slot, _, target = redis_cluster.begin_migration("{" + digest.split(":")[1] + "}")
    asked = redis_cluster.command_calls(target, "asking")
    try:
        one_upstream_fetch(nodes, upstream, pushed, clients=9)
        assert redis_cluster.command_calls(target, "asking") > asked, "no node was redirected"
        for node in nodes:
            assert "ASK" not in node.log_text(), node.name
    finally:
        redis_cluster.cancel_migration(slot)


@pytest.mark.parametrize("redis_kind", ["single", "cluster"])
def test_thirty_clients_on_three_nodes_cause_one_upstream_fetch(cluster, upstream, fresh_image,
                                                                redis_kind):
    pushed = fresh_image(f"scale/one-{redis_kind}", "1", layer_sizes=(24 * MiB,))
    nodes = cluster(3, redis_kind=redis_kind)
    path = one_upstream_fetch(nodes, upstream, pushed)
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


@pytest.mark.parametrize("access", ["open", "htpasswd-and-cdn-secret", "https"])
def test_other_nodes_stream_a_download_as_it_lands_and_finish_it_if_the_node_dies(
        cluster, upstream, redis, s3, fresh_image, session_dir, access):
    config, client, tls_ca = None, {}, None
    if access == "htpasswd-and-cdn-secret":
        # Nodes follow each other past htpasswd and the origin secret (the lease proves them).
        config, client = protected_access(session_dir)
    elif access == "https":
        # Nodes serve https and follow each other over it, trusting the CA of regcache.peer_ca.
        ca = pki.Pki(os.path.join(session_dir, "pki-scale-out"))
        cert, key = ca.issue("node")
        config = {"http": {"tls": {"certificate": cert, "key": key}},
                  "regcache": {"peer_ca": ca.ca_cert}}
        client, tls_ca = {"verify": ca.ca_cert}, ca.ca_cert
    prefix = f"scale-kill-{access}"
    pushed = fresh_image(f"scale/kill-{access}", "1", layer_sizes=(8 * MiB,))
    digest = pushed.image.layers[0]
    hex_digest = digest.split(":", 1)[1]
    size = pushed.image.blobs[digest]
    path = f"/v2/{pushed.repo}/blobs/{digest}"
    # 2 MiB/s: node A is still downloading while node B's client reads and when A is killed.
    slow = slowproxy.SlowProxy(upstream.port, 2 * MiB).start()
    try:
        a, b = cluster(2, remote_url=slow.url, fetch_lease="2s", prefix=prefix, access=config,
                       tls_ca=tls_ca)
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


def test_nodes_ask_the_token_server_once_per_scope(cluster, upstream, token_server, fresh_image,
                                                    session_dir):
    pushed = fresh_image("scale/token", "1", layer_sizes=(MiB, 100 * 1024))
    nodes = cluster(3, redis_kind="cluster")
    mark = upstream.mark()
    scope = f"repository:{pushed.repo}:pull"
    out = os.path.join(session_dir, "scale-token")
    errors = []

    def pull(node, name):
        try:
            skopeo.pull_and_verify(node.host, pushed.ref, f"{out}-{name}", pushed.image)
        except Exception as e:  # reported below
            errors.append(f"{name}: {e}")
    threads = [threading.Thread(target=pull, args=(n, f"n{i}")) for i, n in enumerate(nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors and all(not t.is_alive() for t in threads), errors
    # Each node went upstream for the tag (tag_revalidate 0s) with a bearer token...
    tag_path = f"/v2/{pushed.repo}/manifests/1"
    authorized = [r for r in upstream.requests_since(mark)
                  if r.path == tag_path and 200 <= r.status < 300]
    assert len(authorized) >= 3, authorized
    # ... and one of them asked the token server for it.
    asked = [r for r in token_server.requests() if scope in r["scopes"]]
    assert len(asked) == 1, f"{len(asked)} token requests for {scope} from 3 nodes: {asked}"


@pytest.mark.parametrize("redis_kind", ["single", "cluster"])
def test_a_client_spread_over_nodes_gets_the_rate_budget_once(cluster, redis, redis_kind,
                                                               request):
    burst = 10
    nodes = cluster(2, redis_kind=redis_kind,
                    regcache={"limits": {"requests_per_second": 1, "request_burst": burst}})
    started = time.monotonic()
    statuses = [requests.get(nodes[i % 2].url + "/v2/", timeout=10).status_code
                for i in range(3 * burst)]
    # The budget refills at 1/s: what was allowed is the burst plus what refilled meanwhile.
    refilled = int(time.monotonic() - started) + 1
    allowed = [s for s in statuses if s != 429]
    assert statuses.count(429) > 0, statuses
    assert len(allowed) <= burst + refilled, \
        f"{len(allowed)} of {len(statuses)} requests allowed on 2 nodes, budget {burst}: {statuses}"
    # Both nodes refused some: the budget is the client's, whichever node it uses.
    assert 429 in statuses[0::2] and 429 in statuses[1::2], statuses
    if redis_kind == "cluster":
        # Resharding moves the client's slot to another master: the nodes follow MOVED there.
        servers = request.getfixturevalue("redis_cluster")
        [key] = [k for k in servers.keys("regcache:*:rate:*")]
        port = servers.move_slot_of(key)
        before = servers.cli_at(port, "GET", key)
        status = requests.get(nodes[0].url + "/v2/", timeout=10).status_code
        # Refused (the shared budget is still spent), or allowed and counted there.
        assert status == 429 or servers.cli_at(port, "GET", key) != before, status
        return
    # Redis gone: each node limits on its own again (its own full bucket, still a limit).
    redis.stop()
    try:
        alone = [requests.get(nodes[0].url + "/v2/", timeout=10).status_code
                 for _ in range(2 * burst)]
    finally:
        redis.start()
    assert alone[0] != 429 and 429 in alone, alone


@pytest.mark.parametrize("redis_kind", ["single", "cluster"])
def test_a_stale_tag_is_revalidated_with_upstream_once_for_all_nodes(cluster, upstream,
                                                                      fresh_image, redis_kind):
    pushed = fresh_image(f"scale/stale-tag-{redis_kind}", "1", layer_sizes=(1024,))
    nodes = cluster(3, regcache={"tag_revalidate": "2s"}, redis_kind=redis_kind)
    path = f"/v2/{pushed.repo}/manifests/{pushed.tag}"
    accept = {"Accept": ", ".join((mkimg.OCI_MANIFEST, mkimg.OCI_INDEX, mkimg.V2S2_MANIFEST))}

    def get(url):
        r = requests.get(url, headers=accept, timeout=30)
        return r.status_code, "sha256:" + hashlib.sha256(r.content).hexdigest()
    for node in nodes:
        assert get(node.url + path) == (200, pushed.digest)
    # Every node now holds the tag, validated at most now: stale after tag_revalidate.
    stale_at = time.time() + 3
    procs.wait_for(lambda: time.time() >= stale_at, 10, "the tag to go stale")

    mark = upstream.mark()
    barrier = threading.Barrier(CLIENTS // 2)
    results = [None] * (CLIENTS // 2)

    def client(i):
        try:
            barrier.wait(timeout=30)
            results[i] = get(nodes[i % 3].url + path)
        except Exception as e:  # reported below
            results[i] = (None, repr(e))
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(not t.is_alive() for t in threads), "a client hung"
    bad = [(i, r) for i, r in enumerate(results) if r != (200, pushed.digest)]
    assert not bad, f"clients got the wrong answer: {bad}"
    asked = [r for r in upstream.requests_since(mark)
             if r.path == path and r.method in ("HEAD", "GET") and 200 <= r.status < 300]
    assert len(asked) == 1, (f"{len(asked)} upstream requests for the stale tag from "
                             f"{len(results)} clients on 3 nodes: {asked}")


def bucket_keys(s3, prefix, area):
    """Names (the last path component) of the keys under <prefix>/regcache/v1/<area>/."""
    return {key.rsplit("/", 1)[1] for key in s3lab.list_keys(s3, f"{prefix}/regcache/v1/{area}/")}


def hexes(*digests):
    return {d.split(":", 1)[1] for d in digests}


def moved_tag_and_pinned_images(fresh_image):
    """An image tagged v1, then another image under v1 sharing its first layer (same seed,
    same size: same bytes), and an image to pull by digest only."""
    seed = random.randrange(10**6, 10**9)  # no other test's layers
    repo = f"scale/gc-{seed}"
    old = fresh_image(repo, "v1", seed=seed, layer_sizes=(300 * 1024, 200 * 1024))
    new_image = lambda: fresh_image(repo, "v1", seed=seed, layer_sizes=(300 * 1024, 250 * 1024))
    pinned = fresh_image(f"scale/gc-pinned-{seed}", "1", layer_sizes=(200 * 1024,))
    return old, new_image, pinned


def test_the_collector_removes_from_the_bucket_what_no_tag_or_pin_reaches(
        cluster, upstream, s3, fresh_image, session_dir):
    old, push_new, pinned = moved_tag_and_pinned_images(fresh_image)
    origin = upstream.replica("scale-gc-origin")
    prefix = f"scale-gc-{next(_prefixes)}"
    # No local copies: what a node serves comes from the bucket.
    nodes = cluster(3, remote_url=origin.url, prefix=prefix,
                    regcache={"gc_grace": "1s", "gc_interval": "1s",
                              "s3_local_cache": {"max_size": "0"}})
    a, b, c = nodes
    out = os.path.join(session_dir, "scale-gc")
    skopeo.pull_and_verify(a.host, old.ref, f"{out}-old-a", old.image)
    new = push_new()  # the tag moves upstream
    shared = set(old.image.blobs) & set(new.image.blobs)
    assert len(shared) == 1, "the two images share exactly their first layer"
    skopeo.pull_and_verify(b.host, new.ref, f"{out}-new-b", new.image)  # the tag record moves
    skopeo.pull_and_verify(c.host, pinned.digest_ref, f"{out}-pinned-c", pinned.image)

    keep = hexes(new.digest, *new.image.blobs, pinned.digest, *pinned.image.blobs)
    gone = hexes(old.digest, *(set(old.image.blobs) - shared))
    assert len(gone) == 3  # the old manifest, config and unshared layer
    procs.wait_for(lambda: not gone & bucket_keys(s3, prefix, "blobs"), 60,
                   "the collector to remove the old image's own objects from the bucket")
    blobs = bucket_keys(s3, prefix, "blobs")
    assert keep <= blobs, f"reachable objects were removed: {keep - blobs}"
    assert hexes(old.digest) & bucket_keys(s3, prefix, "removed"), "no grace copy was kept"
    manifests = bucket_keys(s3, prefix, "meta/manifests")
    assert hexes(new.digest, pinned.digest) <= manifests and not hexes(old.digest) & manifests
    assert bucket_keys(s3, prefix, "meta/pins") == hexes(pinned.digest)
    collectors = [n for n in nodes if "gc: bucket: removed" in n.log_text()]
    assert len(collectors) == 1, [n.name for n in collectors]

    # Upstream gone: the moved tag and the pinned digest still pull, from the bucket.
    origin.stop()
    skopeo.pull_and_verify(c.host, new.ref, f"{out}-new-c", new.image)
    skopeo.pull_and_verify(c.host, pinned.digest_ref, f"{out}-pinned-c2", pinned.image)
    # Node A's index still lists the old manifest, which is gone from the bucket.
    accept = {"Accept": mkimg.OCI_MANIFEST}
    r = a.get(f"/v2/{old.repo}/manifests/{old.digest}", headers=accept)
    assert r.status_code != 200, "the removed manifest was still served"


def test_regcache_gc_on_the_collector_reports_and_collects_the_bucket(
        cluster, upstream, s3, fresh_image, session_dir):
    old, push_new, pinned = moved_tag_and_pinned_images(fresh_image)
    prefix = f"scale-gc-{next(_prefixes)}"
    # Garbage collection only on demand; 1 s without use makes garbage collectable.
    nodes = cluster(2, prefix=prefix, regcache={"gc_grace": "1s", "gc_interval": "0"})
    a, b = nodes
    out = os.path.join(session_dir, "scale-gc-cmd")
    skopeo.pull_and_verify(a.host, old.ref, f"{out}-old", old.image)
    new = push_new()
    skopeo.pull_and_verify(b.host, new.ref, f"{out}-new", new.image)
    skopeo.pull_and_verify(a.host, pinned.digest_ref, f"{out}-pinned", pinned.image)
    procs.wait_for(lambda: any("collector: this node now collects" in n.log_text()
                               for n in nodes), 20, "a node to become the collector")
    collector, other = (a, b) if "collector: this node now collects" in a.log_text() else (b, a)
    time.sleep(2)  # past gc_grace

    gone = hexes(old.digest, *(set(old.image.blobs) - set(new.image.blobs)))
    before = bucket_keys(s3, prefix, "blobs")
    assert gone <= before
    dry = operator.query(collector, "gc", "--dry-run")["bucket"]
    assert hexes(*(m["digest"] for m in dry["manifests"])) == hexes(old.digest)
    assert hexes(*(m["digest"] for m in dry["manifests"] + dry["blobs"])) == gone
    assert dry["roots"] == 2 and dry["complete"], dry  # the tag and the pin
    assert bucket_keys(s3, prefix, "blobs") == before, "a dry run removed something"
    assert "bucket" not in operator.query(other, "gc"), "a node that does not collect did"

    text = operator.run(collector, "gc").stdout
    assert "bucket: removed 1 manifest(s) and 2 blob(s)" in text, text
    assert bucket_keys(s3, prefix, "blobs") == before - gone

    # Stopped, a node does not collect from the shared bucket on its own index (the other
    # nodes' references are not in it): it says why and removes nothing.
    after = bucket_keys(s3, prefix, "blobs")
    other.stop()
    refused = operator.run(other, "gc", check=False)
    assert refused.returncode != 0
    assert "shared by the nodes" in refused.stdout + refused.stderr, refused
    assert bucket_keys(s3, prefix, "blobs") == after
    assert operator.query(other, "gc", "--dry-run") is not None


def test_regcache_remove_on_a_shared_bucket_keeps_what_other_nodes_images_share(
        cluster, upstream, s3, fresh_image, session_dir):
    """`regcache remove` on one node: its image's own objects leave the bucket (by the
    collector's GC), a layer another node's image shares stays although this node's index
    cannot know of that image."""
    seed = random.randrange(10**6, 10**9)
    gone_image = fresh_image(f"scale/rm-{seed}", "v1", seed=seed,
                             layer_sizes=(300 * 1024, 200 * 1024))
    other = fresh_image(f"scale/rm-other-{seed}", "v1", seed=seed,
                        layer_sizes=(300 * 1024, 250 * 1024))
    shared = set(gone_image.image.blobs) & set(other.image.blobs)
    assert len(shared) == 1, "the two images share exactly their first layer"
    origin = upstream.replica("scale-rm-origin")
    prefix = f"scale-rm-{next(_prefixes)}"
    a, b = cluster(2, remote_url=origin.url, prefix=prefix,
                   regcache={"gc_grace": "1s", "gc_interval": "1s",
                             "s3_local_cache": {"max_size": "0"}})
    out = os.path.join(session_dir, "scale-rm")
    skopeo.pull_and_verify(a.host, gone_image.ref, f"{out}-gone-a", gone_image.image)
    skopeo.pull_and_verify(b.host, other.ref, f"{out}-other-b", other.image)
    own = hexes(gone_image.digest, *(set(gone_image.image.blobs) - shared))
    procs.wait_for(lambda: own <= bucket_keys(s3, prefix, "blobs"), 30, "the uploads")

    text = operator.run(a, "remove", f"{gone_image.repo}:v1").stdout
    assert "shared bucket: dropped from this node's index" in text, text
    assert not any(gone_image.repo in key for key in
                   s3lab.list_keys(s3, f"{prefix}/regcache/v1/meta/tags/")), "tag record kept"
    procs.wait_for(lambda: not own & bucket_keys(s3, prefix, "blobs"), 60,
                   "the collector to remove the image's own objects from the bucket")
    assert hexes(*shared) <= bucket_keys(s3, prefix, "blobs"), "the shared layer was removed"

    # Upstream gone: the other image still pulls through node A, all from the bucket.
    origin.stop()
    skopeo.pull_and_verify(a.host, other.ref, f"{out}-other-a", other.image)
