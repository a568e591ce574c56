"""deploy/compose as an operator uses it, run by Debian's docker-compose against a test dockerd.

`project(...)` copies deploy/compose into a tmp dir and writes .env from .env.example
with the test's values; `Compose` runs docker-compose on a (test copy of a) compose file.
"""
import json
import os
import shutil
import subprocess

import yaml

from . import mirror as mirror_mod, procs

DEPLOY_COMPOSE = os.path.join(mirror_mod.REPO_ROOT, "deploy", "compose")


def project(directory, env):
    """A copy of deploy/compose in `directory` with .env from .env.example, each key of
    `env` replacing the example's value (every key must be in .env.example)."""
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(DEPLOY_COMPOSE, directory)
    env = dict(env)
    lines = []
    with open(os.path.join(directory, ".env.example")) as f:
        for line in f:
            key = line.split("=", 1)[0]
            lines.append(f"{key}={env.pop(key)}\n" if key in env else line)
    assert not env, f".env.example lacks {sorted(env)}"
    with open(os.path.join(directory, ".env"), "w") as f:
        f.writelines(lines)
    return directory


def load(directory, name):
    with open(os.path.join(directory, name)) as f:
        return yaml.safe_load(f)


def dump(directory, name, compose):
    with open(os.path.join(directory, name), "w") as f:
        yaml.safe_dump(compose, f)


def rewrite(path, replacements):
    """Replaces each `old` (which must occur exactly once) by `new` in the file."""
    with open(path) as f:
        text = f.read()
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{path}: expected one {old!r}"
        text = text.replace(old, new)
    with open(path, "w") as f:
        f.write(text)


class Compose:
    def __init__(self, docker, directory, file, name):
        self.docker, self.dir, self.file, self.name = docker, directory, file, name

    def run(self, *args, timeout=180):
        p = subprocess.run(["docker-compose", "-f", self.file, "-p", self.name, *args],
                           cwd=self.dir, env=self.docker.env, capture_output=True, text=True,
                           timeout=timeout)
        assert p.returncode == 0, f"docker-compose {' '.join(args)}:\n{p.stdout}\n{p.stderr}"
        return p

    def container(self, service):
        cid = self.run("ps", "-q", service).stdout.strip()
        assert cid, f"no container for {service}"
        return cid

    def state(self, service):
        return json.loads(self.docker.docker("inspect", "--format", "{{json .State}}",
                                             self.container(service)).stdout)

    def wait_healthy(self, service="regcache"):
        def healthy():
            state = self.state(service)
            assert state["Status"] == "running", f"{service} stopped: {state}"
            return state.get("Health", {}).get("Status") == "healthy"
        procs.wait_for(healthy, timeout=60, what=f"{service} container healthy", interval=0.5)

    def logs(self, service):
        return self.run("logs", "--no-color", service).stdout

    def access_log(self, service="regcache"):
        """regcache's access-log entries from the container's output."""
        return [e for e in map(mirror_mod.parse_access_line, self.logs(service).splitlines())
                if e]

    def down(self, log_path):
        """Saves the services' output to `log_path`, then removes containers and volumes."""
        with open(log_path, "w") as f:
            f.write(self.run("logs", "--no-color").stdout)
        self.run("down", "-v")
