"""Plan B live: `docker pull` over https through deploy/compose/plan-b.yml (nginx with
TLS in front of regcache) and plan-b-tls.yml (regcache's own TLS), with a certificate
from a CA the test creates and the test dockerd trusting that CA (conftest.py); and a
renewed certificate served after `nginx -s reload` or a SIGHUP to regcache's container.

As for Plan A, the upstream listens on the namespace's loopback, which a bridge network
cannot reach, so the test copies run the services with `network_mode: host` on free
ports instead of publishing/exposing ports; for plan-b.yml that also means nginx.conf's
`server regcache:5000` and `listen 443` name those ports, and regcache trusts nginx's
X-Forwarded-For from 127.0.0.1 instead of the compose network. Everything else (TLS,
proxy headers, buffering, the image, .env) is the shipped files.
"""
import json
import os
import re

import pytest
import requests

from lib import compose as compose_mod, pki as pki_mod, procs, upstream as up

pytestmark = pytest.mark.skipif(
    not os.environ.get("REGCACHE_DEPLOY_TESTS"),
    reason="container deployment tests: run scripts/test-deploy.sh")


def _project(directory, image, upstream, deploy_pki, **env):
    project = compose_mod.project(directory, {
        "REGCACHE_IMAGE": image, "REGISTRY_PROXY_REMOTEURL": upstream.url,
        "REGISTRY_PROXY_USERNAME": "labuser", "REGISTRY_PROXY_PASSWORD": "labpass", **env})
    certs = os.path.join(project, "certs")
    os.makedirs(certs)
    deploy_pki.issue(os.path.basename(directory), cert_path=os.path.join(certs, "tls.crt"),
                     key_path=os.path.join(certs, "tls.key"))
    return project


def _wait_https(c, service, port, ca):
    """Until GET https://[::1]:port/v2/ answers 200 with a certificate `ca` verifies."""
    def answers():
        state = c.state(service)
        assert state["Status"] == "running", f"{service} stopped: {state}\n{c.logs(service)}"
        try:
            return requests.get(f"https://[::1]:{port}/v2/", verify=ca, timeout=5).status_code \
                == 200
        except requests.ConnectionError:
            return False
    procs.wait_for(answers, timeout=60, what=f"{service} answering https on [::1]:{port}",
                   interval=0.2)


@pytest.fixture(scope="module")
def plan_b(docker, image, nginx_image, upstream, deploy_pki, session_dir):
    project = _project(os.path.join(session_dir, "compose-b"), image, upstream, deploy_pki,
                       NGINX_IMAGE=nginx_image)
    regcache_port, nginx_port = procs.free_port(), docker.ports["nginx"]
    compose = compose_mod.load(project, "plan-b.yml")
    regcache, nginx = compose["services"]["regcache"], compose["services"]["nginx"]
    assert regcache.pop("expose") == ["5000"]
    assert nginx.pop("ports") == ["${REGCACHE_TLS_PORT:-443}:443"]
    regcache["network_mode"] = nginx["network_mode"] = "host"
    regcache["environment"].update({"REGISTRY_HTTP_ADDR": f"127.0.0.1:{regcache_port}",
                                    "REGCACHE_TRUSTED_PROXIES": "127.0.0.1"})
    regcache["healthcheck"] = {"interval": "1s", "start_period": "1s"}
    compose_mod.dump(project, "plan-b.test.yml", compose)
    compose_mod.rewrite(os.path.join(project, "nginx.conf"), {
        "server regcache:5000;": f"server 127.0.0.1:{regcache_port};",
        "listen 443 ssl http2;": f"listen [::1]:{nginx_port} ssl http2;"})
    c = compose_mod.Compose(docker, project, "plan-b.test.yml", "regcacheplanb")
    c.run("up", "-d")
    try:
        c.wait_healthy()
        _wait_https(c, "nginx", nginx_port, deploy_pki.ca_cert)
        docker.set_mirrors([f"https://{docker.mirror_name}:{nginx_port}"])
        yield c
    finally:
        c.down(os.path.join(session_dir, "compose-plan-b.log"))


@pytest.fixture(scope="module")
def plan_b_tls(docker, image, upstream, deploy_pki, session_dir):
    project = _project(os.path.join(session_dir, "compose-b-tls"), image, upstream, deploy_pki)
    # The container's uid 10001 reads the key (plan-b-tls.yml's comment: chgrp + 0640).
    key = os.path.join(project, "certs", "tls.key")
    os.chown(key, 0, 10001)
    os.chmod(key, 0o640)
    port = docker.ports["builtin_tls"]
    compose = compose_mod.load(project, "plan-b-tls.yml")
    regcache = compose["services"]["regcache"]
    assert regcache.pop("ports") == ["${REGCACHE_TLS_PORT:-443}:5000"]
    regcache["network_mode"] = "host"
    # Files not watched: only the signal can make it re-read the certificate.
    regcache["environment"].update({"REGISTRY_HTTP_ADDR": f":{port}",
                                    "REGCACHE_TLS_RELOAD_INTERVAL": "0s"})
    regcache["healthcheck"] = {"interval": "1s", "start_period": "1s"}
    compose_mod.dump(project, "plan-b-tls.test.yml", compose)
    c = compose_mod.Compose(docker, project, "plan-b-tls.test.yml", "regcacheplanbtls")
    c.run("up", "-d")
    try:
        c.wait_healthy()
        _wait_https(c, "regcache", port, deploy_pki.ca_cert)
        docker.set_mirrors([f"https://{docker.mirror_name}:{port}"])
        c.project = project
        c.port = port
        yield c
    finally:
        c.down(os.path.join(session_dir, "compose-plan-b-tls.log"))


