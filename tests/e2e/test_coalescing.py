"""Many clients asking for the same uncached blob cause one upstream download."""
from lib.concurrent import concurrent_gets

CLIENTS = 16


def test_concurrent_clients_share_one_upstream_download(start_mirror, upstream, images):
    pushed = images["big"]
    digest = pushed.image.layers[0]
    size = pushed.image.blobs[digest]
    assert size >= 32 * 1024 * 1024
    m = start_mirror("coalesce")
    path = f"/v2/{pushed.repo}/blobs/{digest}"

    mark = upstream.mark()
    results = concurrent_gets([m.url + path] * CLIENTS)

    bad = [(i, r) for i, r in enumerate(results) if r != (200, digest, size)]
    assert not bad, f"clients got the wrong answer: {bad}"
    # Count transfers: a 401 challenge before the token fetch carries no blob bytes.
    gets = [r for r in upstream.requests_since(mark)
            if r.method == "GET" and r.path == path and 200 <= r.status < 300]
    assert len(gets) == 1, f"{len(gets)} upstream GETs of {path} for {CLIENTS} clients"
