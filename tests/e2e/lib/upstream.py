"""The upstream registry: Debian's docker-registry (CNCF Distribution 2.8.2)
with token auth like Docker Hub, storage in the session's tmp dir.

Its access log (Apache combined format, mixed with logrus lines in the same
file) is parsed so tests can count requests per method and path. Because the
log line is written after a response completes, `mark()` and `requests_since()`
first send a unique sentinel request and wait until it shows up in the log:
every request that completed before it is then in the log too.
"""
import dataclasses
import os
import re
import uuid

import requests

from . import procs, yamlfile

_ACCESS = re.compile(r'^(\S+) \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) ')


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    status: int
    bytes: int


class Upstream:
    def __init__(self, name, workdir, processes, token_server, storage=None, auth=True):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.storage = storage or os.path.join(self.dir, "data")
        self.processes = processes
        self.token_server = token_server
        self.port = procs.free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.log_path = os.path.join(self.dir, "registry.log")
        config = {
            "version": 0.1,
            "log": {"level": "info", "fields": {"service": name}},
            "storage": {"filesystem": {"rootdirectory": self.storage},
                        "delete": {"enabled": True}},
            "http": {"addr": self.host, "headers": {"X-Content-Type-Options": ["nosniff"]}},
        }
        if auth:  # token auth like Docker Hub; without it, anonymous pull and push
            config["auth"] = {"token": {"realm": token_server.realm, "service": "registry.lab",
                                        "issuer": "lab-issuer",
                                        "rootcertbundle": token_server.cert_path}}
        self.config_path = yamlfile.write(os.path.join(self.dir, "config.yml"), config)
        self.daemon = None

    def start(self):
        self.daemon = self.processes.start(
            f"upstream-{self.name}", ["docker-registry", "serve", self.config_path],
            self.log_path)
        self.daemon.wait_ready(self._answers, timeout=20)
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop()

    def running(self):
        return self.daemon is not None and self.daemon.running()

    def replica(self, name):
        """Another registry process on the same storage (to stop without touching this one)."""
        return Upstream(name, os.path.dirname(self.dir), self.processes, self.token_server,
                        storage=self.storage).start()

    def _answers(self):
        try:
            return requests.get(self.url + "/v2/", timeout=2).status_code in (200, 401)
        except requests.RequestException:
            return False

    # -- access log -------------------------------------------------------------

    def requests(self):
        out = []
        with open(self.log_path, "rb") as f:
            for raw in f:
                m = _ACCESS.match(raw.decode("utf-8", "replace"))
                if m:
                    out.append(Request(m.group(2), m.group(3).split("?", 1)[0],
                                       int(m.group(4)),
                                       0 if m.group(5) == "-" else int(m.group(5))))
        return out

    def _sync(self):
        """Sends a sentinel request and waits for its log line; returns its index."""
        path = f"/v2/sentinel/{uuid.uuid4().hex}/tags/list"
        requests.get(self.url + path, timeout=5)

        def find():
            for i, r in enumerate(self.requests()):
                if r.path == path:
                    return i + 1
            return None
        return procs.wait_for(find, 10, f"sentinel {path} in {self.log_path}")

    def mark(self):
        """A position in the access log; pass it to requests_since()."""
        return self._sync()

    def requests_since(self, mark):
        """Requests logged after `mark` (sentinels excluded), once all completed ones are logged."""
        end = self._sync()
        return [r for r in self.requests()[mark:end] if not r.path.startswith("/v2/sentinel/")]


def blob_gets(reqs, repo=None):
    return [r for r in reqs if r.method == "GET" and "/blobs/" in r.path
            and (repo is None or r.path.startswith(f"/v2/{repo}/blobs/"))]
