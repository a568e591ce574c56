"""Runs regcache's command-line tools (check, prefetch) and captures their output."""
import subprocess

from . import mirror as mirror_mod


def run(args, env=None, timeout=180):
    """`regcache <args>`; returns the CompletedProcess (text)."""
    return subprocess.run([mirror_mod.regcache_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)
