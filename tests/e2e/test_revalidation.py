"""regcache.tag_revalidate: how soon a tag moved upstream is seen through the mirror."""
import os

from lib import skopeo


def test_revalidate_0s_sees_a_moved_tag(start_mirror, fresh_image):
    first = fresh_image("library/reval-zero", "1")
    m = start_mirror("reval-0s", tag_revalidate="0s")
    skopeo.pull_and_verify(m.host, first.ref, os.path.join(m.dir, "out-a"), first.image)
    second = fresh_image(first.repo, first.tag)  # the tag moves to a new image upstream
    assert second.digest != first.digest
    skopeo.pull_and_verify(m.host, second.ref, os.path.join(m.dir, "out-b"), second.image)


def test_revalidate_1h_serves_cached_tag_without_asking_upstream(start_mirror, upstream,
                                                                 fresh_image):
    first = fresh_image("library/reval-hour", "1")
    m = start_mirror("reval-1h", tag_revalidate="1h")
    skopeo.pull_and_verify(m.host, first.ref, os.path.join(m.dir, "out-a"), first.image)
    second = fresh_image(first.repo, first.tag)  # the tag moves to a new image upstream
    assert second.digest != first.digest

    mark = upstream.mark()
    skopeo.pull_and_verify(m.host, first.ref, os.path.join(m.dir, "out-again"), first.image)
    asked = [r for r in upstream.requests_since(mark)
             if r.path == f"/v2/{first.repo}/manifests/{first.tag}"]
    assert asked == [], f"the tag was revalidated upstream within 1h: {asked}"
