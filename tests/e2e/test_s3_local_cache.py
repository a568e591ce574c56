"""Content on S3 with the object store down (a real Ceph RGW behind a relay the test
switches off): what the node keeps on local disk is still served, new pulls stream from
upstream and are verified, /readyz says the store is unreachable, and what was fetched
meanwhile reaches the bucket once the store is back."""
import os
import urllib.parse

import requests

from lib import procs, s3lab, skopeo, switchproxy, upstream as up

MiB = 1024 * 1024


def bucket_blobs(s3, prefix):
    return {k.rsplit("/", 1)[1] for k in s3lab.list_keys(s3, prefix + "/")
            if "/blobs/sha256/" in k}


def object_store_check(m):
    body = requests.get(m.url + "/readyz", timeout=10).json()
    return body["ready"], next(c for c in body["checks"] if c["name"] == "object_store")


def test_object_store_down_serves_local_copies_and_new_pulls_from_upstream(
        start_mirror, upstream, s3, fresh_image):
    endpoint = urllib.parse.urlsplit(s3["S3_ENDPOINT"])
    relay = switchproxy.SwitchProxy(endpoint.hostname, endpoint.port).start()
    try:
        before = fresh_image("s3local/before", "1", layer_sizes=(6 * MiB, 64 * 1024))
        during = fresh_image("s3local/during", "1", layer_sizes=(7 * MiB, 80 * 1024))
        storage = s3lab.storage_config(s3, "s3-local")
        storage["s3"]["regionendpoint"] = relay.url
        m = start_mirror("s3-local", extra_config={"storage": storage})
        out = os.path.join(m.dir, "out")

        skopeo.pull_and_verify(m.host, before.ref, out + "-cold", before.image)
        wanted = {d.split(":", 1)[1] for d in before.image.blobs}
        procs.wait_for(lambda: wanted <= bucket_blobs(s3, "s3-local"), 30,
                       "the blobs to be in the bucket")
        assert object_store_check(m)[1]["detail"] == "reachable"

        relay.refuse()
        # 1. Cached content: served from the node's local copies, not from upstream.
        mark = upstream.mark()
        skopeo.pull_and_verify(m.host, before.ref, out + "-local", before.image)
        assert up.blob_gets(upstream.requests_since(mark)) == [], \
            "with the object store down, cached blobs came from upstream"
        # 2. A new image: streamed from upstream, verified by skopeo, kept locally.
        skopeo.pull_and_verify(m.host, during.ref, out + "-during", during.image)
        ready, check = object_store_check(m)
        assert ready and check["ok"] and check["detail"].startswith("unreachable since"), check
        assert "is unreachable" in m.log_text()
        # ... and served again from local disk without upstream.
        mark = upstream.mark()
        skopeo.pull_and_verify(m.host, during.ref, out + "-during-again", during.image)
        assert up.blob_gets(upstream.requests_since(mark)) == []

        # 3. The store is back: what was fetched meanwhile is uploaded.
        relay.start()
        fetched = {d.split(":", 1)[1] for d in during.image.blobs}
        procs.wait_for(lambda: fetched <= bucket_blobs(s3, "s3-local"), 30,
                       "the blobs fetched during the outage to reach the bucket")
        procs.wait_for(lambda: object_store_check(m)[1]["detail"] == "reachable", 15,
                       "/readyz to report the object store reachable again")
        assert "reachable again" in m.log_text()
    finally:
        relay.stop()
