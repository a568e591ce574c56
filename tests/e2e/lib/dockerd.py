"""A Docker daemon (Debian's dockerd 20.10) with `registry-mirrors` pointing at the mirror.

It runs in the session's network namespace (see netns.py) and in a private
mount namespace with a tmp dir bind-mounted over /etc/docker and a tmpfs on
/run, so the host's /etc and /run are not touched (dockerd 20.10 writes
/etc/docker/key.json; its containerd puts shim sockets in /run/containerd). `iptables`
and the default bridge are off; storage is vfs under the tmp dir. The client is
/usr/bin/docker (the Debian CLI that matches the daemon) with DOCKER_CONFIG in tmp.
"""
import json
import os
import socket
import subprocess

from . import procs

# $0 = dir to mount over /etc/docker, $1 = daemon.json
_START = ('mount -t tmpfs -o mode=755 tmpfs /run || exit 96; '
          'if [ -d /etc/docker ]; then mount --bind "$0" /etc/docker || exit 97; fi; '
          'exec dockerd --config-file "$1"')


class Dockerd:
    def __init__(self, workdir, processes, mirror_host, storage_driver="vfs", name="docker",
                 daemon_json=None):
        """`daemon_json`: registry settings to use instead of the default
        registry-mirrors/insecure-registries for `mirror_host` (e.g. the file
        `regcache client-config` wrote); the daemon's own paths are added to it."""
        self.name = name
        self.dir = os.path.join(workdir, name)
        self.processes = processes
        for sub in ("root", "exec", "etc", "client"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.socket = os.path.join(self.dir, "docker.sock")
        self.log_path = os.path.join(self.dir, "dockerd.log")
        self.config_path = os.path.join(self.dir, "daemon.json")
        registry = daemon_json if daemon_json is not None else {
            "registry-mirrors": [f"http://{mirror_host}"],
            "insecure-registries": [mirror_host],
        }
        with open(self.config_path, "w") as f:
            json.dump({
                **registry,
                "storage-driver": storage_driver,
                "iptables": False, "ip6tables": False, "bridge": "none",
                "data-root": os.path.join(self.dir, "root"),
                "exec-root": os.path.join(self.dir, "exec"),
                "pidfile": os.path.join(self.dir, "dockerd.pid"),
                "hosts": [f"unix://{self.socket}"],
                "debug": True,
            }, f, indent=2)
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{self.socket}",
                        DOCKER_CONFIG=os.path.join(self.dir, "client"))
        self.env.pop("DOCKER_TLS_VERIFY", None)
        self.daemon = None

    def start(self, timeout=60):
        self.daemon = self.processes.start(
            f"dockerd-{self.name}",
            ["unshare", "-m", "--propagation", "private", "sh", "-c", _START,
             os.path.join(self.dir, "etc"), self.config_path],
            self.log_path)
        self.daemon.wait_ready(self._ping, timeout=timeout, what="dockerd /_ping")
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop(timeout=30)

    def _ping(self):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(self.socket)
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.0 200")
        except OSError:
            return False

    def docker(self, *args, timeout=120, check=True):
        p = subprocess.run(["/usr/bin/docker", *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed ({p.returncode}):\n"
                                 f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}\n"
                                 f"--- {self.log_path} ---\n{procs.tail(self.log_path, 30)}")
        return p
