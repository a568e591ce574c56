"""The container deployment path: Dockerfile, Plan A compose, docker pull through it.

Slow (image build, compose), so only scripts/test-deploy.sh runs it (it sets
REGCACHE_DEPLOY_TESTS=1 and REGCACHE_DEPLOY_BASE_TAR, a debootstrapped Debian 12
root with the runtime packages). A real dockerd runs in the session's loopback-only
network namespace (conftest.py): `docker build --network none` and containers with no
network except the host (namespace) network the test gives them.
"""
import json
import os
import re

import pytest

from lib import compose as compose_mod, upstream as up

pytestmark = pytest.mark.skipif(
    not os.environ.get("REGCACHE_DEPLOY_TESTS"),
    reason="container deployment tests: run scripts/test-deploy.sh")


def _inspect(docker, ref):
    return json.loads(docker.docker("image", "inspect", ref).stdout)[0]


def test_image_layout_matches_registry2(docker, image):
    config = _inspect(docker, image)["Config"]
    assert config["User"] == "regcache:regcache"
    assert "5000/tcp" in config["ExposedPorts"]
    assert "/var/lib/registry" in config["Volumes"]
    assert config["Healthcheck"]["Test"] == ["CMD", "/usr/local/bin/regcache-healthcheck"]
    assert config["Cmd"] == ["serve", "/etc/docker/registry/config.yml"]
    assert config["Labels"]["org.opencontainers.image.revision"] == "deadbee"
    p = docker.docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
                      "id -u; stat -c %U /var/lib/registry; test -r /etc/docker/registry/config.yml"
                      " && echo config-ok; ls /usr/include 2>/dev/null | wc -l")
    uid, owner, config_ok, headers = p.stdout.split()
    assert (uid, owner, config_ok) == ("10001", "regcache", "config-ok")
    assert headers == "0", "the final image must not carry build packages"


def test_image_runs_version(docker, image):
    p = docker.docker("run", "--rm", "--network", "none", image, "--version")
    assert re.match(r"regcache \d+\.\d+\.\d+ \(commit \w+, built [\d-]+\)", p.stdout.strip()), \
        p.stdout


@pytest.fixture(scope="module")
def plan_a(docker, image, upstream, session_dir):
    """deploy/compose as an operator uses it: .env from .env.example, config.yml mounted.

    One change: the upstream and its token realm listen on the namespace's 127.0.0.1,
    which a bridge network cannot reach, so the test copy of plan-a.yml runs the service
    with `network_mode: host` instead of publishing a port (compose refuses both), on a
    free port, with a fast health interval."""
    project = compose_mod.project(os.path.join(session_dir, "compose-a"), {
        "REGCACHE_IMAGE": image, "REGISTRY_PROXY_REMOTEURL": upstream.url,
        "REGISTRY_PROXY_USERNAME": "labuser", "REGISTRY_PROXY_PASSWORD": "labpass"})
    compose = compose_mod.load(project, "plan-a.yml")
    service = compose["services"]["regcache"]
    assert service.pop("ports") == ["${REGCACHE_PORT:-5000}:5000"]
    service["network_mode"] = "host"
    service["environment"]["REGISTRY_HTTP_ADDR"] = f"127.0.0.1:{docker.ports['plan_a']}"
    service["healthcheck"] = {"interval": "1s", "start_period": "1s"}
    compose_mod.dump(project, "plan-a.test.yml", compose)
    docker.set_mirrors([f"http://127.0.0.1:{docker.ports['plan_a']}"])
    c = compose_mod.Compose(docker, project, "plan-a.test.yml", "regcacheplana")
    c.run("up", "-d")
    try:
        c.wait_healthy()
        yield c
    finally:
        c.down(os.path.join(session_dir, "compose-plan-a.log"))


def test_plan_a_docker_pull_through_container(docker, plan_a, upstream, fresh_image):
    pushed = fresh_image("library/deploypull", "1")
    mark = upstream.mark()
    docker.docker("pull", "deploypull:1")
    digests = json.loads(docker.docker("image", "inspect", "--format", "{{json .RepoDigests}}",
                                       "deploypull:1").stdout)
    assert any(d.endswith("@" + pushed.digest) for d in digests)
    fetched = {r.path.rsplit("/", 1)[1]
               for r in up.blob_gets(upstream.requests_since(mark), pushed.repo)}
    assert fetched == set(pushed.image.blobs), "the image must have come through the container"

    # The cache lives in the named volume: a recreated container serves it without upstream blobs.
    plan_a.run("up", "-d", "--force-recreate")
    plan_a.wait_healthy()
    docker.docker("rmi", "deploypull:1")
    mark = upstream.mark()
    docker.docker("pull", "deploypull:1")
    assert not up.blob_gets(upstream.requests_since(mark), pushed.repo)
    uid = plan_a.run("exec", "-T", "regcache", "id", "-u").stdout.strip()
    assert uid == "10001"

