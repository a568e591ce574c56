"""Debian's chromium, headless, as the real browser for the status page.

Flags as the lab machine needs them: no sandbox (root), no GPU, and no
background networking (the machine has no network; chromium would keep trying).
Each run gets a fresh profile directory."""
import os
import shutil
import subprocess
import tempfile

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(args, timeout=90):
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        argv = [binary(), *FLAGS, f"--user-data-dir={profile}", *args]
        p = subprocess.run(argv, capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({p.returncode}):\n"
                             f"{p.stderr.decode('utf-8', 'replace')[-2000:]}")
    return p


def dump_dom(url):
    """The DOM after the page's scripts ran, serialised as HTML."""
    return _run(["--virtual-time-budget=5000", "--dump-dom", url]).stdout.decode("utf-8")


def screenshot(url, path, size="1280,1400"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _run(["--virtual-time-budget=5000", f"--window-size={size}", f"--screenshot={path}", url])
    assert os.path.getsize(path) > 1000, f"{path} is suspiciously small"
    return path
