"""log.formatter json: every log line is a JSON object; request IDs are echoed
and carried into the upstream-request lines of the same pull."""
import json

import pytest
import requests

from lib import mirror as mirror_mod
from lib import procs

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own log format")


def json_lines(m):
    out = []
    with open(m.log_path, "rb") as f:
        text = f.read().decode("utf-8")
    for line in text.splitlines():
        if line.strip():
            out.append(json.loads(line))  # every line must be valid JSON
    return out


def test_json_logs_follow_one_pull_by_request_id(start_mirror, fresh_image):
    pushed = fresh_image("library/json-logs")
    m = start_mirror("jsonlogs", extra_config={"log": {"formatter": "json"}})
    accept = {"Accept": pushed.image.media_type}
    rid = "pull-7f3a.e2e"
    r = m.get(f"/v2/{pushed.repo}/manifests/{pushed.tag}", headers={**accept, "X-Request-ID": rid})
    assert r.status_code == 200
    assert r.headers["X-Request-ID"] == rid
    assert r.headers["X-Cache"] == "miss"
    layer = pushed.image.layers[0]
    r = m.get(f"/v2/{pushed.repo}/blobs/{layer}", headers={"X-Request-ID": rid + "-blob"})
    assert r.status_code == 200 and r.headers["X-Cache"] == "miss"

    def logged():
        lines = json_lines(m)
        ids = {l.get("request_id") for l in lines if l.get("msg") == "access"}
        return lines if {rid, rid + "-blob"} <= ids else None
    lines = procs.wait_for(logged, 10, "both access lines")
    assert all({"time", "level", "msg"} <= set(l) for l in lines), lines[:3]

    (access,) = [l for l in lines if l.get("msg") == "access" and l.get("request_id") == rid]
    assert access["method"] == "GET" and access["status"] == 200 and access["cache"] == "miss"
    assert access["path"] == f"/v2/{pushed.repo}/manifests/{pushed.tag}"
    upstream_lines = [l for l in lines if l.get("msg") == "upstream" and l.get("request_id") == rid]
    kinds = {(l["kind"], l["method"], l["status"]) for l in upstream_lines}
    assert ("manifest", "GET", 200) in kinds, upstream_lines
    assert any(k == "token" for k, _, _ in kinds), upstream_lines
    blob_lines = [l for l in lines if l.get("msg") == "upstream" and l.get("request_id") == rid + "-blob"]
    assert [(l["kind"], l["status"]) for l in blob_lines if l["kind"] == "blob"] == [("blob", 200)]
    startup = [l for l in lines if "listening" in l.get("msg", "")]
    assert startup and startup[0]["level"] == "info"


def test_request_id_generated_when_missing_or_unsafe(start_mirror):
    m = start_mirror("reqid")
    for sent in (None, "has spaces and \"quotes\""):
        headers = {"X-Request-ID": sent} if sent else {}
        r = requests.get(m.url + "/v2/", headers=headers, timeout=10)
        rid = r.headers["X-Request-ID"]
        assert len(rid) == 32 and all(c in "0123456789abcdef" for c in rid), rid
    entries = m.wait_access_entries("GET", "/v2/", 1)
    assert all(len(e.get("request_id", "")) == 32 for e in entries[-2:]), entries[-2:]
