"""regcache's built-in TLS: pulls verified against a CA the test creates, the
minimum TLS version, certificate reloads (file change and SIGHUP) without
dropping open connections, the plain-HTTP redirect listener, and a clear
start-up error for unusable TLS files."""
import http.client
import os
import signal
import socket
import ssl
import subprocess

import pytest
import requests

from lib import mirror as mirror_mod, pki as pki_mod, procs, skopeo

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(),
                                reason="regcache's own TLS behaviour")


@pytest.fixture(scope="module")
def pki(session_dir):
    return pki_mod.Pki(os.path.join(session_dir, "pki-tls"))


def tls_config(cert, key, **regcache):
    return {"http": {"tls": {"certificate": cert, "key": key}}, "regcache": regcache}


def test_pull_over_builtin_tls_verified_against_the_ca(start_mirror, pki, images, session_dir):
    cert, key = pki.issue("builtin")
    m = start_mirror("tls", extra_config=tls_config(cert, key), tls_ca=pki.ca_cert)
    pushed = images["oci"]
    dest = os.path.join(session_dir, "out", "tls-pull")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    skopeo._run(["copy", "--retry-times", "0", "--src-cert-dir", pki.cert_dir, "--src-no-creds",
                 f"docker://{m.host}/{pushed.ref}", f"dir:{dest}"])
    skopeo.verify_dir(dest, pushed.image)
    # Blobs went through the TLS path (no sendfile), byte for byte.
    blob = next(iter(pushed.image.blobs))
    r = m.get(f"/v2/{pushed.repo}/blobs/{blob}", headers={"Range": "bytes=10-"})
    assert r.status_code == 206
    assert len(r.content) == pushed.image.blobs[blob] - 10
    # Without the CA, the certificate is not trusted: it really is TLS.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(m.url + "/v2/", timeout=10)


def test_minimum_tls_version(start_mirror, pki):
    cert, key = pki.issue("tls13")
    config = tls_config(cert, key)
    config["http"]["tls"]["minimumtls"] = "tls1.3"
    m = start_mirror("tls13", extra_config=config, tls_ca=pki.ca_cert)
    old = pki.client_context()
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", m.port), timeout=10) as raw:
        with pytest.raises(ssl.SSLError):
            old.wrap_socket(raw, server_hostname="localhost")
    with socket.create_connection(("127.0.0.1", m.port), timeout=10) as raw:
        with pki.client_context().wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() == "TLSv1.3"


def _open_connection(m, pki):
    conn = http.client.HTTPSConnection("127.0.0.1", m.port, context=pki.client_context(),
                                       timeout=10)
    conn.request("GET", "/v2/")
    r = conn.getresponse()
    r.read()
    assert r.status == 200
    return conn


def _serial_of(conn):
    from cryptography import x509
    return x509.load_der_x509_certificate(conn.sock.getpeercert(binary_form=True)).serial_number


def test_certificate_reload_on_change_and_on_sighup(start_mirror, pki):
    cert, key = pki.issue("reload", serial=100)
    watched = start_mirror("tls-watch", tls_ca=pki.ca_cert,
                           extra_config=tls_config(cert, key, tls={"reload_interval": "1s"}))
    cert2, key2 = pki.issue("reload-hup", serial=200)
    on_signal = start_mirror("tls-hup", tls_ca=pki.ca_cert,
                             extra_config=tls_config(cert2, key2, tls={"reload_interval": "0s"}))
    assert pki_mod.peer_serial("127.0.0.1", watched.port, pki) == 100

    # A client with a keep-alive connection open across the renewal.
    conn = _open_connection(watched, pki)
    assert _serial_of(conn) == 100

    pki.issue("reload", serial=101)
    procs.wait_for(lambda: pki_mod.peer_serial("127.0.0.1", watched.port, pki) == 101, 20,
                   "the renewed certificate to be served")
    conn.request("GET", "/v2/")  # the same connection, not dropped by the reload
    r = conn.getresponse()
    r.read()
    assert r.status == 200 and _serial_of(conn) == 100
    conn.close()
    assert "certificate reloaded" in watched.log_text()

    pki.issue("reload-hup", serial=201)
    assert pki_mod.peer_serial("127.0.0.1", on_signal.port, pki) == 200, \
        "reload_interval 0: files are not watched"
    os.kill(on_signal.daemon.pid, signal.SIGHUP)
    procs.wait_for(lambda: pki_mod.peer_serial("127.0.0.1", on_signal.port, pki) == 201, 20,
                   "the certificate reloaded on SIGHUP")
    assert on_signal.running()

    # A broken renewal keeps the last good certificate.
    with open(cert2, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot really\n")
    os.kill(on_signal.daemon.pid, signal.SIGHUP)
    procs.wait_for(lambda: "reload failed" in on_signal.log_text(), 20, "the reload error")
    assert pki_mod.peer_serial("127.0.0.1", on_signal.port, pki) == 201


def test_plain_http_listener_redirects_to_https(start_mirror, pki):
    cert, key = pki.issue("redirect")
    redirect_port = procs.free_port()
    m = start_mirror("tls-redirect", tls_ca=pki.ca_cert, extra_config=tls_config(
        cert, key, tls={"redirect_addr": f"127.0.0.1:{redirect_port}"}))
    r = requests.get(f"http://127.0.0.1:{redirect_port}/v2/library/alpine/manifests/3.20?ns=docker.io",
                     allow_redirects=False, timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == \
        f"https://127.0.0.1:{m.port}/v2/library/alpine/manifests/3.20?ns=docker.io"
    followed = requests.get(f"http://127.0.0.1:{redirect_port}/v2/", verify=pki.ca_cert, timeout=10)
    assert followed.status_code == 200
    assert followed.url == f"https://127.0.0.1:{m.port}/v2/"


def test_unusable_tls_files_stop_start_up_with_a_clear_message(session_dir, pki):
    cert, _ = pki.issue("mismatch-a")
    _, other_key = pki.issue("mismatch-b")
    directory = os.path.join(session_dir, "tls-bad")
    os.makedirs(directory, exist_ok=True)
    config = os.path.join(directory, "config.yml")
    with open(config, "w") as f:
        f.write(f"storage:\n  filesystem:\n    rootdirectory: {directory}/data\n"
                f"http:\n  addr: 127.0.0.1:0\n  tls:\n    certificate: {cert}\n    key: {other_key}\n")
    p = subprocess.run([mirror_mod.regcache_binary(), "serve", "--config", config],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, p.stderr
    assert "http.tls.key" in p.stderr and "does not belong to the certificate" in p.stderr, p.stderr
