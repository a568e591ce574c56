"""Shared by the container deployment tests (run by scripts/test-deploy.sh only).

One dockerd for the session, in the session's loopback-only network namespace. It
knows every mirror the tests start: Plan A's plain-HTTP regcache on 127.0.0.1
(insecure-registries), and Plan B's TLS endpoints (nginx, regcache's own TLS) by the
name mirror.lab, which resolves to ::1 in the daemon's /etc/hosts (Docker skips TLS
verification for 127.0.0.0/8) and whose certificate the daemon verifies with the
test CA from /etc/docker/certs.d. Each test points registry-mirrors at its mirror.
"""
import os
import shutil
import subprocess

import pytest

from lib import dockerd as dockerd_mod, mirror as mirror_mod, pki as pki_mod, procs

IMAGE = "regcache:deploytest"
BASE = "regcache-test-base:bookworm"
NGINX_IMAGE = "regcache-test-nginx:bookworm"
MIRROR_NAME = "mirror.lab"
VERSION_ARGS = {"REGCACHE_VERSION": "0.1.0", "REGCACHE_COMMIT": "deadbee",
                "REGCACHE_BUILD_DATE": "2026-11-27"}


@pytest.fixture(scope="session")
def deploy_pki(session_dir):
    return pki_mod.Pki(os.path.join(session_dir, "pki-deploy"))


@pytest.fixture(scope="session")
def docker(request, session_dir, processes, deploy_pki):
    if request.config.e2e_isolation != "isolated network namespace":
        pytest.fail("dockerd needs root and an isolated network namespace", pytrace=False)
    ports = {"plan_a": procs.free_port(), "nginx": procs.free_port(),
             "builtin_tls": procs.free_port()}
    plain = f"127.0.0.1:{ports['plan_a']}"
    d = dockerd_mod.Dockerd(
        session_dir, processes, storage_driver="overlay2",
        daemon_json={"registry-mirrors": [f"http://{plain}"], "insecure-registries": [plain]},
        hosts={MIRROR_NAME: "::1"},
        ca_certs={f"{MIRROR_NAME}:{ports[k]}": deploy_pki.ca_cert
                  for k in ("nginx", "builtin_tls")},
        root_tmpfs=True)
    d.start()
    d.ports = ports
    d.mirror_name = MIRROR_NAME
    yield d
    d.stop()


def _import(docker, tar_variable, ref, *changes):
    with open(os.environ[tar_variable], "rb") as f:
        argv = ["/usr/bin/docker", "import"]
        for change in changes:
            argv += ["--change", change]
        p = subprocess.run([*argv, "-", ref], stdin=f, env=docker.env, capture_output=True,
                           text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return ref


@pytest.fixture(scope="session")
def image(docker, session_dir):
    """Imports the debootstrapped base and builds the Dockerfile with no network.

    PREBUILT=prebuilt/regcache: the host-built binary replaces the in-container compile
    (which needs the build packages and several minutes on 2 cores); the final stage is
    the production one."""
    _import(docker, "REGCACHE_DEPLOY_BASE_TAR", BASE)
    context = os.path.join(session_dir, "build-context")
    shutil.rmtree(context, ignore_errors=True)
    os.makedirs(os.path.join(context, "prebuilt"))
    for name in ("Dockerfile", ".dockerignore"):
        shutil.copy(os.path.join(mirror_mod.REPO_ROOT, name), context)
    shutil.copytree(os.path.join(mirror_mod.REPO_ROOT, "deploy"), os.path.join(context, "deploy"))
    shutil.copy(mirror_mod.regcache_binary(), os.path.join(context, "prebuilt", "regcache"))
    args = {"BASE_IMAGE": BASE, "PREBUILT": "prebuilt/regcache", **VERSION_ARGS}
    argv = ["build", "--network", "none", "-t", IMAGE]
    for k, v in args.items():
        argv += ["--build-arg", f"{k}={v}"]
    docker.docker(*argv, context, timeout=600)
    return IMAGE


@pytest.fixture(scope="session")
def nginx_image(docker):
    """Stands in for the official nginx image Plan B names (none offline): Debian's nginx
    in a debootstrapped root (scripts/test-deploy.sh), with the official image's CMD."""
    return _import(docker, "REGCACHE_DEPLOY_NGINX_TAR", NGINX_IMAGE,
                   'CMD ["nginx", "-g", "daemon off;"]')
