"""The operator's commands on a running and on a stopped cache: usage, list,
remove, verify (and --fix), gc."""
import os

from lib import mkimg, operator, skopeo

MiB = mkimg.MiB


def test_commands_on_a_running_then_a_stopped_cache(start_mirror, fresh_image):
    m = start_mirror("operator")
    keep = fresh_image("library/op-keep", layer_sizes=(MiB // 2,))
    drop = fresh_image("library/op-drop", layer_sizes=(MiB // 4,))
    for p in (keep, drop):
        skopeo.pull_and_verify(m.host, p.ref, os.path.join(m.dir, p.repo.replace("/", "_")),
                               p.image)
    size = {p.repo: p.image.size + sum(p.image.blobs.values()) for p in (keep, drop)}

    usage = operator.query(m, "usage")
    assert usage["total"]["bytes"] == sum(size.values())
    repos = {r["repository"]: r["bytes"] for r in usage["repositories"]}
    assert repos == size
    top = usage["top_images"][0]
    assert (top["repository"], top["tag"], top["bytes"]) == (keep.repo, keep.tag, size[keep.repo])
    assert top["last_use"] > 0
    text = operator.run(m, "usage").stdout
    assert "library/op-keep:1" in text and "TOP IMAGES" in text

    listing = operator.query(m, "list")
    assert {(e["repository"], e["tag"], e["digest"]) for e in listing} == \
        {(p.repo, p.tag, p.digest) for p in (keep, drop)}

    # Remove an image ("op-drop" is library/op-drop on Docker Hub-style upstreams).
    dry = operator.query(m, "remove", "--dry-run", f"{drop.repo}:{drop.tag}")
    assert len(dry["collected"]["blobs"]) == len(drop.image.blobs)
    assert set(drop.image.blobs) <= operator.blob_files(m.root)
    removed = operator.query(m, "remove", f"{drop.repo}:{drop.tag}")
    assert removed["tags"] == 1
    files = operator.blob_files(m.root)
    assert not (set(drop.image.blobs) | {drop.digest}) & files
    assert set(keep.image.blobs) <= files
    assert operator.run(m, "remove", f"{drop.repo}:{drop.tag}", check=False).returncode == 1

    # A file corrupted on disk is reported, then dropped and fetched again.
    layer = keep.image.layers[0]
    path = os.path.join(m.root, "regcache", "v1", "blobs", "sha256", layer[7:9], layer[7:])
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"corrupt")
    bad = operator.run(m, "verify", check=False)
    assert bad.returncode == 1 and layer in bad.stdout, bad.stdout
    fixed = operator.query(m, "verify", "--fix")
    assert [b["digest"] for b in fixed["bad"]] == [layer] and fixed["removed"] == 1
    skopeo.pull_and_verify(m.host, keep.ref, os.path.join(m.dir, "refetched"), keep.image)
    assert operator.query(m, "verify")["bad"] == []

    # The same commands on the stopped cache.
    m.stop()
    status = operator.query(m, "status")
    assert "storage" not in status  # no server
    assert operator.query(m, "usage")["total"]["bytes"] == size[keep.repo]
    assert operator.query(m, "gc", "--dry-run")["manifests"] == []
    removed = operator.query(m, "remove", keep.repo)
    assert removed["collected"]["manifests"] and operator.blob_files(m.root) == set()
    m.start()  # the offline command released the cache lock
    skopeo.pull_and_verify(m.host, keep.ref, os.path.join(m.dir, "after-restart"), keep.image)
