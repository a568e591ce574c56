"""The cache survives restarts and upstream outages."""
import os

import pytest

from lib import skopeo, upstream as up


@pytest.fixture
def replica(upstream, request):
    """An upstream of its own (same storage as the session's) that the test may stop."""
    r = upstream.replica(f"replica-{request.node.name[:40].replace('[', '-').strip(']')}")
    yield r
    r.stop()


def test_restart_keeps_cache(start_mirror, replica, images):
    pushed = images["oci"]
    m = start_mirror("restart", remote_url=replica.url)
    out = os.path.join(m.dir, "out")
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-1", pushed.image)

    code = m.restart()
    assert code == 0, f"SIGTERM should stop the mirror cleanly, exit code was {code}"
    mark = replica.mark()
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-2", pushed.image)
    assert up.blob_gets(replica.requests_since(mark)) == [], "cache lost across restart"

    replica.stop()
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-3", pushed.image)
    skopeo.pull_and_verify(m.host, pushed.digest_ref, out + "-4", pushed.image)


def test_upstream_down_serves_cached_tag_and_digest(start_mirror, replica, images):
    pushed = images["multi"]
    m = start_mirror("updown", remote_url=replica.url, tag_revalidate="0s")
    out = os.path.join(m.dir, "out")
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-1", pushed.image)
    replica.stop()
    # tag_revalidate 0s asks upstream every time; with the upstream gone the cached tag is served
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-tag", pushed.image)
    skopeo.pull_and_verify(m.host, pushed.digest_ref, out + "-digest", pushed.image)


def test_start_with_upstream_down(start_mirror, replica, images):
    pushed = images["v2s2"]
    m = start_mirror("coldstart", remote_url=replica.url)
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out-1"), pushed.image)
    m.stop()
    replica.stop()

    m.start()  # the upstream is down: it must start and answer anyway
    assert m.get("/v2/").status_code == 200
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out-tag"), pushed.image)
    skopeo.pull_and_verify(m.host, pushed.digest_ref, os.path.join(m.dir, "out-digest"),
                           pushed.image)

    # Uncached content: a quick, clear error, not a hang or a fake 404 of an existing image.
    other = images["oci"]
    r = m.get(f"/v2/{other.repo}/manifests/{other.tag}", timeout=30)
    assert r.status_code in (502, 503, 504), (r.status_code, r.text[:300])
    errors = r.json()["errors"]
    assert errors and errors[0]["code"] and errors[0]["message"], r.text
    assert m.running()
