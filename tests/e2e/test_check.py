"""`regcache check`: each problem gets its own clear line (pass/fail and what to do)."""
import json
import os

import pytest

from lib import cli, procs
from lib import mirror as mirror_mod

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own tool")


def lines(output):
    return {l.split()[1]: l for l in output.splitlines() if l[:5].strip() in ("PASS", "FAIL", "WARN", "SKIP")}


def statuses(p):
    doc = json.loads(p.stdout)
    return doc, {c["name"]: c for c in doc["checks"]}


def env_with(**extra):
    env = dict(os.environ)
    env.update(extra)
    return env


def test_everything_passes_against_a_good_config_and_mirror(start_mirror, images):
    pushed = images["oci"]
    m = start_mirror("check-good")
    p = cli.run(["check", "--config", m.config_path, "--mirror", m.url,
                 "--image", pushed.ref, "--json"])
    doc, checks = statuses(p)
    assert p.returncode == 0, p.stdout + p.stderr
    assert doc["ok"] is True
    for name in ("config", "storage", f"upstream 127.0.0.1:{m.config['proxy']['remoteurl'].rsplit(':', 1)[1]}",
                 "credentials", "clock", "mirror /v2/", "mirror headers", "mirror ready",
                 "cached blob speed"):
        assert checks[name]["status"] == "pass", (name, checks.get(name))
    assert "egress proxy" not in checks  # none configured
    assert "/s" in checks["cached blob speed"]["detail"]
    assert "docker-distribution-api-version: registry/2.0" in checks["mirror headers"]["detail"]
    assert checks["quota"]["status"] == "pass"


def test_wrong_password_has_its_own_line(start_mirror):
    m = start_mirror("check-badpass", password="wrong", start=False)
    p = cli.run(["check", "--config", m.config_path])
    assert p.returncode == 1, p.stdout + p.stderr
    by_name = lines(p.stdout)
    assert by_name["credentials"].startswith("FAIL"), p.stdout
    assert 'rejected the credentials for user "labuser"' in by_name["credentials"], p.stdout
    assert "proxy.password" in p.stdout  # what to do
    assert lines(p.stdout)["upstream"].startswith("PASS"), p.stdout  # reachable, just refused


def test_unreachable_upstream_has_its_own_line(start_mirror):
    dead = f"http://127.0.0.1:{procs.free_port()}"
    m = start_mirror("check-unreachable", remote_url=dead, start=False)
    p = cli.run(["check", "--config", m.config_path, "--json"])
    assert p.returncode == 1
    doc, checks = statuses(p)
    (upstream,) = [c for n, c in checks.items() if n.startswith("upstream ")]
    assert upstream["status"] == "fail" and "cannot be reached" in upstream["detail"], upstream
    assert upstream["fix"], upstream
    assert checks["credentials"]["status"] == "skip"
    assert checks["config"]["status"] == "pass" and checks["storage"]["status"] == "pass"


def test_dead_egress_proxy_has_its_own_line(start_mirror):
    dead_proxy = f"http://127.0.0.1:{procs.free_port()}"
    m = start_mirror("check-deadproxy", start=False)
    p = cli.run(["check", "--config", m.config_path], env=env_with(HTTP_PROXY=dead_proxy))
    assert p.returncode == 1, p.stdout + p.stderr
    by_name = lines(p.stdout)
    assert by_name["egress"].startswith("FAIL"), p.stdout
    assert dead_proxy in by_name["egress"] and "HTTP_PROXY" in by_name["egress"], p.stdout
    assert "start the proxy or correct HTTP_PROXY" in p.stdout
    assert by_name["upstream"].startswith("SKIP"), p.stdout


def test_mirror_that_is_not_running(start_mirror):
    url = f"http://127.0.0.1:{procs.free_port()}"
    p = cli.run(["check", "--mirror-only", "--mirror", url])
    assert p.returncode == 1
    assert lines(p.stdout)["mirror"].startswith("FAIL"), p.stdout
    assert "regcache serve" in p.stdout
