"""The pull API as clients see it: /v2/, manifest and blob headers, ranges, tags."""
import hashlib

import pytest

from lib import mkimg, skopeo

ACCEPT_ALL = skopeo.manifest_media_types()


def test_v2_answers_200_with_api_version_header(mirror):
    r = mirror.get("/v2/")
    assert r.status_code == 200, r.text
    assert r.headers.get("Docker-Distribution-API-Version") == "registry/2.0"


def test_configured_http_headers_are_sent(mirror, images):
    pushed = images["oci"]
    for r in (mirror.get("/v2/"),
              mirror.head(f"/v2/{pushed.repo}/manifests/{pushed.tag}",
                          headers={"Accept": ACCEPT_ALL}),
              mirror.get(f"/v2/{pushed.repo}/manifests/doesnotexist")):
        assert r.headers.get("X-E2e-Marker") == "regcache-e2e", (r.url, dict(r.headers))
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (r.url, dict(r.headers))


def _expect_manifest_headers(r, media_type, digest, size):
    assert r.headers.get("Content-Type") == media_type
    assert r.headers.get("Docker-Content-Digest") == digest
    assert int(r.headers.get("Content-Length", -1)) == size
    assert r.headers.get("ETag", "").strip('"') == digest


@pytest.mark.parametrize("kind", ["oci", "v2s2", "multi"])
@pytest.mark.parametrize("by", ["tag", "digest"])
def test_manifest_head_and_get_headers(mirror, images, kind, by):
    pushed = images[kind]
    image = pushed.image
    ref = pushed.tag if by == "tag" else image.digest
    path = f"/v2/{pushed.repo}/manifests/{ref}"
    get = mirror.get(path, headers={"Accept": ACCEPT_ALL})
    assert get.status_code == 200, get.text
    _expect_manifest_headers(get, image.media_type, image.digest, image.size)
    assert get.content == image.manifest_bytes()
    head = mirror.head(path, headers={"Accept": ACCEPT_ALL})
    assert head.status_code == 200
    _expect_manifest_headers(head, image.media_type, image.digest, image.size)
    assert head.content == b""


def test_child_manifest_of_index_by_digest(mirror, images):
    pushed = images["multi"]
    child = pushed.image.platforms["linux/arm64/v8"]
    r = mirror.get(f"/v2/{pushed.repo}/manifests/{child}", headers={"Accept": ACCEPT_ALL})
    assert r.status_code == 200, r.text
    _expect_manifest_headers(r, mkimg.OCI_MANIFEST, child, len(pushed.image.manifest_bytes(child)))
    assert hashlib.sha256(r.content).hexdigest() == child.split(":", 1)[1]


def test_blob_get_and_head(mirror, images):
    pushed = images["oci"]
    digest = pushed.image.layers[0]
    data = pushed.image.blob_bytes(digest)
    path = f"/v2/{pushed.repo}/blobs/{digest}"
    r = mirror.get(path)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers.get("Docker-Content-Digest") == digest
    assert int(r.headers["Content-Length"]) == len(data)
    h = mirror.head(path)
    assert h.status_code == 200
    assert int(h.headers["Content-Length"]) == len(data)
    assert h.headers.get("Docker-Content-Digest") == digest


def _check_ranges(mirror, repo, digest, data):
    path = f"/v2/{repo}/blobs/{digest}"
    size = len(data)
    cases = [(f"bytes=100-199", 100, 199), (f"bytes={size - 10}-", size - 10, size - 1),
             ("bytes=-5", size - 5, size - 1), (f"bytes=1000-{size + 50}", 1000, size - 1)]
    for header, first, last in cases:
        r = mirror.get(path, headers={"Range": header})
        assert r.status_code == 206, (header, r.status_code, r.text[:200])
        assert r.headers.get("Content-Range") == f"bytes {first}-{last}/{size}", header
        assert int(r.headers["Content-Length"]) == last - first + 1, header
        assert r.content == data[first:last + 1], header
    r = mirror.get(path, headers={"Range": f"bytes={size}-"})
    assert r.status_code == 416, r.status_code
    assert r.headers.get("Content-Range") == f"bytes */{size}"


def test_blob_ranges_on_cached_blob(mirror, images):
    pushed = images["oci"]
    digest = pushed.image.layers[1]
    data = pushed.image.blob_bytes(digest)
    assert mirror.get(f"/v2/{pushed.repo}/blobs/{digest}").content == data  # now cached
    _check_ranges(mirror, pushed.repo, digest, data)


def test_blob_range_on_uncached_blob(mirror, fresh_image):
    # containerd resumes interrupted downloads with Range on blobs the mirror may not have yet
    pushed = fresh_image("library/range-cold", layer_sizes=(300 * 1024,))
    digest = pushed.image.layers[0]
    data = pushed.image.blob_bytes(digest)
    r = mirror.get(f"/v2/{pushed.repo}/blobs/{digest}", headers={"Range": "bytes=4096-8191"})
    assert r.status_code == 206, (r.status_code, r.text[:300])
    assert r.headers.get("Content-Range") == f"bytes 4096-8191/{len(data)}"
    assert r.content == data[4096:8192]
    _check_ranges(mirror, pushed.repo, digest, data)


def test_tags_list(mirror, images):
    r = mirror.get("/v2/library/alpine/tags/list")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "library/alpine"
    assert {"3.20", "3.20-v2s2"} <= set(body["tags"])
