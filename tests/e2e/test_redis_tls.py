"""TLS to Redis (redis.tls): nodes on one bucket coordinate through a Redis that speaks TLS
only; a node that does not trust the Redis certificate says why in its log and keeps serving
pulls on its own; Redis' default tls-auth-clients yes wants a client certificate
(redis.tls.certificate and redis.tls.key)."""
import itertools
import os
import subprocess

import pytest

from lib import mirror as mirror_mod, pki as pki_mod, procs, s3lab
from test_scale_out import one_upstream_fetch

MiB = 1024 * 1024
CLIENTS = 30
_prefixes = itertools.count(1)


@pytest.fixture(scope="module")
def pki(session_dir):
    return pki_mod.Pki(os.path.join(session_dir, "pki-redis"))


@pytest.fixture(scope="module")
def redis_tls(session_dir, processes, s3, pki):
    """TLS only, client certificates optional."""
    server = s3lab.RedisTls(os.path.join(session_dir, "redis-tls"), processes, pki).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_tls_cluster(session_dir, processes, s3, pki):
    """Three masters in cluster mode, TLS only (the cluster bus too)."""
    server = s3lab.RedisTlsCluster(os.path.join(session_dir, "redis-tls-cluster"), processes,
                                   pki).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_mtls(session_dir, processes, s3, pki):
    """TLS only, with Redis' default: every client must present a certificate of the CA."""
    server = s3lab.RedisTls(os.path.join(session_dir, "redis-mtls"), processes, pki,
                            auth_clients="yes").start()
    yield server
    server.stop()


@pytest.fixture
def tls_nodes(start_mirror, s3):
    """tls_nodes(name, n, server, tls) -> n started nodes on one fresh prefix, redis.tls = tls
    (`name`: each test its own, so that no node's log is another's)."""
    def start(name, n, server, tls):
        config = node_config(s3, server, tls)
        return [start_mirror(f"{name}{chr(ord('a') + i)}", extra_config=config) for i in range(n)]
    return start


def node_config(s3, server, tls):
    where = {"addrs": server.addrs} if hasattr(server, "addrs") else {"addr": server.addr}
    return {"storage": s3lab.storage_config(s3, f"redis-tls-{next(_prefixes)}"),
            "redis": {**where, "dialtimeout": "1s", "readtimeout": "1s", "tls": tls},
            "regcache": {"fetch_lease": "30s"}}


def connected(node, server):
    return f"redis {server.addr}: connected (TLSv1.3)" in node.log_text()


@pytest.mark.parametrize("redis_kind", ["single", "cluster"])
def test_three_nodes_coordinate_through_redis_over_tls(request, tls_nodes, pki, upstream,
                                                       fresh_image, redis_kind):
    server = request.getfixturevalue("redis_tls" if redis_kind == "single"
                                     else "redis_tls_cluster")
    pushed = fresh_image(f"redis-tls/one-{redis_kind}", "1", layer_sizes=(24 * MiB,))
    # This Redis has no plain port: one upstream GET means they coordinated over TLS.
    nodes = tls_nodes(f"coordinated-{redis_kind}", 3, server,
                      {"enabled": True, "ca": pki.ca_cert})
    one_upstream_fetch(nodes, upstream, pushed, clients=CLIENTS)
    addrs = server.addrs if redis_kind == "cluster" else [server.addr]
    for node in nodes:
        log = node.log_text()
        # A cluster: the nodes it routes to, each over TLS (at least the seed's slot map).
        assert any(f"redis {a}: connected (TLSv1.3)" in log for a in addrs), log[-2000:]
        assert "nodes fetch without coordination" not in log, log[-2000:]


def test_node_that_does_not_trust_the_redis_certificate_says_so_and_serves_alone(
        tls_nodes, redis_tls, upstream, fresh_image):
    pushed = fresh_image("redis-tls/untrusted", "1", layer_sizes=(2 * MiB,))
    digest = pushed.image.layers[0]
    [node] = tls_nodes("untrusting", 1, redis_tls, {"enabled": True})  # the system CAs only

    r = node.get(f"/v2/{pushed.repo}/blobs/{digest}")
    assert r.status_code == 200 and len(r.content) == pushed.image.blobs[digest]
    procs.wait_for(lambda: "certificate is not trusted" in node.log_text(), 15,
                   "the node to report the untrusted Redis certificate")
    line = next(line for line in node.log_text().splitlines()
                if "certificate is not trusted" in line)
    # OpenSSL's reason: Redis sends its leaf alone, or with the test CA after it.
    assert ("unable to get local issuer certificate" in line
            or "self-signed certificate in certificate chain" in line), line
    assert "redis.tls.ca" in line and "nodes fetch without coordination" in line, line
    assert not connected(node, redis_tls)


def test_insecureskipverify_connects_without_the_ca_and_warns(tls_nodes, redis_tls, fresh_image):
    pushed = fresh_image("redis-tls/skip", "1", layer_sizes=(MiB,))
    digest = pushed.image.layers[0]
    [node] = tls_nodes("skipping", 1, redis_tls, {"enabled": True, "insecureskipverify": True})
    assert "redis.tls.insecureskipverify" in node.log_text()  # the start-up warning
    assert node.get(f"/v2/{pushed.repo}/blobs/{digest}").status_code == 200
    procs.wait_for(lambda: connected(node, redis_tls), 15, "the node to connect unverified")


def test_redis_that_requires_client_certificates(tls_nodes, redis_mtls, pki, fresh_image):
    pushed = fresh_image("redis-tls/mtls", "1", layer_sizes=(MiB,))
    digest = pushed.image.layers[0]
    cert, key = pki.issue("regcache-client", client=True)
    [with_cert] = tls_nodes("with-cert", 1, redis_mtls, {"enabled": True, "ca": pki.ca_cert,
                                            "certificate": cert, "key": key})
    [without] = tls_nodes("without-cert", 1, redis_mtls, {"enabled": True, "ca": pki.ca_cert})

    for node in (with_cert, without):
        r = node.get(f"/v2/{pushed.repo}/blobs/{digest}")
        assert r.status_code == 200 and len(r.content) == pushed.image.blobs[digest]
    procs.wait_for(lambda: connected(with_cert, redis_mtls), 15,
                   "the node with a client certificate to connect")
    # Without one, Redis refuses it; the log says what to configure.
    procs.wait_for(lambda: "redis.tls.certificate" in without.log_text(), 15,
                   "the node without a client certificate to say it needs one")
    assert not connected(without, redis_mtls)


def test_client_key_of_another_certificate_stops_start_up(start_mirror, s3, redis_tls, pki):
    cert, _ = pki.issue("regcache-client-a", client=True)
    _, other_key = pki.issue("regcache-client-b", client=True)
    m = start_mirror("wrong-key", start=False, extra_config=node_config(
        s3, redis_tls, {"enabled": True, "certificate": cert, "key": other_key}))
    p = subprocess.run(mirror_mod.command(m.config_path), env=m.env, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr[-1000:])
    assert "redis.tls.key" in p.stderr and "does not belong to" in p.stderr, p.stderr[-1000:]
    assert not procs.port_open(m.port)
