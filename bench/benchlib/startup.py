"""A regcache cache root with many blobs, made directly on disk: small random
files in regcache's layout (`regcache/v1/blobs/sha256/<2 hex>/<64 hex>`) and
their rows in `regcache/v1/index.sqlite` (table `objects`, see
src/index/cache_index.cpp). regcache creates the schema on a first start."""
import hashlib
import os
import sqlite3
import time

BLOB_BYTES = 512


def fill_cache(root, count):
    """Adds `count` verified blobs of BLOB_BYTES to the cache at `root`
    (index.sqlite must exist already). Returns the seconds it took."""
    started = time.monotonic()
    data_dir = os.path.join(root, "regcache", "v1")
    blobs_dir = os.path.join(data_dir, "blobs", "sha256")
    for i in range(256):
        os.makedirs(os.path.join(blobs_dir, f"{i:02x}"), exist_ok=True)
    seed = os.urandom(BLOB_BYTES)
    now = int(time.time())
    rows = []
    for i in range(count):
        content = i.to_bytes(8, "little") + seed[8:]
        hex_ = hashlib.sha256(content).hexdigest()
        with open(os.path.join(blobs_dir, hex_[:2], hex_), "wb") as f:
            f.write(content)
        rows.append((f"sha256:{hex_}", len(content), "", now, now))
    db = sqlite3.connect(os.path.join(data_dir, "index.sqlite"))
    try:
        with db:
            db.executemany("INSERT OR IGNORE INTO objects(digest, size, media_type, fetched_at, "
                           "last_access) VALUES(?, ?, ?, ?, ?)", rows)
    finally:
        db.close()
    return time.monotonic() - started
