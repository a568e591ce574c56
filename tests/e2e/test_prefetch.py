"""`regcache prefetch`: pre-warms a mirror so later pulls need no upstream."""
import os

import pytest

from lib import cli, skopeo, upstream as up
from lib import mirror as mirror_mod

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own tool")


def test_prefetch_multi_arch_then_pull_with_upstream_stopped(start_mirror, upstream, fresh_image):
    pushed = fresh_image("library/prefetch-multi", multi=True)
    single = fresh_image("library/prefetch-single")
    replica = upstream.replica("replica-prefetch")
    try:
        m = start_mirror("prefetch", remote_url=replica.url, tag_revalidate="0s")
        listing = os.path.join(m.dir, "images.txt")
        with open(listing, "w") as f:
            f.write(f"# images to warm\n{single.ref}\n")
        p = cli.run(["prefetch", "--mirror", m.url, "--file", listing, pushed.ref,
                     "--concurrency", "3"])
        assert p.returncode == 0, p.stdout + p.stderr
        assert f"ok   {pushed.ref}: 2 platforms" in p.stdout, p.stdout
        assert f"ok   {single.ref}: 1 platform," in p.stdout, p.stdout
        blob_total = len(pushed.image.blobs) + len(single.image.blobs)
        assert f"prefetch: 2 images ok, 0 failed; {blob_total} blobs fetched" in p.stdout, p.stdout
        assert "\r" not in p.stdout  # not a terminal: plain lines, no progress bar

        # A second run only revalidates the tags: HEADs of manifests, nothing else upstream.
        mark = replica.mark()
        again = cli.run(["prefetch", "--mirror", m.url, pushed.ref, single.ref])
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"0 blobs fetched (0 B), {blob_total} already cached" in again.stdout, again.stdout
        upstream_requests = replica.requests_since(mark)
        assert upstream_requests, "the tags were not revalidated"
        assert all(r.method == "HEAD" and "/manifests/" in r.path for r in upstream_requests), \
            upstream_requests

        replica.stop()
        skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out-multi"), pushed.image)
        skopeo.pull_and_verify(m.host, single.ref, os.path.join(m.dir, "out-single"), single.image)
    finally:
        replica.stop()


def test_prefetch_chosen_platform_only(start_mirror, upstream, fresh_image):
    pushed = fresh_image("library/prefetch-platform", multi=True)
    m = start_mirror("prefetch-platform")
    mark = upstream.mark()
    p = cli.run(["prefetch", "--mirror", m.url, "--platform", "linux/arm64", pushed.ref])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "1 platform," in p.stdout, p.stdout
    fetched = {r.path for r in upstream.requests_since(mark) if r.method == "GET"}
    arm = pushed.image.platforms["linux/arm64/v8"] if "linux/arm64/v8" in pushed.image.platforms \
        else pushed.image.platforms["linux/arm64"]
    amd = pushed.image.platforms["linux/amd64"]
    assert f"/v2/{pushed.repo}/manifests/{arm}" in fetched, fetched
    assert f"/v2/{pushed.repo}/manifests/{amd}" not in fetched, fetched


def test_prefetch_reports_failures_and_exits_non_zero(start_mirror, images):
    m = start_mirror("prefetch-fail")
    good = images["oci"]
    p = cli.run(["prefetch", "--mirror", m.url, good.ref, "library/does-not-exist:1", "Bad Name"])
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"ok   {good.ref}" in p.stdout
    assert "FAIL library/does-not-exist:1: manifest 1: HTTP 404 MANIFEST_UNKNOWN" in p.stdout, p.stdout
    assert "FAIL Bad Name: " in p.stdout and "invalid" in p.stdout, p.stdout
    assert "1 image ok, 2 failed" in p.stdout, p.stdout


def test_prefetch_draws_a_progress_bar_on_a_terminal(start_mirror, images):
    import pty
    import subprocess
    pushed = images["oci"]
    m = start_mirror("prefetch-tty")
    main, secondary = pty.openpty()
    try:
        p = subprocess.run([mirror_mod.regcache_binary(), "prefetch", "--mirror", m.url, pushed.ref],
                           stdout=secondary, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=120)
        os.close(secondary)
        secondary = None
        out = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the other side is closed and everything was read
                break
            if not chunk:
                break
            out += chunk
    finally:
        if secondary is not None:
            os.close(secondary)
        os.close(main)
    text = out.decode("utf-8", "replace")
    assert p.returncode == 0, text + p.stderr.decode()
    assert "\r\x1b[K[" in text and "blobs " in text, repr(text[:500])  # the bar, redrawn in place
    assert f"ok   {pushed.ref}" in text and "prefetch: 1 image ok" in text, repr(text)
