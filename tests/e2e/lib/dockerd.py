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
import signal
import socket
import subprocess

from . import procs

# $0 = dir to mount over /etc/docker, $1 = daemon.json, $2 = hosts file ("" = the host's),
# $3 = data-root to put on a tmpfs ("" = on disk)
_START = ('mount -t tmpfs -o mode=755 tmpfs /run || exit 96; '
          'if [ -d /etc/docker ]; then mount --bind "$0" /etc/docker || exit 97; fi; '
          'if [ -n "$2" ]; then mount --bind "$2" /etc/hosts || exit 98; fi; '
          'if [ -n "$3" ]; then mount -t tmpfs -o mode=710 tmpfs "$3" || exit 95; fi; '
          'exec dockerd --config-file "$1"')


class Dockerd:
    def __init__(self, workdir, processes, mirror_host=None, storage_driver="vfs", *,
                 name="docker", mirrors=None, hosts=None, ca_certs=None, daemon_json=None,
                 root_tmpfs=False):
        """`mirror_host`: a plain-HTTP mirror (insecure). Or `mirrors`: registry-mirrors
        URLs as given (e.g. https://mirror.lab:5443), with `ca_certs` {"host:port": CA
        file} placed in /etc/docker/certs.d and `hosts` {"name": address} added to
        the daemon's own /etc/hosts (Docker skips TLS verification for 127.0.0.0/8,
        so a TLS mirror is reached by a name that resolves to ::1). Or `daemon_json`:
        registry settings used as given (e.g. the file `regcache client-config`
        wrote); the daemon's own paths are added to it. `root_tmpfs`: images and
        containers on a tmpfs private to the daemon (gone when it stops; saves writing
        and deleting hundreds of MB of imported root filesystems on a busy disk)."""
        self.name = name
        self.dir = os.path.join(workdir, name)
        self.processes = processes
        for sub in ("root", "exec", "etc", "client"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.socket = os.path.join(self.dir, "docker.sock")
        self.log_path = os.path.join(self.dir, "dockerd.log")
        self.config_path = os.path.join(self.dir, "daemon.json")
        self.hosts_path = ""
        if hosts:
            self.hosts_path = os.path.join(self.dir, "hosts")
            with open(self.hosts_path, "w") as f:
                f.write("127.0.0.1 localhost\n::1 localhost\n")
                for name_, address in hosts.items():
                    f.write(f"{address} {name_}\n")
        for host_port, ca in (ca_certs or {}).items():
            certs = os.path.join(self.dir, "etc", "certs.d", host_port)
            os.makedirs(certs, exist_ok=True)
            with open(ca) as src, open(os.path.join(certs, "ca.crt"), "w") as dst:
                dst.write(src.read())
        self.settings = dict(daemon_json) if daemon_json is not None else {
            "registry-mirrors": mirrors if mirrors is not None else [f"http://{mirror_host}"],
        }
        self.settings.update({
            "storage-driver": storage_driver,
            "iptables": False, "ip6tables": False, "bridge": "none",
            "data-root": os.path.join(self.dir, "root"),
            "exec-root": os.path.join(self.dir, "exec"),
            "pidfile": os.path.join(self.dir, "dockerd.pid"),
            "hosts": [f"unix://{self.socket}"],
            "debug": True,
        })
        if mirror_host and mirrors is None and daemon_json is None:
            self.settings["insecure-registries"] = [mirror_host]
        self._write_config()
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{self.socket}",
                        DOCKER_CONFIG=os.path.join(self.dir, "client"))
        self.env.pop("DOCKER_TLS_VERIFY", None)
        self.root_tmpfs = root_tmpfs
        self.daemon = None

    def _write_config(self):
        with open(self.config_path, "w") as f:
            json.dump(self.settings, f, indent=2)

    def set_mirrors(self, mirrors, timeout=30):
        """Points the running daemon at other mirrors (dockerd reloads them on SIGHUP)."""
        self.settings["registry-mirrors"] = mirrors
        self._write_config()
        self.daemon.proc.send_signal(signal.SIGHUP)
        wanted = [m.rstrip("/") + "/" for m in mirrors]
        procs.wait_for(lambda: self.mirrors() == wanted, timeout, f"dockerd to use {mirrors}")

    def mirrors(self):
        out = self.docker("info", "--format", "{{json .RegistryConfig.Mirrors}}", check=False)
        try:
            return json.loads(out.stdout)
        except ValueError:
            return None

    def start(self, timeout=60):
        self.daemon = self.processes.start(
            f"dockerd-{self.name}",
            ["unshare", "-m", "--propagation", "private", "sh", "-c", _START,
             os.path.join(self.dir, "etc"), self.config_path, self.hosts_path,
             self.settings["data-root"] if self.root_tmpfs else ""],
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

    def docker(self, *args, timeout=120, check=True, input=None):
        p = subprocess.run(["/usr/bin/docker", *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout, input=input)
        if check and p.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed ({p.returncode}):\n"
                                 f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}\n"
                                 f"--- {self.log_path} ---\n{procs.tail(self.log_path, 30)}")
        return p
