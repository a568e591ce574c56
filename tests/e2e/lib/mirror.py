"""The mirror under test: regcache (default) or, with E2E_MIRROR=registry2,
Debian's docker-registry in proxy mode as a stand-in while regcache is young.

`Mirror` writes a registry:2-format config.yml (plus the `regcache:` section),
starts the binary on a random loopback port with a tmp storage root, waits
until `GET /v2/` answers, and can stop, restart and parse regcache's access log
(`access method=GET path=... status=200 bytes=.. duration_ms=.. cache=hit client=..`).
"""
import copy
import os
import re
import uuid

import requests

from . import procs, yamlfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
KIND = os.environ.get("E2E_MIRROR", "regcache")
_ACCESS_FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def regcache_binary():
    return os.environ.get("REGCACHE_BIN", os.path.join(REPO_ROOT, "build", "regcache"))


def is_regcache():
    return KIND == "regcache"


def command(config_path):
    if is_regcache():
        return [regcache_binary(), "serve", "--config", config_path]
    return ["docker-registry", "serve", config_path]


def merge(base, extra):
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def parse_access_line(line):
    """The fields of one regcache access-log line as a dict, or None."""
    idx = line.find("access ")
    if idx < 0 or "method=" not in line:
        return None
    fields = {k: v.strip('"') for k, v in _ACCESS_FIELD.findall(line[idx + len("access "):])}
    return fields if "path" in fields and "status" in fields else None


class Mirror:
    def __init__(self, name, workdir, processes, remote_url, username=None, password=None,
                 tag_revalidate="0s", extra_config=None, env=None, root=None, listen_host=None,
                 tls_ca=None):
        """`listen_host`: e.g. "::1" (default 127.0.0.1). `tls_ca`: when the mirror
        serves TLS (http.tls in extra_config), the CA file clients verify it with."""
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.processes = processes
        self.root = root or os.path.join(self.dir, "data")
        self.port = procs.free_port()
        host = listen_host or "127.0.0.1"
        self.host = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        self.verify = tls_ca if tls_ca else True
        self.url = f"{'https' if tls_ca else 'http'}://{self.host}"
        self.log_path = os.path.join(self.dir, "mirror.log")
        proxy = {"remoteurl": remote_url}
        if username is not None:
            proxy["username"] = username
        if password is not None:
            proxy["password"] = password
        config = {
            "version": 0.1,
            "log": {"level": "info"},
            "storage": {"filesystem": {"rootdirectory": self.root}},
            "http": {"addr": self.host},
            "proxy": proxy,
            "regcache": {"tag_revalidate": tag_revalidate},
        }
        self.config = merge(config, extra_config)
        if not is_regcache():
            self.config.pop("regcache", None)
        self.config_path = yamlfile.write(os.path.join(self.dir, "config.yml"), self.config)
        self.env = dict(os.environ)
        for key in ("REGISTRY_PROXY_USERNAME", "REGISTRY_PROXY_PASSWORD", "REGCACHE_BIN"):
            self.env.pop(key, None)
        self.env.update(env or {})
        self.daemon = None

    def start(self, wait=True):
        self.daemon = self.processes.start(f"mirror-{self.name}", command(self.config_path),
                                           self.log_path, env=self.env)
        if wait:
            self.daemon.wait_ready(self._answers, timeout=20)
        return self

    def stop(self):
        return self.daemon.stop() if self.daemon else None

    def restart(self):
        code = self.stop()
        self.start()
        return code

    def running(self):
        return self.daemon is not None and self.daemon.running()

    def _answers(self):
        try:
            requests.get(self.url + "/v2/", timeout=2, verify=self.verify)
            return True
        except requests.RequestException:
            return False

    def get(self, path, **kw):
        kw.setdefault("timeout", 60)
        kw.setdefault("verify", self.verify)
        return requests.get(self.url + path, **kw)

    def head(self, path, **kw):
        kw.setdefault("timeout", 60)
        kw.setdefault("verify", self.verify)
        return requests.head(self.url + path, **kw)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def access_log(self):
        """regcache's access-log entries so far, as dicts of their key=value fields."""
        out = []
        with open(self.log_path, "rb") as f:
            for raw in f:
                entry = parse_access_line(raw.decode("utf-8", "replace"))
                if entry:
                    out.append(entry)
        return out

    def settled_access_log(self):
        """The access log once every request answered so far has its line: lines
        are written after the answer (by regcache's log thread), so a sentinel
        request's line marks the point."""
        sentinel = f"/v2/?sentinel={uuid.uuid4().hex}"
        self.get(sentinel)  # any status: refused requests are logged too
        self.wait_access_entries("GET", sentinel, 1)
        return self.access_log()

    def access_entries(self, method, path):
        return [e for e in self.access_log() if e.get("method") == method and e["path"] == path]

    def wait_access_entries(self, method, path, n, timeout=10):
        """Polls the log until `n` entries for method+path are there; returns them."""
        def enough():
            entries = self.access_entries(method, path)
            return entries if len(entries) >= n else None
        try:
            return procs.wait_for(enough, timeout, f"{n} access-log lines for {method} {path}")
        except TimeoutError as e:
            raise AssertionError(f"{e}\n--- {self.log_path} ---\n{procs.tail(self.log_path)}")
