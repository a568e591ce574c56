"""The container deployment path: Dockerfile, Plan A compose, docker pull through it.

Slow (image build, compose), so only scripts/test-deploy.sh runs it (it sets
REGCACHE_DEPLOY_TESTS=1 and REGCACHE_DEPLOY_BASE_TAR, a debootstrapped Debian 12
root with the runtime packages). A real dockerd runs in the session's loopback-only
network namespace: `docker build --network none` and containers with no network
except the host (namespace) network the test gives them.

The image is built from the repository's Dockerfile with PREBUILT=prebuilt/regcache:
the host-built binary replaces the in-container compile (which needs the build
packages and several minutes on 2 cores); the final stage is the production one.
"""
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from lib import dockerd as dockerd_mod, mirror as mirror_mod, procs, upstream as up

pytestmark = pytest.mark.skipif(
    not os.environ.get("REGCACHE_DEPLOY_TESTS"),
    reason="container deployment tests: run scripts/test-deploy.sh")

REPO = mirror_mod.REPO_ROOT
IMAGE = "regcache:deploytest"
BASE = "regcache-test-base:bookworm"
VERSION_ARGS = {"REGCACHE_VERSION": "0.1.0", "REGCACHE_COMMIT": "deadbee",
                "REGCACHE_BUILD_DATE": "2026-11-27"}


@pytest.fixture(scope="module")
def docker(request, session_dir, processes):
    if request.config.e2e_isolation != "isolated network namespace":
        pytest.fail("dockerd needs root and an isolated network namespace", pytrace=False)
    port = procs.free_port()
    d = dockerd_mod.Dockerd(session_dir, processes, f"127.0.0.1:{port}",
                            storage_driver="overlay2")
    d.start()
    d.mirror_port = port
    yield d
    d.stop()


@pytest.fixture(scope="module")
def image(docker, session_dir):
    """Imports the debootstrapped base and builds the Dockerfile with no network."""
    base_tar = os.environ["REGCACHE_DEPLOY_BASE_TAR"]
    with open(base_tar, "rb") as f:
        p = subprocess.run(["/usr/bin/docker", "import", "-", BASE], stdin=f, env=docker.env,
                           capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    context = os.path.join(session_dir, "build-context")
    shutil.rmtree(context, ignore_errors=True)
    os.makedirs(os.path.join(context, "prebuilt"))
    for name in ("Dockerfile", ".dockerignore"):
        shutil.copy(os.path.join(REPO, name), context)
    shutil.copytree(os.path.join(REPO, "deploy"), os.path.join(context, "deploy"))
    shutil.copy(mirror_mod.regcache_binary(), os.path.join(context, "prebuilt", "regcache"))
    args = {"BASE_IMAGE": BASE, "PREBUILT": "prebuilt/regcache", **VERSION_ARGS}
    argv = ["build", "--network", "none", "-t", IMAGE]
    for k, v in args.items():
        argv += ["--build-arg", f"{k}={v}"]
    docker.docker(*argv, context, timeout=600)
    return IMAGE


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


def _compose(docker, project_dir, *args, timeout=180):
    p = subprocess.run(["docker-compose", "-f", "plan-a.test.yml",
                        "-p", "regcachedeploy", *args], cwd=project_dir, env=docker.env,
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"docker-compose {' '.join(args)}:\n{p.stdout}\n{p.stderr}"
    return p


def _wait_healthy(docker, project_dir):
    cid = _compose(docker, project_dir, "ps", "-q", "regcache").stdout.strip()
    assert cid

    def healthy():
        state = json.loads(docker.docker("inspect", "--format", "{{json .State}}", cid).stdout)
        assert state["Status"] == "running", f"container stopped: {state}"
        return state.get("Health", {}).get("Status") == "healthy"
    procs.wait_for(healthy, timeout=60, what="regcache container healthy", interval=0.5)
    return cid


@pytest.fixture(scope="module")
def plan_a(docker, image, upstream, session_dir):
    """deploy/compose as an operator uses it: .env from .env.example, config.yml mounted.

    One change: the upstream and its token realm listen on the namespace's 127.0.0.1,
    which a bridge network cannot reach, so the test copy of plan-a.yml runs the service
    with `network_mode: host` instead of publishing a port (compose refuses both), on a
    free port, with a fast health interval."""
    project = os.path.join(session_dir, "compose")
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(os.path.join(REPO, "deploy", "compose"), project)
    env = {"REGCACHE_IMAGE": IMAGE, "REGISTRY_PROXY_REMOTEURL": upstream.url,
           "REGISTRY_PROXY_USERNAME": "labuser", "REGISTRY_PROXY_PASSWORD": "labpass"}
    lines = []
    with open(os.path.join(project, ".env.example")) as f:
        for line in f:
            key = line.split("=", 1)[0]
            lines.append(f"{key}={env.pop(key)}\n" if key in env else line)
    assert not env, f".env.example lacks {sorted(env)}"
    with open(os.path.join(project, ".env"), "w") as f:
        f.writelines(lines)
    with open(os.path.join(project, "plan-a.yml")) as f:
        compose = yaml.safe_load(f)
    service = compose["services"]["regcache"]
    assert service.pop("ports") == ["${REGCACHE_PORT:-5000}:5000"]
    service["network_mode"] = "host"
    service["environment"]["REGISTRY_HTTP_ADDR"] = f"127.0.0.1:{docker.mirror_port}"
    service["healthcheck"] = {"interval": "1s", "start_period": "1s"}
    with open(os.path.join(project, "plan-a.test.yml"), "w") as f:
        yaml.safe_dump(compose, f)
    _compose(docker, project, "up", "-d")
    try:
        _wait_healthy(docker, project)
        yield project
    finally:
        logs = _compose(docker, project, "logs", "--no-color").stdout
        with open(os.path.join(session_dir, "compose-regcache.log"), "w") as f:
            f.write(logs)
        _compose(docker, project, "down", "-v")


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
    _compose(docker, plan_a, "up", "-d", "--force-recreate")
    _wait_healthy(docker, plan_a)
    docker.docker("rmi", "deploypull:1")
    mark = upstream.mark()
    docker.docker("pull", "deploypull:1")
    assert not up.blob_gets(upstream.requests_since(mark), pushed.repo)
    uid = _compose(docker, plan_a, "exec", "-T", "regcache", "id", "-u").stdout.strip()
    assert uid == "10001"


def test_plan_b_compose_file_is_valid(docker, tmp_path):
    project = tmp_path / "compose"
    shutil.copytree(os.path.join(REPO, "deploy", "compose"), project)
    shutil.copy(project / ".env.example", project / ".env")
    p = subprocess.run(["docker-compose", "-f", "plan-b.yml", "config"], cwd=project,
                       env=docker.env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "nginx.conf:/etc/nginx/conf.d/default.conf:ro" in p.stdout
