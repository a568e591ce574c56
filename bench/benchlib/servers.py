"""The four servers the bench compares, all on loopback with OS-chosen ports:

  regcache       regcache serve, pull-through to the upstream
  registry2      Debian's docker-registry (Distribution 2.8.2) in proxy mode
  nginx_static   nginx serving regcache's verified blob files from disk (the ceiling)
  nginx_cache    nginx as a caching proxy (proxy_cache + proxy_cache_lock) in front
                 of the upstream, the approach of nginx-based mirrors

Each has `url`, `host`, `pids()` (every process of the server, for CPU and
memory) and `start()`/`stop()`.
"""
import os

from lib import mirror, yamlfile
from lib.nginxproc import NginxProcess

from . import procstat

LABELS = {
    "regcache": "regcache",
    "registry2": "registry:2 proxy",
    "nginx_static": "nginx static",
    "nginx_cache": "nginx caching proxy",
}


class ProxyMirror(mirror.Mirror):
    """regcache or registry:2 in proxy mode, with the e2e `Mirror`'s config and log helpers."""

    def __init__(self, key, workdir, processes, remote_url, regcache_bin):
        super().__init__(key, workdir, processes, remote_url, tag_revalidate="1h")
        self.key = key
        self.label = LABELS[key]
        if key == "registry2":
            self.config.pop("regcache", None)
            # As in Debian's default config.yml: descriptors cached in memory.
            self.config["storage"]["cache"] = {"blobdescriptor": "inmemory"}
            self.argv = ["docker-registry", "serve", self.config_path]
        else:
            self.argv = [regcache_bin, "serve", "--config", self.config_path]
        yamlfile.write(self.config_path, self.config)

    def start(self, wait=True):
        self.daemon = self.processes.start(self.key, self.argv, self.log_path, env=self.env)
        if wait:
            self.daemon.wait_ready(self._answers, timeout=30)
        return self

    def pids(self):
        return [self.daemon.pid]


class Nginx(NginxProcess):
    """One nginx (master + `auto` workers) with a server block written by a subclass."""

    key = label = None

    def __init__(self, workdir, processes):
        super().__init__(workdir, processes, self.key, worker_connections=4096,
                         worker_processes="auto", error_log_level="warn")
        self.host = f"127.0.0.1:{self.port}"

    def _write_config(self, http_extra, server_body):
        self.write_config(f"""\
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
{http_extra}
  server {{
    listen 127.0.0.1:{self.port};
    location = /v2/ {{
      default_type application/json;
      add_header Docker-Distribution-API-Version registry/2.0;
      return 200 '{{}}';
    }}
{server_body}
  }}""")

    def pids(self):
        return procstat.tree(self.daemon.pid)


_DIGEST = "sha256:([0-9a-f]{2})([0-9a-f]{62})"
_MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


class NginxStatic(Nginx):
    """Serves `/v2/<name>/blobs|manifests/sha256:<hex>` from regcache's blob files,
    and manifests by tag from files under `tags_dir/<name>/<tag>`."""

    key = "nginx_static"
    label = LABELS[key]

    def __init__(self, workdir, processes, blobs_dir):
        super().__init__(workdir, processes)
        self.tags_dir = os.path.join(self.dir, "tags")
        os.makedirs(self.tags_dir, exist_ok=True)
        b = blobs_dir
        self._write_config("", f"""\
    location ~ "^/v2/.+/blobs/{_DIGEST}$" {{
      default_type application/octet-stream;
      alias {b}/$1/$1$2;
    }}
    location ~ "^/v2/.+/manifests/{_DIGEST}$" {{
      default_type {_MANIFEST_TYPE};
      alias {b}/$1/$1$2;
    }}
    location ~ "^/v2/(.+)/manifests/([A-Za-z0-9_][A-Za-z0-9._-]{{0,127}})$" {{
      default_type {_MANIFEST_TYPE};
      alias {self.tags_dir}/$1/$2;
    }}""")

    def add_tag(self, repo, tag, manifest_bytes):
        path = os.path.join(self.tags_dir, repo, tag)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(manifest_bytes)


class NginxCache(Nginx):
    """A URL-keyed caching proxy in front of the upstream. Concurrent misses wait
    on proxy_cache_lock (long timeouts, as nginx-based mirrors set them)."""

    key = "nginx_cache"
    label = LABELS[key]

    def __init__(self, workdir, processes, upstream_port):
        super().__init__(workdir, processes)
        d = self.dir
        self._write_config(f"""\
  upstream registry {{
    server 127.0.0.1:{upstream_port};
    keepalive 32;
  }}
  proxy_cache_path {d}/cache levels=1:2 keys_zone=blobs:16m max_size=64g inactive=7d
                   use_temp_path=off;""", """\
    location /v2/ {
      proxy_pass http://registry;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_cache blobs;
      proxy_cache_valid 200 206 1h;
      proxy_ignore_headers Cache-Control Expires;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 600s;
      proxy_cache_lock_age 600s;
      proxy_read_timeout 600s;
      add_header X-Cache-Status $upstream_cache_status;
    }""")
