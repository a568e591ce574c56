"""Docker pulling through https:// as in the seed's production shape: a Docker
daemon that trusts the test's CA through /etc/docker/certs.d, with the mirror
named mirror.lab resolving to ::1 (Docker does not verify TLS for 127.0.0.0/8).
First behind nginx with the seed's configuration, then regcache's own TLS with
no nginx; and `docker login` to a mirror that requires htpasswd credentials."""
import base64
import json
import os
import subprocess

import pytest

from lib import dockerd as dockerd_mod, fronts, mirror as mirror_mod, pki as pki_mod
from lib import upstream as up

MIRROR_NAME = "mirror.lab"


def _htpasswd(path, user, password):
    p = subprocess.run(["htpasswd", "-nbB", user, password], capture_output=True, text=True,
                       timeout=30, check=True)
    with open(path, "w") as f:
        f.write(p.stdout)
    return path


@pytest.fixture(scope="module")
def tls_lab(request, session_dir, processes, upstream, images):
    if request.config.e2e_isolation != "isolated network namespace":
        pytest.skip("dockerd needs root and an isolated network namespace")
    if not mirror_mod.is_regcache():
        pytest.skip("regcache's TLS")
    pki = pki_mod.Pki(os.path.join(session_dir, "pki-docker"))
    cert, key = pki.issue("mirror.lab")
    tls = {"http": {"tls": {"certificate": cert, "key": key}}}

    # 1. The seed's shape: nginx (TLS, [::1]) in front of plain regcache.
    behind = mirror_mod.Mirror("docker-behind-nginx", session_dir, processes, upstream.url,
                               username="labuser", password="labpass", extra_config={
                                   "regcache": {"trusted_proxies": ["127.0.0.1", "::1"]}}).start()
    nginx = fronts.SeedNginx(session_dir, processes, behind.port, cert, key,
                             name="nginx-docker").start()
    # 2. regcache's own TLS on ::1, no nginx.
    builtin = mirror_mod.Mirror("docker-builtin-tls", session_dir, processes, upstream.url,
                                username="labuser", password="labpass", listen_host="::1",
                                tls_ca=pki.ca_cert, extra_config=tls).start()
    # 3. The same with htpasswd: only `docker login` users may pull.
    passwd = _htpasswd(os.path.join(session_dir, "htpasswd"), "alice", "wonderland-42")
    private = mirror_mod.Mirror("docker-htpasswd", session_dir, processes, upstream.url,
                                username="labuser", password="labpass", listen_host="::1",
                                tls_ca=pki.ca_cert, extra_config={
                                    **tls, "auth": {"htpasswd": {"realm": "regcache e2e",
                                                                 "path": passwd}}}).start()
    ports = {"nginx": nginx.port, "builtin": builtin.port, "private": private.port}
    d = dockerd_mod.Dockerd(
        session_dir, processes, name="docker-tls",
        mirrors=[f"https://{MIRROR_NAME}:{nginx.port}"], hosts={MIRROR_NAME: "::1"},
        ca_certs={f"{MIRROR_NAME}:{port}": pki.ca_cert for port in ports.values()})
    try:
        d.start()
    except (RuntimeError, TimeoutError) as e:
        d.stop()
        pytest.skip(f"dockerd cannot start on this machine: {e}")
    yield {"docker": d, "behind": behind, "nginx": nginx, "builtin": builtin, "private": private,
           "ports": ports}
    d.stop()
    for daemon in (private, builtin, nginx, behind):
        daemon.stop()


def _repo_digests(d, ref):
    return json.loads(d.docker("image", "inspect", "--format", "{{json .RepoDigests}}", ref).stdout)


def _blob_gets(m, repo):
    return [e for e in m.settled_access_log()
            if e["method"] == "GET" and e["path"].startswith(f"/v2/{repo}/blobs/")]


def test_docker_pulls_through_nginx_with_the_seeds_config(tls_lab, upstream, fresh_image):
    d, behind = tls_lab["docker"], tls_lab["behind"]
    pushed = fresh_image("library/vianginx", "1")
    mark = upstream.mark()
    d.docker("pull", "vianginx:1")
    assert any(rd.endswith("@" + pushed.digest) for rd in _repo_digests(d, "vianginx:1"))
    fetched = {r.path.rsplit("/", 1)[1] for r in up.blob_gets(upstream.requests_since(mark),
                                                              pushed.repo)}
    assert fetched == set(pushed.image.blobs), "the image came through the mirror"
    gets = _blob_gets(behind, pushed.repo)
    assert gets and all(e["client"] == "::1" for e in gets), \
        "regcache saw the real client (dockerd on ::1) through nginx's X-Forwarded-For"


def test_docker_pulls_from_regcaches_own_tls(tls_lab, fresh_image):
    d, builtin = tls_lab["docker"], tls_lab["builtin"]
    d.set_mirrors([f"https://{MIRROR_NAME}:{tls_lab['ports']['builtin']}"])
    pushed = fresh_image("library/builtintls", "1")
    d.docker("pull", "builtintls:1")
    assert any(rd.endswith("@" + pushed.digest) for rd in _repo_digests(d, "builtintls:1"))
    assert len(_blob_gets(builtin, pushed.repo)) == len(pushed.image.blobs)


def test_docker_login_with_htpasswd(tls_lab, images):
    d, private = tls_lab["docker"], tls_lab["private"]
    registry = f"{MIRROR_NAME}:{tls_lab['ports']['private']}"
    pushed = images["oci"]
    denied = d.docker("pull", f"{registry}/{pushed.ref}", check=False)
    assert denied.returncode != 0, "no anonymous pulls"
    assert "no basic auth credentials" in denied.stderr or "unauthorized" in denied.stderr, \
        denied.stderr
    wrong = d.docker("login", "-u", "alice", "--password-stdin", registry, check=False,
                     input="not-the-password")
    assert wrong.returncode != 0
    assert "unauthorized" in (wrong.stderr + wrong.stdout).lower()
    d.docker("login", "-u", "alice", "--password-stdin", registry, input="wonderland-42")
    d.docker("pull", f"{registry}/{pushed.ref}")
    assert any(rd.endswith("@" + pushed.digest)
               for rd in _repo_digests(d, f"{registry}/{pushed.ref}"))
    served = [e for e in private.settled_access_log()
              if e["path"].startswith("/v2/library/") and e["status"] == "200"]
    assert served and {e.get("user") for e in served} == {"alice"}
    log = private.log_text()
    token = base64.b64encode(b"alice:wonderland-42").decode()
    assert "wonderland-42" not in log and token not in log, "passwords never reach the log"
