"""Clients that start together: each URL fetched by its own thread, the body
hashed as it arrives, all released at once by a barrier."""
import hashlib
import threading

import requests


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
    except Exception as e:  # reported by the caller's assertions
        results[i] = (None, repr(e), size)


def concurrent_gets(urls):
    """GETs every URL at once (one thread each); the (status, digest, size) of each."""
    barrier = threading.Barrier(len(urls))
    results = [None] * len(urls)
    threads = [threading.Thread(target=_fetch, args=(url, barrier, results, i))
               for i, url in enumerate(urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert all(not t.is_alive() for t in threads), "a client hung"
    return results
