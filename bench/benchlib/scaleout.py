"""The scale-out bench: regcache nodes on one Ceph RGW bucket (tests/s3/start-ceph.sh,
memstore OSD) coordinated through one redis-server, as in tests/e2e/test_scale_out.py,
against one regcache node on the filesystem. Clients are spread over the nodes round-robin.

Two node configurations: the default (each node keeps local copies in front of the
bucket, regcache.s3_local_cache) and bucket only (`s3_local_cache.max_size: 0`: every
byte comes from RGW).
"""
import os

from lib import s3lab, yamlfile

from . import servers

MiB = 1024 * 1024


class Backing:
    """The Ceph cluster and Redis the nodes share."""

    def __init__(self, workdir, processes):
        self.dir = os.path.join(workdir, "scaleout")
        self.processes = processes
        self.s3 = None
        self.redis = None

    def start(self):
        self.s3 = s3lab.start_ceph(os.path.join(self.dir, "ceph"))
        self.redis = s3lab.Redis(os.path.join(self.dir, "redis"), self.processes).start()
        return self

    def stop(self):
        if self.redis:
            self.redis.stop()
        if self.s3:
            s3lab.stop_ceph(self.s3)


class S3Node(servers.ProxyMirror):
    """regcache on the shared bucket and Redis, its index and local copies in its own directory."""

    def __init__(self, name, workdir, processes, remote_url, regcache_bin, backing, prefix,
                 local_copies):
        super().__init__("regcache", os.path.join(workdir, "scaleout", name), processes,
                         remote_url, regcache_bin)
        self.key = name
        storage = s3lab.storage_config(backing.s3, prefix)["s3"]
        storage["chunksize"] = 16 * MiB
        self.config["storage"]["s3"] = storage
        self.config["redis"] = {"addr": backing.redis.addr}
        if not local_copies:
            self.config["regcache"]["s3_local_cache"] = {"max_size": "0"}
        yamlfile.write(self.config_path, self.config)
