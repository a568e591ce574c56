"""/healthz and /readyz for load balancers and Kubernetes probes."""
import os
import subprocess

import pytest

from lib import mirror as mirror_mod
from lib import procs

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own endpoints")


def test_healthz_and_readyz_report_upstream_state(start_mirror, upstream, images):
    replica = upstream.replica("replica-readyz")
    try:
        m = start_mirror("readyz", remote_url=replica.url)
        assert m.get("/healthz").status_code == 200
        r = m.get("/readyz")
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["ready"] is True
        assert {c["name"]: c["ok"] for c in report["checks"]} == \
            {"storage": True, "index": True, "caching": True}
        assert {c["name"]: c["detail"] for c in report["checks"]}["caching"] == "active"
        (state,) = report["upstreams"]
        assert (state["name"], state["state"]) == (f"127.0.0.1:{replica.port}", "unknown")

        pushed = images["oci"]
        accept = {"Accept": pushed.image.media_type}
        assert m.get(f"/v2/{pushed.repo}/manifests/{pushed.tag}", headers=accept).status_code == 200
        assert m.get("/readyz").json()["upstreams"][0]["state"] == "ok"

        replica.stop()
        other = images["v2s2"]
        assert m.get(f"/v2/{other.repo}/manifests/{other.tag}", headers=accept).status_code >= 500
        r = m.get("/readyz")
        # Still ready: the cache is served; the upstream's state is reported, not gated on.
        assert r.status_code == 200
        upstream_state = r.json()["upstreams"][0]
        assert upstream_state["state"] == "unreachable", upstream_state
        assert upstream_state["last_error"], upstream_state
    finally:
        replica.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a read-only bind mount")
def test_readyz_unready_when_storage_is_read_only(start_mirror, images):
    m = start_mirror("readonly")
    assert m.get("/readyz").status_code == 200
    root = m.root
    subprocess.run(["mount", "--bind", root, root], check=True, timeout=10)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", root], check=True, timeout=10)

        def unready():
            r = m.get("/readyz")
            return [r] if r.status_code == 503 else None  # a 503 Response is falsy itself
        (r,) = procs.wait_for(unready, 10, "/readyz to answer 503 on read-only storage")
        report = r.json()
        assert report["ready"] is False
        (storage,) = [c for c in report["checks"] if c["name"] == "storage"]
        assert storage["ok"] is False and "Read-only file system" in storage["detail"], storage
        assert m.get("/healthz").status_code == 200  # alive, just not ready
        # Cached content is still served while unready.
        assert m.get("/v2/").status_code == 200

        subprocess.run(["mount", "-o", "remount,bind,rw", root], check=True, timeout=10)
        procs.wait_for(lambda: m.get("/readyz").status_code == 200, 10,
                       "/readyz to recover once storage is writable again")
    finally:
        subprocess.run(["umount", "-l", root], check=False, timeout=10)
