"""A broken config.yml stops start-up with exit code 2 and one message naming the key."""
import subprocess

import pytest

from lib import mirror as mirror_mod, procs


@pytest.mark.parametrize("key,extra", [
    ("tag_revalidate", {"regcache": {"tag_revalidate": "5 parsecs"}}),
    ("tag_revalidate", {"regcache": {"tag_revalidate": "-1h"}}),
    ("remoteurl", {"proxy": {"remoteurl": "not a url"}}),
    ("remoteurl", {"proxy": {"remoteurl": "ftp://127.0.0.1:21"}}),
    ("addr", {"http": {"addr": "127.0.0.1:99999"}}),
])
def test_bad_config_exits_2_naming_the_key(start_mirror, key, extra):
    m = start_mirror("badconfig", extra_config=extra, start=False)
    p = subprocess.run(mirror_mod.command(m.config_path), env=m.env, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr[-1000:])
    assert key in p.stderr, p.stderr[-1000:]
    assert len([l for l in p.stderr.splitlines() if l.strip()]) <= 3, p.stderr[-2000:]
    assert not procs.port_open(m.port)


def test_missing_config_file_exits_2(start_mirror):
    m = start_mirror("noconfig", start=False)
    argv = mirror_mod.command(m.config_path + ".missing")
    p = subprocess.run(argv, env=m.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr[-1000:])
    assert "missing" in p.stderr, p.stderr[-1000:]
