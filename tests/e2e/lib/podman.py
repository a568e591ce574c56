"""podman (Debian's 4.3) pulling with a given registries.conf.

Runs in the session's network namespace; storage, run and tmp dirs are under a
tmp dir (vfs driver: no mounts), CONTAINERS_CONF lowers the default ulimits
(podman sets them above the hard limit without CAP_SYS_RESOURCE) and uses
cgroupfs and file events (no systemd here). DOCKER_CONFIG is unset: podman
fails when it points at a missing file.
"""
import os
import subprocess

_CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
"""


class Podman:
    def __init__(self, workdir, registries_conf, name="podman"):
        self.dir = os.path.join(workdir, name)
        for sub in ("root", "run", "tmp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        conf = os.path.join(self.dir, "containers.conf")
        with open(conf, "w") as f:
            f.write(_CONTAINERS_CONF)
        self.env = dict(os.environ, CONTAINERS_REGISTRIES_CONF=registries_conf,
                        CONTAINERS_CONF=conf, TMPDIR=os.path.join(self.dir, "tmp"))
        self.env.pop("DOCKER_CONFIG", None)

    def podman(self, *args, timeout=120, check=True):
        argv = ["podman", "--root", os.path.join(self.dir, "root"),
                "--runroot", os.path.join(self.dir, "run"), "--storage-driver", "vfs",
                "--tmpdir", os.path.join(self.dir, "tmp"), *args]
        p = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} failed ({p.returncode}):\n"
                                 f"{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
        return p

    def image_digest(self, ref):
        return self.podman("image", "inspect", "--format", "{{.Digest}}", ref).stdout.strip()
