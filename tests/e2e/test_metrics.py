"""Prometheus /metrics: counters move by the right amounts, the quota gauge
follows the upstream's ratelimit headers, the exposition is valid, and the
dashboard and alert rules only use metrics regcache exposes."""
import json
import os
import re
import shutil
import subprocess

import pytest

from lib import metrics as metrics_mod
from lib import mirror as mirror_mod
from lib import quotafront, skopeo, upstream as up

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own metrics")

REPO_ROOT = mirror_mod.REPO_ROOT
MONITORING = os.path.join(REPO_ROOT, "deploy", "monitoring")


def scrape(m):
    return metrics_mod.scrape(m.url)


def delta(after, before, name, **labels):
    return after.sum(name, **labels) - before.sum(name, **labels)


def test_counters_across_a_cold_and_a_warm_pull(start_mirror, fresh_image, upstream):
    pushed = fresh_image("library/metrics-cold-warm")
    image = pushed.image
    blob_count = len(image.blobs)
    blob_bytes = sum(image.blobs.values())
    m = start_mirror("metrics", tag_revalidate="0s")

    before = scrape(m)
    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "cold"), image)

    def blob_gets_counted(n, base):
        return lambda now: delta(now, base, "regcache_http_requests_total", route="blob",
                                 method="GET") >= n
    cold = metrics_mod.scrape_when(m.url, blob_gets_counted(blob_count, before))
    upstream_blob_gets = len(up.blob_gets(upstream.requests_since(mark), pushed.repo))

    # Every blob was a miss that went upstream exactly once.
    assert delta(cold, before, "regcache_cache_requests_total", kind="blob", result="miss") == blob_count
    assert delta(cold, before, "regcache_cache_requests_total", kind="blob", result="hit") == 0
    assert delta(cold, before, "regcache_cache_requests_total", kind="manifest", result="miss") == 1
    assert delta(cold, before, "regcache_upstream_requests_total", kind="blob", status="200") \
        == blob_count == upstream_blob_gets
    assert delta(cold, before, "regcache_upstream_received_bytes_total", kind="blob") == blob_bytes
    assert delta(cold, before, "regcache_served_bytes_total", source="upstream") \
        == blob_bytes + image.size
    assert delta(cold, before, "regcache_http_requests_total", route="blob", method="GET",
                 status="200") == blob_count
    assert delta(cold, before, "regcache_cache_size_bytes") == blob_bytes + image.size
    assert delta(cold, before, "regcache_cache_objects") == blob_count + 1

    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "warm"), image)
    warm = metrics_mod.scrape_when(m.url, blob_gets_counted(blob_count, cold))
    assert delta(warm, cold, "regcache_cache_requests_total", kind="blob", result="hit") == blob_count
    assert delta(warm, cold, "regcache_cache_requests_total", kind="blob", result="miss") == 0
    assert delta(warm, cold, "regcache_cache_requests_total", kind="manifest", result="hit") == 1
    assert delta(warm, cold, "regcache_served_bytes_total", source="cache") == blob_bytes + image.size
    assert delta(warm, cold, "regcache_served_bytes_total", source="upstream") == 0
    # The warm pull only revalidated the tag upstream (a HEAD): no blob, no manifest GET.
    assert delta(warm, cold, "regcache_upstream_requests_total", kind="blob") == 0
    assert delta(warm, cold, "regcache_upstream_requests_total", kind="manifest", status="200") == 1
    assert delta(warm, cold, "regcache_http_request_duration_seconds_count", route="blob") == blob_count
    assert warm.get("regcache_downloads_in_flight") == 0
    assert warm.get("regcache_upstream_up", upstream=f"127.0.0.1:{upstream.port}") == 1
    build = [s for s in warm.samples if s[0] == "regcache_build_info"]
    assert len(build) == 1 and build[0][1]["version"], build


def test_quota_gauge_follows_ratelimit_remaining(start_mirror, session_dir, processes, upstream,
                                                 fresh_image):
    a = fresh_image("library/quota-a")
    b = fresh_image("library/quota-b")
    front = quotafront.QuotaFront(session_dir, processes, upstream.port,
                                  {"library/quota-a": 76, "library/quota-b": 42}).start()
    try:
        m = start_mirror("quota", remote_url=front.url)
        name = f"127.0.0.1:{front.port}"
        assert scrape(m).get("regcache_upstream_quota_remaining", upstream=name) is None

        accept = {"Accept": a.image.media_type}
        assert m.get(f"/v2/{a.repo}/manifests/{a.tag}", headers=accept).status_code == 200
        after_a = scrape(m)
        assert after_a.get("regcache_upstream_quota_remaining", upstream=name) == 76
        assert after_a.get("regcache_upstream_quota_limit", upstream=name) == 100
        assert after_a.get("regcache_upstream_quota_window_seconds", upstream=name) == 21600

        assert m.get(f"/v2/{b.repo}/manifests/{b.tag}", headers=accept).status_code == 200
        assert scrape(m).get("regcache_upstream_quota_remaining", upstream=name) == 42
        status = m.get("/status.json").json()
        (entry,) = [u for u in status["upstreams"] if u["name"] == name]
        assert (entry["quota_remaining"], entry["quota_limit"]) == (42, 100)
    finally:
        front.stop()


def test_exposition_passes_promtool(mirror, images):
    pushed = images["oci"]
    skopeo.pull_and_verify(mirror.host, pushed.ref, os.path.join(mirror.dir, "promtool"),
                           pushed.image)
    text = scrape(mirror).text
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is needed: scripts/install-deps.sh --test"
    p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def _metric_names(expr):
    names = set(re.findall(r"\b((?:regcache|process)_[a-z_]+)\b", expr))
    out = set()
    for n in names:
        for suffix in ("_bucket", "_sum", "_count"):
            if n.endswith(suffix) and n.endswith("_seconds" + suffix):
                n = n[: -len(suffix)]
        out.add(n)
    return out


def test_dashboard_and_alerts_only_use_exposed_metrics(mirror, images):
    pushed = images["oci"]
    assert mirror.get(f"/v2/{pushed.repo}/manifests/{pushed.tag}",
                      headers={"Accept": pushed.image.media_type}).status_code == 200
    exposed = scrape(mirror)
    with open(os.path.join(MONITORING, "grafana-dashboard.json")) as f:
        dashboard = json.load(f)
    used = set()
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            used |= _metric_names(target["expr"])
    with open(os.path.join(MONITORING, "alerts.yml")) as f:
        used |= _metric_names(f.read())
    assert len(used) > 15, used
    missing = sorted(n for n in used if not exposed.has_family(n))
    assert missing == [], f"used in deploy/monitoring but not exposed: {missing}"


def test_admin_listener_takes_metrics_and_status_page(start_mirror):
    from lib import procs
    admin_port = procs.free_port()
    m = start_mirror("admin", extra_config={"regcache": {"admin_addr": f"127.0.0.1:{admin_port}"}})
    admin = f"http://127.0.0.1:{admin_port}"
    metrics_mod.scrape(admin)
    import requests
    assert requests.get(admin + "/", timeout=10).headers["Content-Type"].startswith("text/html")
    assert requests.get(admin + "/v2/", timeout=10).status_code == 404  # no registry API there
    assert m.get("/metrics").status_code == 404  # no longer on the main listener
    assert m.get("/healthz").status_code == 200  # the probes stay on both
    assert requests.get(admin + "/readyz", timeout=10).status_code == 200
