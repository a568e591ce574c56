"""Content on S3 (a real Ceph RADOS Gateway started here): pulls, warm pulls from the
bucket with nothing on local disk, multipart uploads of large layers, Range reads."""
import hashlib
import os

import pytest
import requests

from lib import procs, s3lab, skopeo, upstream as up

MiB = 1024 * 1024


def s3_mirror(start_mirror, s3, name):
    return start_mirror(name, extra_config={"storage": s3lab.storage_config(s3, name)})


def local_blob_files(m):
    blobs = os.path.join(m.root, "regcache", "v1", "blobs")
    return [f for _, _, files in os.walk(blobs) for f in files]


def test_pull_stores_in_bucket_and_warm_pull_reads_from_it(start_mirror, upstream, s3,
                                                          fresh_image):
    # 12 MiB goes up as a multipart upload (5 MiB parts), the rest as single PUTs.
    pushed = fresh_image("s3/app", "1", seed=81, layer_sizes=(12 * MiB, 64 * 1024))
    m = s3_mirror(start_mirror, s3, "s3-pull")
    out = os.path.join(m.dir, "out")

    skopeo.pull_and_verify(m.host, pushed.ref, out + "-cold", pushed.image)
    wanted = {d.split(":", 1)[1] for d in pushed.image.blobs}

    def stored():
        keys = s3lab.list_keys(s3, "s3-pull/")
        return {k.rsplit("/", 1)[1] for k in keys if "/blobs/sha256/" in k}
    # Clients get a blob's last byte once it is verified; its upload follows.
    try:
        procs.wait_for(lambda: wanted <= stored(), 30, "the blobs to be in the bucket")
    except TimeoutError:
        pytest.fail(f"blobs missing from the bucket: {wanted - stored()}")
    assert local_blob_files(m) == [], "with storage.s3 no blob is kept on local disk"

    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-warm", pushed.image)
    assert up.blob_gets(upstream.requests_since(mark)) == [], "warm pull went upstream"


def test_range_read_of_a_cached_blob_comes_from_the_bucket(start_mirror, s3, fresh_image):
    pushed = fresh_image("s3/range", "1", seed=82, layer_sizes=(3 * MiB,))
    m = s3_mirror(start_mirror, s3, "s3-range")
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out"), pushed.image)
    layer = max(pushed.image.blobs, key=pushed.image.blobs.get)
    whole = m.get(f"/v2/{pushed.repo}/blobs/{layer}")
    assert whole.status_code == 200 and len(whole.content) == pushed.image.blobs[layer]
    part = m.get(f"/v2/{pushed.repo}/blobs/{layer}", headers={"Range": "bytes=1048570-2097160"})
    assert part.status_code == 206
    assert part.content == whole.content[1048570:2097161]
    assert part.headers["Content-Range"] == f"bytes 1048570-2097160/{len(whole.content)}"


def test_cached_blobs_are_redirected_to_presigned_urls_of_the_bucket(start_mirror, upstream, s3,
                                                                      fresh_image):
    """storage.redirect.disable: false (as registry:2 on S3): a cached blob's GET answers 307
    to a presigned URL, so its bytes come from the bucket, not through the node."""
    pushed = fresh_image("s3/redirect", "1", seed=83, layer_sizes=(2 * MiB,))
    config = {"storage": {**s3lab.storage_config(s3, "s3-redirect"),
                          "redirect": {"disable": False}}}
    m = start_mirror("s3-redirect", extra_config=config)
    out = os.path.join(m.dir, "out")
    # The first pull streams from upstream through the node; the next ones are redirected.
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-cold", pushed.image)
    layer = pushed.image.layers[0]
    procs.wait_for(lambda: any(k.endswith(layer.split(":")[1])
                               for k in s3lab.list_keys(s3, "s3-redirect/")), 30,
                   "the layer to be in the bucket")

    path = f"/v2/{pushed.repo}/blobs/{layer}"
    r = m.get(path, allow_redirects=False)
    assert r.status_code == 307, (r.status_code, r.text[:200])
    location = r.headers["Location"]
    assert location.startswith(s3["S3_ENDPOINT"] + "/") and "X-Amz-Signature=" in location
    assert r.headers["Docker-Content-Digest"] == layer
    assert r.headers["Cache-Control"] == "no-store"
    # The URL needs no credentials; Range reads work on it.
    body = requests.get(location, timeout=30)
    assert body.status_code == 200
    assert "sha256:" + hashlib.sha256(body.content).hexdigest() == layer
    part = requests.get(location, headers={"Range": "bytes=100-199"}, timeout=30)
    assert part.status_code == 206 and part.content == body.content[100:200]
    # A tampered URL is refused by the bucket.
    assert requests.get(location.replace("X-Amz-Expires=1200", "X-Amz-Expires=9999"),
                        timeout=30).status_code == 403
    # HEAD is answered by the node; a client pull follows the redirects.
    assert m.head(path).status_code == 200
    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-warm", pushed.image)
    assert up.blob_gets(upstream.requests_since(mark)) == [], "warm pull went upstream"
    redirected = [e for e in m.access_log() if e["path"] == path and e["status"] == "307"]
    assert len(redirected) >= 2, "the warm pull was not redirected"
