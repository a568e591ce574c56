"""A standalone containerd (Debian's containerd 1.6) and its `ctr` client.

The daemon runs in the session's network namespace (see netns.py), so a pull
that falls back from the mirror to the real registry dies locally. Everything
it writes (root, state, sockets) is under a tmp dir; the CRI plugin is disabled
(no kubelet here: `ctr --hosts-dir` reads the same hosts.toml files through
the same resolver code), and the `native` snapshotter unpacks without mounts.
"""
import os
import subprocess

from . import procs

_CONFIG = """version = 2
root = "{dir}/root"
state = "{dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{dir}/containerd.sock"

[ttrpc]
  address = "{dir}/containerd.sock.ttrpc"

[debug]
  address = "{dir}/debug.sock"
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "{dir}/opt"
"""


class Containerd:
    def __init__(self, workdir, processes, name="containerd"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.processes = processes
        self.socket = os.path.join(self.dir, "containerd.sock")
        self.log_path = os.path.join(self.dir, "containerd.log")
        self.config_path = os.path.join(self.dir, "config.toml")
        with open(self.config_path, "w") as f:
            f.write(_CONFIG.format(dir=self.dir))
        self.daemon = None

    def start(self, timeout=30):
        self.daemon = self.processes.start(
            self.name, ["containerd", "--config", self.config_path], self.log_path)
        self.daemon.wait_ready(self._answers, timeout=timeout, what="containerd to answer ctr")
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop(timeout=20)

    def _answers(self):
        if not os.path.exists(self.socket):
            return False
        return self.ctr("version", check=False, timeout=10).returncode == 0

    def ctr(self, *args, timeout=120, check=True):
        p = subprocess.run(["ctr", "--address", self.socket, "--namespace", "e2e", *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"ctr {' '.join(args)} failed ({p.returncode}):\n"
                                 f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}\n"
                                 f"--- {self.log_path} ---\n{procs.tail(self.log_path, 20)}")
        return p

    def pull(self, ref, hosts_dir, platform=None):
        args = ["images", "pull", "--snapshotter", "native", "--hosts-dir", hosts_dir]
        if platform:
            args += ["--platform", platform]
        return self.ctr(*args, ref)

    def image_digest(self, ref):
        """The digest containerd recorded for `ref` (the top-level manifest or index)."""
        for line in self.ctr("images", "ls").stdout.splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == ref:
                return next(f for f in fields if f.startswith("sha256:"))
        raise AssertionError(f"{ref} is not in `ctr images ls`")

    def content_digests(self):
        """Every digest in containerd's content store."""
        lines = self.ctr("content", "ls", "--quiet").stdout.split()
        return {line for line in lines if line.startswith("sha256:")}