def _pull(docker, ref, pushed):
    docker.docker("pull", ref)
    digests = json.loads(docker.docker("image", "inspect", "--format", "{{json .RepoDigests}}",
                                       ref).stdout)
    assert any(d.endswith("@" + pushed.digest) for d in digests), digests


def _blob_gets(c, repo, n):
    """regcache's access-log entries for blob GETs of `repo`, once there are `n`."""
    def enough():
        gets = [e for e in c.access_log()
                if e["method"] == "GET" and e["path"].startswith(f"/v2/{repo}/blobs/")]
        return gets if len(gets) >= n else None
    return procs.wait_for(enough, 20, f"{n} blob GETs of {repo} in regcache's log", interval=0.2)


def _pull_twice(docker, c, upstream, pushed, ref):
    """First pull: every blob from the upstream through the mirror. Second pull (image
    removed locally): no blob from the upstream. Returns regcache's blob GET entries of
    the first pull and of the second."""
    blobs = set(pushed.image.blobs)
    mark = upstream.mark()
    _pull(docker, ref, pushed)
    fetched = {r.path.rsplit("/", 1)[1]
               for r in up.blob_gets(upstream.requests_since(mark), pushed.repo)}
    assert fetched == blobs, "the image must have come through the mirror"
    first = _blob_gets(c, pushed.repo, len(blobs))
    assert {e["path"].rsplit("/", 1)[1] for e in first} == blobs

    docker.docker("rmi", ref)
    mark = upstream.mark()
    _pull(docker, ref, pushed)
    assert not up.blob_gets(upstream.requests_since(mark), pushed.repo), \
        "the second pull is served from regcache's cache"
    both = _blob_gets(c, pushed.repo, len(first) + len(blobs))
    return both[:len(first)], both[len(first):]


def test_plan_b_docker_pull_https_through_nginx(docker, plan_b, upstream, fresh_image):
    pushed = fresh_image("library/planb", "1")
    first, second = _pull_twice(docker, plan_b, upstream, pushed, "planb:1")
    gets = first + second
    assert all(e["status"] == "200" for e in gets), gets
    assert {e["client"] for e in gets} == {"::1"}, \
        "regcache saw dockerd (::1) through nginx's X-Forwarded-For, not nginx itself"
    assert {e.get("cache") for e in second} == {"hit"}, second
    nginx_log = plan_b.logs("nginx")
    for digest in pushed.image.blobs:
        line = re.compile(rf'"GET /v2/{pushed.repo}/blobs/{digest} HTTP/[\d.]+" 200 ')
        assert len(line.findall(nginx_log)) >= 2, \
            f"both pulls of {digest} went through nginx:\n{nginx_log[-3000:]}"


def test_plan_b_nginx_certificate_renewal(docker, plan_b, deploy_pki):
    """plan-b.yml's comment: a renewed certificate is served after `nginx -s reload`."""
    port = docker.ports["nginx"]
    serial = pki_mod.peer_serial("::1", port, deploy_pki)
    certs = os.path.join(plan_b.dir, "certs")
    deploy_pki.issue("renewed-nginx", serial=serial + 1,
                     cert_path=os.path.join(certs, "tls.crt"),
                     key_path=os.path.join(certs, "tls.key"))
    plan_b.run("exec", "-T", "nginx", "nginx", "-s", "reload")
    procs.wait_for(lambda: pki_mod.peer_serial("::1", port, deploy_pki) == serial + 1, 20,
                   "nginx serving the renewed certificate")


def test_plan_b_docker_pull_from_regcaches_own_tls(docker, plan_b_tls, upstream, fresh_image,
                                                   deploy_pki):
    pushed = fresh_image("library/planbtls", "1")
    first, second = _pull_twice(docker, plan_b_tls, upstream, pushed, "planbtls:1")
    gets = first + second
    assert {e["client"] for e in gets} == {"::1"}
    assert {e.get("cache") for e in second} == {"hit"}, second
    assert all(e["status"] == "200" for e in gets), gets

    # Renewal + `docker-compose kill -s HUP` (what `systemctl reload` sends to the unit):
    # the running container serves the new certificate without a restart.
    started = plan_b_tls.state("regcache")["StartedAt"]
    serial = pki_mod.peer_serial("::1", plan_b_tls.port, deploy_pki)
    certs = os.path.join(plan_b_tls.project, "certs")
    deploy_pki.issue("renewed", serial=serial + 1, cert_path=os.path.join(certs, "tls.crt"),
                     key_path=os.path.join(certs, "tls.key"))
    key = os.path.join(certs, "tls.key")
    os.chown(key, 0, 10001)
    os.chmod(key, 0o640)
    assert pki_mod.peer_serial("::1", plan_b_tls.port, deploy_pki) == serial, \
        "reload_interval 0: not re-read before the signal"
    plan_b_tls.run("kill", "-s", "HUP", "regcache")
    procs.wait_for(lambda: pki_mod.peer_serial("::1", plan_b_tls.port, deploy_pki) == serial + 1,
                   20, "the renewed certificate served after SIGHUP")
    state = plan_b_tls.state("regcache")
    assert state["Status"] == "running" and state["StartedAt"] == started
    _pull(docker, "planbtls:1", pushed)
