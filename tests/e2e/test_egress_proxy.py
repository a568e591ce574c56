"""Egress through a forward proxy (HTTP_PROXY / NO_PROXY), as behind a corporate proxy."""
import os

import pytest

from lib import procs, skopeo, squid as squid_mod


@pytest.fixture(scope="module")
def squid(session_dir, processes):
    s = squid_mod.Squid(session_dir, processes).start()
    yield s
    s.stop()


def test_pull_through_squid(start_mirror, upstream, fresh_image, squid):
    pushed = fresh_image("library/via-squid")
    remote = f"http://{squid_mod.UPSTREAM_NAME}:{upstream.port}"
    m = start_mirror("egress", remote_url=remote, env={"HTTP_PROXY": squid.url})
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out"), pushed.image)

    wanted = {f"{remote}/v2/{pushed.repo}/blobs/{d}" for d in pushed.image.blobs}

    def all_logged():
        return wanted <= {url for method, url in squid.logged_urls() if method == "GET"}
    procs.wait_for(all_logged, 10, f"squid's access log to show every blob GET of {pushed.ref}")


def test_no_proxy_bypasses_the_proxy(start_mirror, fresh_image):
    pushed = fresh_image("library/no-proxy")
    dead_proxy = f"http://127.0.0.1:{procs.free_port()}"
    m = start_mirror("noproxy", env={"HTTP_PROXY": dead_proxy, "NO_PROXY": "127.0.0.1,localhost"})
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out"), pushed.image)
