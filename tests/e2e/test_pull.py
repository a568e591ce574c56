"""skopeo pulls through the mirror: every digest verified; warm pulls stay local."""
import os

import pytest

from lib import skopeo, upstream as up


@pytest.mark.parametrize("kind", ["oci", "v2s2", "multi"])
def test_pull_cold_then_warm(start_mirror, upstream, images, session_dir, kind):
    pushed = images[kind]
    m = start_mirror(f"pull-{kind}")
    out = os.path.join(m.dir, "out")

    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-cold", pushed.image)
    cold = up.blob_gets(upstream.requests_since(mark), pushed.repo)
    fetched = {r.path.rsplit("/", 1)[1] for r in cold}
    assert fetched == set(pushed.image.blobs), "the cold pull must fetch every blob upstream"

    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, pushed.ref, out + "-warm", pushed.image)
    skopeo.pull_and_verify(m.host, pushed.digest_ref, out + "-digest", pushed.image)
    warm = up.blob_gets(upstream.requests_since(mark))
    assert warm == [], f"a warm pull fetched blobs upstream: {warm}"


def test_pull_platform_of_index(start_mirror, images):
    pushed = images["multi"]
    m = start_mirror("pull-arm64")
    child = pushed.image.platforms["linux/arm64/v8"]
    dest = skopeo.pull(m.host, f"{pushed.repo}@{child}", os.path.join(m.dir, "out"))
    with open(os.path.join(dest, "manifest.json"), "rb") as f:
        assert f.read() == pushed.image.manifest_bytes(child)


def test_pull_with_yaml_credentials_reaches_private_repo(mirror, images):
    pushed = images["private"]
    skopeo.pull_and_verify(mirror.host, pushed.ref, os.path.join(mirror.dir, "out-private"),
                           pushed.image)
