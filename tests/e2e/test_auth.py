"""Upstream credentials: from config.yml, from the environment, and wrong ones."""
import os

from lib import skopeo


def test_wrong_upstream_password_gives_401_unauthorized(start_mirror, images):
    pushed = images["oci"]
    m = start_mirror("badpass", password="not-the-password")
    r = m.get(f"/v2/{pushed.repo}/manifests/{pushed.tag}",
              headers={"Accept": skopeo.manifest_media_types()})
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.json()["errors"][0]["code"] == "UNAUTHORIZED", r.text
    assert m.get("/v2/").status_code == 200


def test_credentials_from_environment(start_mirror, token_server, images):
    pushed = images["private"]
    m = start_mirror("envcreds", username=None, password=None,
                     env={"REGISTRY_PROXY_USERNAME": "labuser",
                          "REGISTRY_PROXY_PASSWORD": "labpass"})
    before = len(token_server.requests())
    skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(m.dir, "out"), pushed.image)
    used = [t for t in token_server.requests()[before:]
            if f"repository:{pushed.repo}:pull" in t["scopes"]]
    assert used and all(t["user"] == "labuser" and t["outcome"] == "200" for t in used), used


def test_private_repo_without_credentials_is_unauthorized(start_mirror, images):
    pushed = images["private"]
    m = start_mirror("anon", username=None, password=None)
    r = m.get(f"/v2/{pushed.repo}/manifests/{pushed.tag}",
              headers={"Accept": skopeo.manifest_media_types()})
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.json()["errors"][0]["code"] == "UNAUTHORIZED", r.text
    # the public images still pull anonymously
    public = images["oci"]
    skopeo.pull_and_verify(m.host, public.ref, os.path.join(m.dir, "out"), public.image)
