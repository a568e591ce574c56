"""Session fixtures for regcache's end-to-end tests.

One session = one tmp dir, one token server, one token-auth upstream registry
with generated images pushed, and the mirrors the tests start. All daemons are
stopped at the end, also after failures; the tmp dir is kept when a test failed
(or with E2E_KEEP_TMP=1) so its logs can be read.

Environment:
  E2E_MIRROR=registry2   run against Debian's docker-registry in proxy mode
                         (a stand-in while regcache is young; some tests must fail)
  REGCACHE_BIN=PATH      the regcache binary (default: build/regcache)
  E2E_KEEP_TMP=1         keep the session tmp dir
"""
import dataclasses
import itertools
import os
import shutil
import tempfile

import pytest

from lib import mirror as mirror_mod
from lib import mkimg, netns, procs, s3lab, skopeo, tokenserver, upstream as upstream_mod

MiB = mkimg.MiB
BUSYBOX = "/bin/busybox"


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy",
                   "https_proxy", "no_proxy", "all_proxy")


def pytest_configure(config):
    # Loopback traffic must not go through a proxy from the caller's environment;
    # the egress tests set HTTP_PROXY explicitly on the mirror they start.
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    # Before any thread or daemon exists: everything started later inherits it.
    config.e2e_isolation = "isolated network namespace"
    if netns.isolated():
        netns.loopback_up()
    elif os.geteuid() == 0:
        netns.enter_private()
    else:
        config.e2e_isolation = "host network (not root: no private network namespace)"


def pytest_report_header(config):
    return [f"e2e mirror: {mirror_mod.KIND} "
            f"({mirror_mod.regcache_binary() if mirror_mod.is_regcache() else 'docker-registry'})",
            f"e2e network: {config.e2e_isolation}"]


@dataclasses.dataclass
class Pushed:
    """A generated image as pushed to the upstream."""
    repo: str
    tag: str
    image: mkimg.Image

    @property
    def ref(self):
        return f"{self.repo}:{self.tag}"

    @property
    def digest(self):
        return self.image.digest

    @property
    def digest_ref(self):
        return f"{self.repo}@{self.image.digest}"


@pytest.fixture(scope="session")
def session_dir(request):
    path = tempfile.mkdtemp(prefix="regcache-e2e-", dir="/tmp")
    os.chmod(path, 0o755)  # daemons that drop privileges (squid) must reach their dirs
    yield path
    failed = request.session.testsfailed
    if failed or os.environ.get("E2E_KEEP_TMP"):
        print(f"\ne2e: logs and data kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def processes():
    group = procs.Processes()
    yield group
    errors = group.stop_all()
    assert not errors, f"stopping daemons: {errors}"


@pytest.fixture(scope="session")
def token_server(session_dir):
    server = tokenserver.TokenServer(os.path.join(session_dir, "token"),
                                     users={"labuser": "labpass"},
                                     private_prefixes=("private/",)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def upstream(session_dir, processes, token_server):
    """The token-auth upstream registry (like Docker Hub) all mirrors pull from."""
    return upstream_mod.Upstream("upstream", session_dir, processes, token_server).start()


class ImageFactory:
    """Generates images with unique seeds and pushes them to the upstream."""

    def __init__(self, directory, upstream):
        self.directory = directory
        self.upstream = upstream
        self._seeds = itertools.count(1000)

    def push(self, repo, tag="1", *, layer_sizes=(MiB // 2, MiB // 4), fmt="oci", multi=False,
             busybox=None, seed=None):
        seed = next(self._seeds) if seed is None else seed
        path = os.path.join(self.directory, f"{repo.replace('/', '_')}-{tag}-{seed}")
        if multi:
            image = mkimg.make_index(path, seed=seed, layer_sizes=layer_sizes, tag=tag)
        else:
            image = mkimg.make_image(path, seed=seed, layer_sizes=layer_sizes, fmt=fmt, tag=tag,
                                     busybox=busybox)
        skopeo.push(image, self.upstream.host, repo, tag)
        return Pushed(repo, tag, image)


@pytest.fixture(scope="session")
def s3(session_dir):
    """A Ceph RGW (S3) on loopback ports from the OS, shared by the session's S3 tests."""
    if not mirror_mod.is_regcache():
        pytest.skip("regcache's S3 layout; registry:2 is compared on the filesystem only")
    values = s3lab.start_ceph(os.path.join(session_dir, "ceph"))
    yield values
    s3lab.stop_ceph(values)


@pytest.fixture(scope="session")
def image_factory(session_dir, upstream):
    return ImageFactory(os.path.join(session_dir, "images"), upstream)


@pytest.fixture(scope="session")
def images(image_factory):
    """The standard catalog in the upstream (fixed seeds: same digests every run)."""
    push = image_factory.push
    catalog = {
        "oci": push("library/alpine", "3.20", seed=1, layer_sizes=(MiB, 2 * MiB, MiB // 2)),
        "v2s2": push("library/alpine", "3.20-v2s2", seed=3, fmt="v2s2",
                     layer_sizes=(MiB, 2 * MiB, MiB // 2)),
        "multi": push("library/multi", "latest", seed=2, multi=True,
                      layer_sizes=(MiB, MiB // 2)),
        "private": push("private/app", "1", seed=6, layer_sizes=(MiB // 4,)),
        "big": push("library/big", "1", seed=5, layer_sizes=(48 * MiB,)),
    }
    if os.path.exists(BUSYBOX):
        catalog["busybox"] = push("library/busybox", "latest", seed=4, busybox=BUSYBOX,
                                  layer_sizes=())
    return catalog


@pytest.fixture(scope="session")
def fresh_image(image_factory):
    """fresh_image(repo, **kw): a new image nobody pulled yet (cold-path tests)."""
    return image_factory.push


class MirrorFactory:
    def __init__(self, session_dir, processes, upstream):
        self.session_dir = session_dir
        self.processes = processes
        self.upstream = upstream
        self._ids = itertools.count(1)
        self.started = []

    def __call__(self, name="mirror", *, remote_url=None, username="labuser",
                 password="labpass", tag_revalidate="0s", extra_config=None, env=None,
                 root=None, start=True, listen_host=None, tls_ca=None):
        if mirror_mod.is_regcache() and not os.path.exists(mirror_mod.regcache_binary()):
            pytest.fail(f"{mirror_mod.regcache_binary()} does not exist: build it "
                        "(scripts/build.sh) or set REGCACHE_BIN", pytrace=False)
        m = mirror_mod.Mirror(f"{name}-{next(self._ids)}", self.session_dir, self.processes,
                              remote_url or self.upstream.url, username=username,
                              password=password, tag_revalidate=tag_revalidate,
                              extra_config=extra_config, env=env, root=root,
                              listen_host=listen_host, tls_ca=tls_ca)
        self.started.append(m)
        return m.start() if start else m

    def stop_all(self):
        for m in self.started:
            m.stop()


@pytest.fixture
def start_mirror(session_dir, processes, upstream):
    """start_mirror(name, **config) -> a started Mirror with its own storage; stopped after the test."""
    factory = MirrorFactory(session_dir, processes, upstream)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def mirror(session_dir, processes, upstream, images):
    """A shared mirror with upstream credentials and extra http.headers, for read-only tests."""
    factory = MirrorFactory(session_dir, processes, upstream)
    m = factory("shared", extra_config={"http": {"headers": {
        "X-Content-Type-Options": ["nosniff"], "X-E2e-Marker": ["regcache-e2e"]}}})
    yield m
    factory.stop_all()
