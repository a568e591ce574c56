"""A real Docker daemon with `registry-mirrors` pointing at the mirror."""
import json
import os

import pytest

from lib import dockerd as dockerd_mod, mirror as mirror_mod, upstream as up


@pytest.fixture(scope="module")
def docker_env(request, session_dir, processes, upstream, images):
    if request.config.e2e_isolation != "isolated network namespace":
        pytest.skip("dockerd needs root and an isolated network namespace (it falls back to "
                    "registry-1.docker.io when a mirror fails); run scripts/test.sh as root")
    if mirror_mod.is_regcache() and not os.path.exists(mirror_mod.regcache_binary()):
        pytest.fail(f"{mirror_mod.regcache_binary()} does not exist", pytrace=False)
    m = mirror_mod.Mirror("docker-mirror", session_dir, processes, upstream.url,
                          username="labuser", password="labpass").start()
    d = dockerd_mod.Dockerd(session_dir, processes, m.host)
    try:
        d.start()
    except (RuntimeError, TimeoutError) as e:
        d.stop()
        pytest.skip(f"dockerd cannot start on this machine: {e}")
    yield m, d
    d.stop()
    m.stop()


def _repo_digests(d, ref):
    out = d.docker("image", "inspect", "--format", "{{json .RepoDigests}}", ref).stdout
    return json.loads(out)


def test_docker_info_shows_mirror(docker_env):
    m, d = docker_env
    info = d.docker("info", "--format", "{{json .RegistryConfig.Mirrors}}").stdout
    assert f"http://{m.host}/" in json.loads(info)


def test_docker_pull_through_mirror(docker_env, upstream, fresh_image):
    m, d = docker_env
    pushed = fresh_image("library/dockerpull", "1")
    mark = upstream.mark()
    d.docker("pull", "dockerpull:1")
    assert any(rd.endswith("@" + pushed.digest) for rd in _repo_digests(d, "dockerpull:1"))
    fetched = {r.path.rsplit("/", 1)[1] for r in up.blob_gets(upstream.requests_since(mark),
                                                              pushed.repo)}
    assert fetched == set(pushed.image.blobs), "the image must have come through the mirror"


def test_docker_pull_multi_arch_index(docker_env, images):
    m, d = docker_env
    pushed = images["multi"]
    d.docker("pull", "multi:latest")
    assert any(rd.endswith("@" + pushed.digest) for rd in _repo_digests(d, "multi:latest"))
    arch = d.docker("image", "inspect", "--format", "{{.Architecture}}", "multi:latest").stdout
    assert arch.strip() == "amd64"


def test_docker_run_image_pulled_through_mirror(docker_env, images):
    if "busybox" not in images:
        pytest.skip("busybox-static is not installed (scripts/install-deps.sh --test)")
    m, d = docker_env
    p = d.docker("run", "--rm", "--network", "none", "busybox:latest",
                 "sh", "-c", "echo hello-from-$((6*7))")
    assert p.stdout.strip() == "hello-from-42"
