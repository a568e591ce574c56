"""A real S3 (Ceph RADOS Gateway: mon + memstore OSD + radosgw, tests/s3/start-ceph.sh) and
a Redis server for the tests of content on S3 and of several nodes sharing it."""
import os
import re
import shutil
import subprocess
import urllib.parse

import pytest

from . import procs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MiB = 1024 * 1024


def start_ceph(base):
    """Starts the cluster in `base`; returns the S3_* values of its s3.env."""
    if shutil.which("radosgw") is None:
        pytest.skip("radosgw is not installed (scripts/install-deps.sh --test installs it)")
    env = dict(os.environ, CEPH_BASE=base)
    subprocess.run([os.path.join(ROOT, "tests/s3/start-ceph.sh")], env=env, check=True,
                   timeout=120)
    values = {"base": base}
    with open(os.path.join(base, "s3.env")) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            values[name] = value
    return values


def stop_ceph(values):
    env = dict(os.environ, CEPH_BASE=values["base"])
    subprocess.run([os.path.join(ROOT, "tests/s3/stop-ceph.sh")], env=env, timeout=60)


def storage_config(s3, rootdirectory):
    """The storage: section of a mirror keeping its content under `rootdirectory`."""
    return {"s3": {"regionendpoint": s3["S3_ENDPOINT"], "region": s3["S3_REGION"],
                   "bucket": s3["S3_BUCKET"], "accesskey": s3["S3_ACCESS_KEY"],
                   "secretkey": s3["S3_SECRET_KEY"], "rootdirectory": rootdirectory,
                   "forcepathstyle": True, "chunksize": 5 * MiB}}


def list_keys(s3, prefix):
    """Keys under `prefix` (curl's SigV4: sorted, fully encoded query; see S3LAB.md)."""
    query = "list-type=2&prefix=" + urllib.parse.quote(prefix, safe="")
    out = subprocess.run(
        ["curl", "-sf", "--aws-sigv4", f"aws:amz:{s3['S3_REGION']}:s3", "--user",
         f"{s3['S3_ACCESS_KEY']}:{s3['S3_SECRET_KEY']}", "-H",
         "x-amz-content-sha256: UNSIGNED-PAYLOAD",
         f"{s3['S3_ENDPOINT']}/{s3['S3_BUCKET']}?{query}"],
        check=True, capture_output=True, text=True, timeout=30).stdout
    return [part.split("</Key>")[0] for part in out.split("<Key>")[1:]]


class Redis:
    """redis-server on a loopback port from the OS, without persistence."""

    def __init__(self, directory, processes):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed (scripts/install-deps.sh --test installs it)")
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.processes = processes
        self.port = procs.free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.daemon = None

    def start(self):
        self.daemon = self.processes.start(
            "redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                      "--dir", self.dir, "--save", "", "--appendonly", "no"],
            os.path.join(self.dir, "redis.log"))
        self.daemon.wait_ready(lambda: self.cli("PING") == "PONG", timeout=20)
        return self

    def stop(self):
        return self.daemon.stop() if self.daemon else None

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else None


class RedisTls(Redis):
    """redis-server serving TLS only (--port 0) with a certificate from lib/pki: clients must
    trust the test CA; `auth_clients` is Redis' tls-auth-clients (yes, its default, asks every
    client for a certificate signed by the CA)."""

    def __init__(self, directory, processes, pki, auth_clients="optional"):
        super().__init__(directory, processes)
        self.pki = pki
        self.auth_clients = auth_clients
        self.cert, self.key = pki.issue(f"redis-{self.port}")
        # redis-cli's own client certificate, for a server that asks for one.
        self.client_cert, self.client_key = pki.issue(f"redis-cli-{self.port}", client=True)

    def start(self):
        self.daemon = self.processes.start(
            "redis-tls", ["redis-server", "--bind", "127.0.0.1", "--port", "0",
                          "--tls-port", str(self.port), "--tls-cert-file", self.cert,
                          "--tls-key-file", self.key, "--tls-ca-cert-file", self.pki.ca_cert,
                          "--tls-auth-clients", self.auth_clients,
                          "--dir", self.dir, "--save", "", "--appendonly", "no"],
            os.path.join(self.dir, "redis.log"))
        self.daemon.wait_ready(lambda: self.cli("PING") == "PONG", timeout=20)
        return self

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--tls",
                              "--cacert", self.pki.ca_cert, "--cert", self.client_cert,
                              "--key", self.client_key, *args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else None


