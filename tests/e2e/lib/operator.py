"""Runs regcache's operator commands (usage, list, remove, gc, verify, status)
against a mirror's config, as an operator would."""
import json
import os
import subprocess

from . import mirror as mirror_mod


def run(m, *args, check=True, timeout=120, config_option=True):
    """`regcache ARGS --config <m's config>`; returns the CompletedProcess."""
    argv = [mirror_mod.regcache_binary(), *args]
    if config_option:
        argv += ["--config", m.config_path]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=m.env)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def query(m, *args, timeout=120):
    """The JSON answer of `regcache ARGS --json`."""
    return json.loads(run(m, *args, "--json", timeout=timeout).stdout)


def blob_files(root):
    """Digests of the files in the cache's content directory."""
    base = os.path.join(root, "regcache", "v1", "blobs", "sha256")
    out = set()
    for dirpath, _, files in os.walk(base):
        out.update("sha256:" + f for f in files)
    return out


def staging_files(root):
    return os.listdir(os.path.join(root, "regcache", "v1", "staging"))


def log_text(m):
    with open(m.log_path, "rb") as f:
        return f.read().decode("utf-8", "replace")
