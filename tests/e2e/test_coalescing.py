"""Many clients asking for the same uncached blob cause one upstream download."""
import hashlib
import threading

import requests

CLIENTS = 16


def _fetch(url, barrier, results, i):
    h = hashlib.sha256()
    size = 0
    try:
        barrier.wait(timeout=30)
        with requests.get(url, stream=True, timeout=120) as r:
            status = r.status_code
            for chunk in r.iter_content(1 << 20):
                h.update(chunk)
                size += len(chunk)
        results[i] = (status, "sha256:" + h.hexdigest(), size)
    except Exception as e:  # reported by the test
        results[i] = (None, repr(e), size)


def test_concurrent_clients_share_one_upstream_download(start_mirror, upstream, images):
    pushed = images["big"]
    digest = pushed.image.layers[0]
    size = pushed.image.blobs[digest]
    assert size >= 32 * 1024 * 1024
    m = start_mirror("coalesce")
    path = f"/v2/{pushed.repo}/blobs/{digest}"

    mark = upstream.mark()
    barrier = threading.Barrier(CLIENTS)
    results = [None] * CLIENTS
    threads = [threading.Thread(target=_fetch, args=(m.url + path, barrier, results, i))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert all(not t.is_alive() for t in threads), "a client hung"

    bad = [(i, r) for i, r in enumerate(results) if r != (200, digest, size)]
    assert not bad, f"clients got the wrong answer: {bad}"
    # Count transfers: a 401 challenge before the token fetch carries no blob bytes.
    gets = [r for r in upstream.requests_since(mark)
            if r.method == "GET" and r.path == path and 200 <= r.status < 300]
    assert len(gets) == 1, f"{len(gets)} upstream GETs of {path} for {CLIENTS} clients"
