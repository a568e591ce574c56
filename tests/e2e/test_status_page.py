"""The status page at / in a real headless browser (Debian's chromium): it
renders, its script draws the chart, and its numbers match /metrics."""
import os
import re

import pytest

from lib import chromium, metrics as metrics_mod
from lib import mirror as mirror_mod
from lib import skopeo

pytestmark = [
    pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own status page"),
    pytest.mark.skipif(chromium.binary() is None, reason="chromium is not installed "
                       "(scripts/install-deps.sh --test installs it)"),
]

ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


def data_value(dom, element_id):
    m = re.search(r'id="%s"[^>]*data-value="([^"]*)"' % re.escape(element_id), dom)
    assert m, f"no element #{element_id} with data-value in the rendered page"
    return m.group(1)


def test_status_page_renders_and_matches_metrics(start_mirror, fresh_image, images, session_dir):
    pushed = fresh_image("library/status-page")
    m = start_mirror("status")
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "cold"), pushed.image)
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "warm"), pushed.image)
    missing = images["oci"]
    assert m.get(f"/v2/{missing.repo}/manifests/no-such-tag").status_code == 404
    # Every request counted before the page and the scrape are compared.
    blobs = len(pushed.image.blobs)
    metrics_mod.scrape_when(m.url, lambda now: now.sum("regcache_http_requests_total", route="blob")
                            >= 2 * blobs and now.sum("regcache_http_requests_total",
                                                     route="manifest", status="404") >= 1)

    dom = chromium.dump_dom(m.url + "/")
    scraped = metrics_mod.scrape(m.url)

    assert "<title>regcache status</title>" in dom
    assert re.search(r'<svg id="chart"[^>]*data-points="\d+"', dom), \
        "the page's script did not run in the browser (no data-points on the chart)"
    expected = {
        "hits": scraped.sum("regcache_cache_requests_total", result="hit"),
        "misses": scraped.sum("regcache_cache_requests_total", result="miss"),
        "coalesced": scraped.sum("regcache_cache_requests_total", result="coalesced"),
        "stale": scraped.sum("regcache_cache_requests_total", result="stale"),
        "bytes-from-cache": scraped.get("regcache_served_bytes_total", source="cache"),
        "bytes-from-upstream": scraped.get("regcache_served_bytes_total", source="upstream"),
        "upstream-bytes": scraped.sum("regcache_upstream_received_bytes_total"),
        "cache-bytes": scraped.get("regcache_cache_size_bytes"),
        "cache-objects": scraped.get("regcache_cache_objects"),
        "inflight": scraped.get("regcache_downloads_in_flight"),
    }
    shown = {key: float(data_value(dom, key)) for key in expected}
    assert shown == expected
    assert expected["hits"] > 0 and expected["misses"] > 0 and expected["cache-bytes"] > 0
    ratio = float(data_value(dom, "hit-ratio"))
    lookups = sum(expected[k] for k in ("hits", "misses", "coalesced", "stale"))
    assert ratio == pytest.approx((expected["hits"] + expected["stale"]) / lookups, abs=1e-6)
    assert pushed.repo in dom, "the pulled image is missing from the top images"

    path = chromium.screenshot(m.url + "/", os.path.join(ARTIFACTS, "status-page.png"))
    # A copy next to the session's logs, too.
    with open(path, "rb") as src, open(os.path.join(session_dir, "status-page.png"), "wb") as dst:
        dst.write(src.read())
