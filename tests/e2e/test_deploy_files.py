"""The shipped deployment files: every config regcache is given by deploy/ starts
regcache, and the Kubernetes manifests hang together (probes, ports, volumes)."""
import os

import pytest
import requests
import yaml

from lib import mirror as mirror_mod, procs

DEPLOY = os.path.join(mirror_mod.REPO_ROOT, "deploy")


def _k8s_docs(name):
    with open(os.path.join(DEPLOY, "kubernetes", name)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def _configmap_config():
    cm = next(d for d in _k8s_docs("regcache.yaml") if d["kind"] == "ConfigMap")
    return cm["data"]["config.yml"]


def _file(*parts):
    with open(os.path.join(DEPLOY, *parts)) as f:
        return f.read()


SHIPPED_CONFIGS = {
    "image": lambda: _file("config.yml"),
    "compose": lambda: _file("compose", "config.yml"),
    "debian": lambda: _file("debian", "config.yml"),
    "kubernetes": _configmap_config,
}


@pytest.mark.parametrize("which", sorted(SHIPPED_CONFIGS))
def test_shipped_config_starts_regcache(which, tmp_path, processes, upstream, images):
    """Only the listen address, storage root and upstream are changed, by environment."""
    if not mirror_mod.is_regcache():
        pytest.skip("regcache's own files")
    config = tmp_path / "config.yml"
    config.write_text(SHIPPED_CONFIGS[which]())
    port = procs.free_port()
    env = dict(os.environ, REGISTRY_HTTP_ADDR=f"127.0.0.1:{port}",
               REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=str(tmp_path / "data"),
               REGISTRY_PROXY_REMOTEURL=upstream.url, REGISTRY_PROXY_USERNAME="labuser",
               REGISTRY_PROXY_PASSWORD="labpass")
    proc = processes.start(f"shipped-{which}", [mirror_mod.regcache_binary(), "serve",
                                                str(config)], str(tmp_path / "log"), env=env)
    try:
        proc.wait_ready(lambda: procs.port_open(port), timeout=20, what=f"regcache ({which})")
        pushed = images["oci"]
        r = requests.get(f"http://127.0.0.1:{port}/v2/{pushed.repo}/manifests/{pushed.tag}",
                         headers={"Accept": pushed.image.media_type}, timeout=30)
        assert r.status_code == 200, procs.tail(str(tmp_path / "log"))
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        proc.stop()


def test_shipped_configs_agree():
    """One default everywhere except the Debian package's cache folder."""
    loaded = {k: yaml.safe_load(v()) for k, v in SHIPPED_CONFIGS.items()}
    debian = loaded.pop("debian")
    assert debian["storage"]["filesystem"]["rootdirectory"] == "/var/lib/regcache"
    debian["storage"]["filesystem"]["rootdirectory"] = "/var/lib/registry"
    for name, config in loaded.items():
        assert config == debian, name


def test_kubernetes_manifests_are_consistent():
    docs = _k8s_docs("regcache.yaml")
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"ConfigMap", "Secret", "StatefulSet", "Service"}
    sts = kinds["StatefulSet"]
    pod = sts["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port_names = {p["name"] for p in container["ports"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert {"http"} <= port_names
    assert container["ports"][0]["containerPort"] == 5000
    volumes = {v["name"] for v in pod["volumes"]} | {
        c["metadata"]["name"] for c in sts["spec"]["volumeClaimTemplates"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert set(mounts) <= volumes
    assert mounts["data"] == "/var/lib/registry"
    assert mounts["config"] == "/etc/docker/registry"
    assert container["envFrom"][0]["secretRef"]["name"] == kinds["Secret"]["metadata"]["name"]
    selector = sts["spec"]["selector"]["matchLabels"]
    assert kinds["Service"]["spec"]["selector"] == selector
    assert kinds["Service"]["spec"]["ports"][0]["targetPort"] in port_names
    assert container["securityContext"]["readOnlyRootFilesystem"] is True

    (ds,) = _k8s_docs("node-hosts-daemonset.yaml")
    assert ds["kind"] == "DaemonSet"
    ds_pod = ds["spec"]["template"]["spec"]
    script = ds_pod["containers"][0]["args"][0]
    assert "regcache client-config" in script and "hosts.toml" in script
    assert ds_pod["volumes"][0]["hostPath"]["path"] == "/etc/containerd/certs.d"
