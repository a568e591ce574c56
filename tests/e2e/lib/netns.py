"""Network isolation of the test session.

The suite only talks to loopback. Docker clients fall back to the real
registry (registry-1.docker.io) when a mirror fails, so the session must run in
a network namespace with nothing but `lo`: then such a fallback dies locally.
scripts/test.sh starts pytest inside a namespace it creates; a root developer
running pytest directly gets a private namespace from `enter_private()`.
"""
import ctypes
import os
import subprocess

CLONE_NEWNET = 0x40000000


def interfaces():
    with open("/proc/net/dev") as f:
        return [line.split(":", 1)[0].strip() for line in f.read().splitlines()[2:]]


def isolated():
    """True when this process's network namespace has only the loopback interface."""
    return interfaces() == ["lo"]


def enter_private():
    """Moves this process (and its future children) into a new network namespace
    with only `lo`, up. Needs root; the namespace goes away with the last process in it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)


def loopback_up():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=False, timeout=10,
                   capture_output=True)