class RedisCluster:
    """Three redis-server masters in cluster mode (no replicas) on loopback ports from the
    OS, joined with `redis-cli --cluster create`: every hash slot assigned, cluster_state:ok."""

    def __init__(self, directory, processes, size=3):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed (scripts/install-deps.sh --test installs it)")
        self.dir = directory
        self.processes = processes
        self.ports = [procs.free_port() for _ in range(size)]
        self.addrs = [f"127.0.0.1:{port}" for port in self.ports]
        self.daemons = []

    def start(self):
        for port in self.ports:
            node_dir = os.path.join(self.dir, str(port))
            os.makedirs(node_dir, exist_ok=True)
            daemon = self.processes.start(
                f"redis-{port}",
                ["redis-server", "--bind", "127.0.0.1", *self._listen_args(port),
                 "--cluster-enabled", "yes", "--cluster-port", str(procs.free_port()),
                 "--cluster-config-file", os.path.join(node_dir, "nodes.conf"),
                 "--dir", node_dir, "--save", "", "--appendonly", "no"],
                os.path.join(node_dir, "redis.log"))
            daemon.wait_ready(lambda p=port: self.cli_at(p, "PING") == "PONG", timeout=20)
            self.daemons.append(daemon)
        subprocess.run(["redis-cli", *self._cli_tls_args(), "--cluster", "create", *self.addrs,
                        "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        procs.wait_for(lambda: all("cluster_state:ok" in (self.cli_at(p, "CLUSTER", "INFO") or "")
                                   for p in self.ports), 30, "the Redis Cluster to be ready")
        return self

    def stop(self):
        for daemon in self.daemons:
            daemon.stop()

    def _listen_args(self, port):
        return ["--port", str(port)]

    def _cli_tls_args(self):
        return []

    def cli_at(self, port, *args):
        out = subprocess.run(["redis-cli", *self._cli_tls_args(), "-h", "127.0.0.1", "-p",
                              str(port), *args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else None

    def keys(self, pattern):
        """Keys matching `pattern` on every master."""
        found = []
        for port in self.ports:
            found += (self.cli_at(port, "--scan", "--pattern", pattern) or "").split()
        return found

    def owner_of_slot(self, slot):
        """The port of the master that owns hash slot `slot` (its CLUSTER NODES line)."""
        for port in self.ports:
            lines = (self.cli_at(port, "CLUSTER", "NODES") or "").splitlines()
            mine = next((l for l in lines if "myself" in l), "")
            for part in mine.split()[8:]:
                first, _, last = part.partition("-")
                if first.isdigit() and int(first) <= slot <= int(last or first):
                    return port
        raise AssertionError(f"no master owns slot {slot}")

    def command_calls(self, port, command):
        """How often the master on `port` ran `command` (INFO commandstats)."""
        stats = self.cli_at(port, "INFO", "commandstats") or ""
        m = re.search(rf"^cmdstat_{command.lower()}:calls=(\d+)", stats, re.M)
        return int(m.group(1)) if m else 0

    def begin_migration(self, key):
        """Starts moving the hash slot of `key` from its master to another one, as resharding
        does before it moves the keys (IMPORTING on the new master, MIGRATING on the old): the
        old master now answers ASK for the slot's keys it does not hold.
        Returns (slot, old port, new port)."""
        slot = self.cli_at(self.ports[0], "CLUSTER", "KEYSLOT", key)
        source = self.owner_of_slot(int(slot))
        target = next(p for p in self.ports if p != source)
        ids = {p: self.cli_at(p, "CLUSTER", "MYID") for p in (source, target)}
        assert self.cli_at(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source]) == "OK"
        assert self.cli_at(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target]) == "OK"
        return slot, source, target

    def cancel_migration(self, slot):
        for port in self.ports:
            self.cli_at(port, "CLUSTER", "SETSLOT", slot, "STABLE")

    def move_slot_of(self, key):
        """Migrates the hash slot of `key` (with its keys) from its master to another one, as
        resharding does; clients that still send there get MOVED. Returns the new port."""
        slot, source, target = self.begin_migration(key)
        assert self.cli_at(source, "MIGRATE", "127.0.0.1", str(target), "", "0", "5000",
                           "KEYS", key) == "OK"
        target_id = self.cli_at(target, "CLUSTER", "MYID")
        for port in self.ports:
            assert self.cli_at(port, "CLUSTER", "SETSLOT", slot, "NODE", target_id) == "OK"
        return target


class RedisTlsCluster(RedisCluster):
    """RedisCluster over TLS only (clients and the cluster bus), certificates from lib/pki,
    client certificates optional."""

    def __init__(self, directory, processes, pki, size=3):
        super().__init__(directory, processes, size)
        self.pki = pki
        self.cert, self.key = pki.issue("redis-cluster")
        # For redis-cli and for the nodes' own connections to each other.
        self.client_cert, self.client_key = pki.issue("redis-cluster-client", client=True)

    def _listen_args(self, port):
        return ["--port", "0", "--tls-port", str(port), "--tls-cluster", "yes",
                "--tls-cert-file", self.cert, "--tls-key-file", self.key,
                "--tls-client-cert-file", self.client_cert,
                "--tls-client-key-file", self.client_key,
                "--tls-ca-cert-file", self.pki.ca_cert, "--tls-auth-clients", "optional"]

    def _cli_tls_args(self):
        return ["--tls", "--cacert", self.pki.ca_cert, "--cert", self.client_cert,
                "--key", self.client_key]
