"""One regcache for several registries and every container runtime.

Three Debian docker-registry instances play the upstreams: the session's
token-auth registry is docker.io, two anonymous ones are registry.k8s.io and
ghcr.io. One regcache mirrors all three (regcache.upstreams, real names with
local remote URLs). `regcache client-config` writes the client configuration,
and real containerd, dockerd and podman pull with exactly those files, inside
the session's network namespace: a runtime that falls back to the real
registry fails at once instead of reaching the internet.
"""
import dataclasses
import glob
import hashlib
import json
import os
import subprocess

import pytest

from lib import containerd as containerd_mod, dockerd as dockerd_mod, mirror as mirror_mod
from lib import mkimg, podman as podman_mod, procs, skopeo, upstream as upstream_mod

MiB = mkimg.MiB
ISOLATED = "isolated network namespace"

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(),
                                reason="several upstreams in one process are regcache's")


@dataclasses.dataclass
class Image:
    registry: str   # as clients name it: docker.io, registry.k8s.io, ghcr.io
    repo: str       # the name within that registry
    tag: str
    image: mkimg.Image

    @property
    def ref(self):
        return f"{self.registry}/{self.repo}:{self.tag}"

    @property
    def digest(self):
        return self.image.digest


@dataclasses.dataclass
class Lab:
    mirror: mirror_mod.Mirror
    upstreams: dict      # client-side registry name -> upstream_mod.Upstream
    images: dict         # short name -> Image
    client_dir: str      # `regcache client-config --output` (containerd via ns)
    workdir: str


def client_config(mirror, out_dir, *extra):
    """Runs `regcache client-config` for the mirror's own config.yml; returns out_dir."""
    argv = [mirror_mod.regcache_binary(), "client-config", "--mirror", mirror.url,
            "--config", mirror.config_path, "--output", out_dir, *extra]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"{' '.join(argv)} failed ({p.returncode}):\n{p.stderr}"
    return out_dir


