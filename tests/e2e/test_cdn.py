"""A CDN in front with no path rules at all (Varnish with only a backend):
the mirror's Cache-Control alone makes blobs and manifests by digest cached
for good, manifests by tag for regcache.cdn.tag_max_age, and errors never."""
import os
import uuid

import pytest
import requests

from lib import fronts, mirror as mirror_mod, procs, skopeo

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's CDN headers")

TAG_MAX_AGE = 3
ACCEPT = skopeo.manifest_media_types()


@pytest.fixture(scope="module")
def cdn(session_dir, processes, upstream):
    m = mirror_mod.Mirror("cdn-origin", session_dir, processes, upstream.url, username="labuser",
                          password="labpass", tag_revalidate="0s",
                          extra_config={"regcache": {"cdn": {"tag_max_age": f"{TAG_MAX_AGE}s"}}})
    m.start()
    varnish = fronts.VarnishCdn(session_dir, processes, m.port).start()
    yield m, varnish
    varnish.stop()
    m.stop()


def origin_blob_gets(m, repo):
    """Blob GETs the origin served for `repo`, up to now (a sentinel request
    makes sure every earlier request's log line is written)."""
    sentinel = f"/v2/?sentinel={uuid.uuid4().hex}"
    assert m.get(sentinel).status_code == 200
    m.wait_access_entries("GET", sentinel, 1)
    return [e for e in m.access_log()
            if e["method"] == "GET" and e["path"].startswith(f"/v2/{repo}/blobs/")]


def test_second_pull_reaches_the_origin_for_no_blob(cdn, fresh_image, session_dir):
    m, varnish = cdn
    pushed = fresh_image("library/cdnpull", "1")
    dest = os.path.join(session_dir, "out", "cdn-1")
    skopeo.pull_and_verify(varnish.host, pushed.ref, dest, pushed.image)
    first = len(origin_blob_gets(m, pushed.repo))
    assert first == len(pushed.image.blobs), "the first pull fills the CDN from the origin"

    skopeo.pull_and_verify(varnish.host, pushed.ref, dest + "-again", pushed.image)
    skopeo.pull_and_verify(varnish.host, pushed.digest_ref, dest + "-digest", pushed.image)
    assert len(origin_blob_gets(m, pushed.repo)) == first, "every blob came from the CDN"

    blob = next(iter(pushed.image.blobs))
    r = requests.get(f"{varnish.url}/v2/{pushed.repo}/blobs/{blob}", timeout=30,
                     headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and len(r.content) == 10, "the CDN answers ranges from its copy"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_retagged_image_is_seen_after_the_tag_max_age(cdn, fresh_image, session_dir):
    m, varnish = cdn
    old = fresh_image("library/cdnretag", "stable")
    url = f"{varnish.url}/v2/{old.repo}/manifests/{old.tag}"
    first = requests.get(url, headers={"Accept": ACCEPT}, timeout=30)
    assert first.headers["Docker-Content-Digest"] == old.digest
    assert first.headers["Cache-Control"] == f"public, max-age={TAG_MAX_AGE}"
    assert first.headers["Vary"] == "Accept"
    again = requests.get(url, headers={"Accept": ACCEPT}, timeout=30)
    assert again.headers["Docker-Content-Digest"] == old.digest

    new = fresh_image("library/cdnretag", "stable")  # the same tag, pushed again
    assert new.digest != old.digest

    def pulled_digest():
        r = requests.get(url, headers={"Accept": ACCEPT}, timeout=30)
        return r.headers.get("Docker-Content-Digest") == new.digest
    procs.wait_for(pulled_digest, TAG_MAX_AGE + 15, "the CDN to serve the re-tagged manifest",
                   interval=0.5)
    skopeo.pull_and_verify(varnish.host, new.ref, os.path.join(session_dir, "out", "cdn-retag"),
                           new.image)


def test_errors_are_not_cached(cdn, fresh_image):
    m, varnish = cdn
    url = f"{varnish.url}/v2/library/cdnlate/manifests/1"
    missing = requests.get(url, headers={"Accept": ACCEPT}, timeout=30)
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == "no-store"
    pushed = fresh_image("library/cdnlate", "1")
    found = requests.get(url, headers={"Accept": ACCEPT}, timeout=30)
    assert found.status_code == 200, "the 404 was not kept by the CDN"
    assert found.headers["Docker-Content-Digest"] == pushed.digest