@pytest.fixture(scope="module")
def lab(session_dir, processes, token_server, upstream):
    if not os.path.exists(mirror_mod.regcache_binary()):
        pytest.fail(f"{mirror_mod.regcache_binary()} does not exist", pytrace=False)
    workdir = os.path.join(session_dir, "multi")
    os.makedirs(workdir, exist_ok=True)
    ups = {
        "docker.io": upstream,  # token auth, like Docker Hub
        "registry.k8s.io": upstream_mod.Upstream("k8s", workdir, processes, token_server,
                                                 auth=False).start(),
        "ghcr.io": upstream_mod.Upstream("ghcr", workdir, processes, token_server,
                                         auth=False).start(),
    }

    def push(key, registry, repo, tag, seed, sizes, multi=False):
        path = os.path.join(workdir, "images", key.replace("/", "_"))
        made = (mkimg.make_index(path, seed=seed, layer_sizes=sizes, tag=tag) if multi
                else mkimg.make_image(path, seed=seed, layer_sizes=sizes, tag=tag))
        target = repo if registry != "docker.io" or "/" in repo else f"library/{repo}"
        skopeo.push(made, ups[registry].host, target, tag)
        return key, Image(registry, target if registry == "docker.io" else repo, tag, made)

    images = dict([
        push("hub/app", "docker.io", "hubapp", "1", 4101, (MiB // 4,)),
        push("k8s/pause", "registry.k8s.io", "pause", "3.9", 4201, (MiB // 8,)),
        # Same seed, one layer fewer: the first layer is the same blob in both registries.
        push("k8s/base", "registry.k8s.io", "shared/base", "1", 4300, (MiB // 4, MiB // 8)),
        push("ghcr/base", "ghcr.io", "owner/base", "1", 4300, (MiB // 4,)),
        push("ghcr/app", "ghcr.io", "owner/app", "1", 4401, (MiB // 4,)),
        push("ghcr/multi", "ghcr.io", "owner/multi", "1", 4402, (MiB // 8,), multi=True),
        push("ghcr/secret", "ghcr.io", "owner/secret", "1", 4403, (MiB // 8,)),
        push("ghcr/tool", "ghcr.io", "owner/tool", "1", 4404, (MiB // 8,)),
    ])
    m = mirror_mod.Mirror("multi-mirror", workdir, processes, upstream.url, extra_config={
        "proxy": None,
        "regcache": {"upstreams": [
            {"name": "docker.io", "remoteurl": ups["docker.io"].url,
             "username": "labuser", "password": "labpass"},
            {"name": "registry.k8s.io", "remoteurl": ups["registry.k8s.io"].url,
             "aliases": ["k8s"]},
            {"name": "ghcr.io", "remoteurl": ups["ghcr.io"].url, "hosts": ["ghcr.mirror.test"]},
        ]},
    }).start()
    lab = Lab(m, ups, images, client_config(m, os.path.join(workdir, "client")), workdir)
    yield lab
    m.stop()
    for name in ("registry.k8s.io", "ghcr.io"):
        ups[name].stop()


def _errors(response):
    return response.json()["errors"]


def _sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _count(reqs, method, path):
    return sum(1 for r in reqs if r.method == method and r.path == path)


def _blob_files(mirror):
    return {os.path.basename(p) for p in glob.glob(
        os.path.join(mirror.root, "regcache", "v1", "blobs", "sha256", "*", "*"))}


# -- routing -------------------------------------------------------------------


def test_requests_are_routed_by_ns_path_prefix_host_and_default(lab):
    m, img = lab.mirror, lab.images
    accept = {"Accept": skopeo.manifest_media_types()}
    cases = [
        # (path, extra headers, image expected)
        ("/v2/owner/app/manifests/1?ns=ghcr.io", {}, img["ghcr/app"]),          # containerd
        ("/v2/ghcr.io/owner/app/manifests/1", {}, img["ghcr/app"]),             # path prefix
        ("/v2/ghcr.io/owner/app/manifests/1?ns=ghcr.io", {}, img["ghcr/app"]),  # override_path
        ("/v2/owner/app/manifests/1", {"Host": "ghcr.mirror.test"}, img["ghcr/app"]),
        ("/v2/pause/manifests/3.9?ns=registry.k8s.io", {}, img["k8s/pause"]),
        ("/v2/k8s/pause/manifests/3.9", {}, img["k8s/pause"]),                  # an alias
        ("/v2/library/hubapp/manifests/1", {}, img["hub/app"]),                 # default upstream
        ("/v2/hubapp/manifests/1", {}, img["hub/app"]),                         # library/ rule
        ("/v2/docker.io/hubapp/manifests/1", {}, img["hub/app"]),
        ("/v2/hubapp/manifests/1?ns=docker.io", {}, img["hub/app"]),
    ]
    for path, headers, expected in cases:
        r = m.get(path, headers={**accept, **headers})
        assert r.status_code == 200, f"{path} {headers}: {r.status_code} {r.text}"
        assert r.headers["Docker-Content-Digest"] == expected.digest, path
        assert _sha256(r.content) == expected.digest, path


def test_unconfigured_registry_is_refused_by_name_never_fetched_elsewhere(lab):
    m = lab.mirror
    marks = {name: up.mark() for name, up in lab.upstreams.items()}
    for path, registry in [("/v2/quay.io/owner/app/manifests/1", "quay.io"),
                           ("/v2/owner/app/manifests/1?ns=quay.io", "quay.io"),
                           ("/v2/owner/app/blobs/" + lab.images["ghcr/app"].image.layers[0]
                            + "?ns=quay.io", "quay.io"),
                           ("/v2/localhost:5000/owner/app/manifests/1", "localhost:5000")]:
        r = m.get(path)
        assert r.status_code == 404, f"{path}: {r.status_code} {r.text}"
        assert _errors(r)[0]["code"] == "NAME_UNKNOWN"
        assert _errors(r)[0]["message"] == f"registry {registry} is not mirrored here"
    r = m.get("/v2/ghcr.io/owner/app/manifests/1?ns=registry.k8s.io")
    assert r.status_code == 400 and _errors(r)[0]["code"] == "NAME_INVALID", r.text
    for name, up in lab.upstreams.items():
        asked = [q for q in up.requests_since(marks[name]) if "owner/app" in q.path]
        assert asked == [], f"{name} was asked for a registry it is not: {asked}"


# -- one cache -----------------------------------------------------------------


def test_layer_shared_by_two_upstreams_is_stored_and_fetched_once(lab):
    m, k8s_base, ghcr_base = lab.mirror, lab.images["k8s/base"], lab.images["ghcr/base"]
    shared = set(k8s_base.image.blobs) & set(ghcr_base.image.blobs)
    assert len(shared) == 1, "the two images must share exactly one layer"
    out = os.path.join(lab.workdir, "out-shared")

    skopeo.pull_and_verify(m.host, k8s_base.ref, out + "-k8s", k8s_base.image)
    before = _blob_files(m)
    assert {d.split(":")[1] for d in shared} <= before
    mark = lab.upstreams["ghcr.io"].mark()
    skopeo.pull_and_verify(m.host, ghcr_base.ref, out + "-ghcr", ghcr_base.image)

    fetched = {r.path.rsplit("/", 1)[1]
               for r in upstream_mod.blob_gets(lab.upstreams["ghcr.io"].requests_since(mark))}
    assert fetched == set(ghcr_base.image.blobs) - shared, \
        "the shared layer must come from the cache, the rest from ghcr.io"
    added = _blob_files(m) - before
    expected = {d.split(":")[1] for d in set(ghcr_base.image.blobs) - shared}
    expected.add(ghcr_base.digest.split(":")[1])  # its manifest
    assert added == expected, "one copy of the shared layer, whatever upstream it came from"


def test_blob_cached_for_one_repository_is_refused_to_another_upstreams(lab):
    m, secret = lab.mirror, lab.images["ghcr/secret"]
    skopeo.pull_and_verify(m.host, secret.ref, os.path.join(lab.workdir, "out-secret"),
                           secret.image)
    layer = secret.image.layers[0]
    layer_bytes = secret.image.blob_bytes(layer)
    k8s, hub = lab.upstreams["registry.k8s.io"], lab.upstreams["docker.io"]
    marks = {"k8s": k8s.mark(), "hub": hub.mark()}
    for path in [f"/v2/registry.k8s.io/pause/blobs/{layer}",
                 f"/v2/pause/blobs/{layer}?ns=registry.k8s.io",
                 f"/v2/library/hubapp/blobs/{layer}",
                 f"/v2/ghcr.io/owner/app/blobs/{layer}"]:
        r = m.get(path)
        assert r.status_code == 404, f"{path}: {r.status_code}"
        assert _errors(r)[0]["code"] == "BLOB_UNKNOWN", path
        assert layer_bytes[:64] not in r.content
    k8s_asked = k8s.requests_since(marks["k8s"])
    assert _count(k8s_asked, "HEAD", f"/v2/pause/blobs/{layer}") >= 1, \
        "registry.k8s.io was asked whether its repository has the blob"
    assert upstream_mod.blob_gets(k8s_asked) == []
    assert _count(hub.requests_since(marks["hub"]), "HEAD",
                  f"/v2/library/hubapp/blobs/{layer}") >= 1

    r = m.get(f"/v2/ghcr.io/owner/secret/blobs/{layer}")
    assert r.status_code == 200 and r.content == layer_bytes, "its own repository still gets it"


# -- runtimes with the files `regcache client-config` wrote ---------------------


@pytest.fixture(scope="module")
def runtimes_isolated(request):
    if request.config.e2e_isolation != ISOLATED:
        pytest.skip("container runtimes need root and an isolated network namespace (they fall "
                    "back to the real registries when a mirror fails); run scripts/test.sh as root")


@pytest.fixture(scope="module")
def ctrd(lab, processes, runtimes_isolated):
    daemon = containerd_mod.Containerd(lab.workdir, processes)
    try:
        daemon.start()
    except (RuntimeError, TimeoutError) as e:
        daemon.stop()
        pytest.skip(f"containerd cannot start on this machine: {e}")
    yield daemon
    daemon.stop()


class NewRequests:
    """Access-log entries the mirror gets for (method, path) after this point."""

    def __init__(self, mirror, method, path):
        self.mirror, self.method, self.path = mirror, method, path
        self.before = len(mirror.access_entries(method, path))

    def wait(self):
        return self.mirror.wait_access_entries(self.method, self.path, self.before + 1)[self.before:]


def test_containerd_pulls_each_registry_through_the_mirror_with_ns(lab, ctrd):
    hosts = os.path.join(lab.client_dir, "containerd", "certs.d")
    assert sorted(os.listdir(hosts)) == ["docker.io", "ghcr.io", "registry.k8s.io"]
    for key in ("hub/app", "k8s/pause", "ghcr/app"):
        image = lab.images[key]
        seen = NewRequests(lab.mirror, "HEAD",
                           f"/v2/{image.repo}/manifests/{image.tag}?ns={image.registry}")
        ctrd.pull(image.ref, hosts)
        assert ctrd.image_digest(image.ref) == image.digest
        assert seen.wait()[0]["status"] == "200"


def test_containerd_with_override_path_sends_the_registry_in_the_path(lab, ctrd):
    out = client_config(lab.mirror, os.path.join(lab.workdir, "client-override"),
                        "--containerd-override-path", "--runtime", "containerd")
    with open(os.path.join(out, "containerd", "certs.d", "ghcr.io", "hosts.toml")) as f:
        assert "override_path = true" in f.read()
    tool = lab.images["ghcr/tool"]
    seen = NewRequests(lab.mirror, "HEAD", "/v2/ghcr.io/owner/tool/manifests/1?ns=ghcr.io")
    ctrd.pull(tool.ref, os.path.join(out, "containerd", "certs.d"))
    assert ctrd.image_digest(tool.ref) == tool.digest
    assert seen.wait()[0]["status"] == "200"


def test_containerd_pulls_a_multi_arch_index_for_two_platforms(lab, ctrd):
    multi = lab.images["ghcr/multi"]
    hosts = os.path.join(lab.client_dir, "containerd", "certs.d")
    children = [NewRequests(lab.mirror, "GET", f"/v2/owner/multi/manifests/{child}?ns=ghcr.io")
                for child in multi.image.platforms.values()]
    ctrd.pull(multi.ref, hosts, platform="linux/amd64")
    ctrd.pull(multi.ref, hosts, platform="linux/arm64/v8")
    assert ctrd.image_digest(multi.ref) == multi.digest
    content = ctrd.content_digests()
    missing = (set(multi.image.manifests) | set(multi.image.blobs)) - content
    assert not missing, f"both platforms' manifests and blobs must be in containerd: {missing}"
    for seen in children:
        assert seen.wait()[0]["status"] == "200"


def test_docker_pulls_hub_via_registry_mirrors_and_others_by_path_prefix(lab, processes,
                                                                          runtimes_isolated):
    with open(os.path.join(lab.client_dir, "docker", "daemon.json")) as f:
        generated = json.load(f)
    assert generated == {"registry-mirrors": [lab.mirror.url],
                         "insecure-registries": [lab.mirror.host]}
    d = dockerd_mod.Dockerd(lab.workdir, processes, lab.mirror.host, name="docker-multi",
                            daemon_json=generated)
    try:
        d.start()
    except (RuntimeError, TimeoutError) as e:
        d.stop()
        pytest.skip(f"dockerd cannot start on this machine: {e}")
    try:
        hub, app = lab.images["hub/app"], lab.images["ghcr/app"]
        seen = NewRequests(lab.mirror, "HEAD", "/v2/library/hubapp/manifests/1")
        d.docker("pull", "hubapp:1")
        digests = json.loads(d.docker("image", "inspect", "--format", "{{json .RepoDigests}}",
                                      "hubapp:1").stdout)
        assert any(rd.endswith("@" + hub.digest) for rd in digests), digests
        assert seen.wait()[0]["status"] == "200", "Docker Hub through registry-mirrors"

        by_prefix = f"{lab.mirror.host}/ghcr.io/owner/app:1"
        seen = NewRequests(lab.mirror, "HEAD", "/v2/ghcr.io/owner/app/manifests/1")
        d.docker("pull", by_prefix)
        digests = json.loads(d.docker("image", "inspect", "--format", "{{json .RepoDigests}}",
                                      by_prefix).stdout)
        assert any(rd.endswith("@" + app.digest) for rd in digests), digests
        assert seen.wait()[0]["status"] == "200"
    finally:
        d.stop()


def test_podman_pulls_each_registry_with_the_generated_registries_conf(lab, runtimes_isolated):
    if not os.path.exists("/usr/bin/podman"):
        pytest.skip("podman is not installed (scripts/install-deps.sh --test)")
    conf = os.path.join(lab.client_dir, "containers", "registries.conf.d", "50-regcache.conf")
    p = podman_mod.Podman(lab.workdir, conf)
    for key in ("hub/app", "k8s/pause", "ghcr/app"):
        image = lab.images[key]
        seen = NewRequests(lab.mirror, "GET",
                           f"/v2/{image.registry}/{image.repo}/manifests/{image.tag}")
        p.podman("pull", image.ref)
        assert p.image_digest(image.ref) == image.digest
        assert seen.wait()[0]["status"] == "200"
