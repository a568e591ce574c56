"""The bench's upstream: Debian's docker-registry without auth, holding generated
content: raw blobs (one warm large blob, a 4 KiB blob, the cold blobs, one
1 GiB blob) uploaded with the blob API, and mkimg images pushed with skopeo.

Anonymous, unlike the e2e upstream: nginx as a caching proxy and wrk talk to
it without tokens, and token requests would only add noise to the timings.
"""
import dataclasses
import hashlib
import os

import requests

from lib import mkimg, skopeo, upstream, yamlfile

MiB = mkimg.MiB


class _NoTokenServer:
    realm = ""
    cert_path = ""


class AnonymousUpstream(upstream.Upstream):
    """The e2e `Upstream` (log parsing, request counting), configured without auth."""

    def __init__(self, workdir, processes):
        super().__init__("upstream", workdir, processes, _NoTokenServer())
        yamlfile.write(self.config_path, {
            "version": 0.1,
            "log": {"level": "info", "fields": {"service": "upstream"}},
            "storage": {"filesystem": {"rootdirectory": self.storage},
                        "delete": {"enabled": True},
                        "cache": {"blobdescriptor": "inmemory"}},
            "http": {"addr": self.host},
        })


@dataclasses.dataclass(frozen=True)
class Blob:
    repo: str
    digest: str
    size: int

    @property
    def path(self):
        return f"/v2/{self.repo}/blobs/{self.digest}"


class BlobMaker:
    """Distinct blobs of any size, cheaply: a random 1 MiB pattern repeated, with
    a unique first block. None of the servers compress, so repetition is fine."""

    def __init__(self):
        self._pattern = os.urandom(MiB)
        self._count = 0

    def make(self, size):
        self._count += 1
        data = bytearray(self._pattern * (size // MiB + 1))
        del data[size:]
        unique = hashlib.sha256(f"regcache-bench-{os.getpid()}-{self._count}".encode()).digest()
        data[:len(unique)] = unique[:size]
        return bytes(data)


def upload_blob(upstream_url, repo, data):
    """Monolithic upload (POST, then PUT with the digest); returns the Blob."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r = requests.post(f"{upstream_url}/v2/{repo}/blobs/uploads/", timeout=30)
    if r.status_code != 202:
        raise RuntimeError(f"upload start for {repo}: {r.status_code} {r.text[:200]}")
    location = r.headers["Location"]
    if location.startswith("/"):
        location = upstream_url + location
    sep = "&" if "?" in location else "?"
    r = requests.put(f"{location}{sep}digest={digest}", data=data, timeout=300,
                     headers={"Content-Type": "application/octet-stream"})
    if r.status_code != 201:
        raise RuntimeError(f"upload of {digest} to {repo}: {r.status_code} {r.text[:200]}")
    return Blob(repo, digest, len(data))


@dataclasses.dataclass
class PushedImage:
    repo: str
    tag: str
    image: mkimg.Image

    @property
    def ref(self):
        return f"{self.repo}:{self.tag}"


def push_image(upstream, directory, repo, tag, seed, layer_sizes):
    """Generates an OCI image with mkimg and pushes it with skopeo."""
    path = os.path.join(directory, f"{repo.replace('/', '_')}-{tag}")
    image = mkimg.make_image(path, seed=seed, layer_sizes=layer_sizes, tag=tag)
    skopeo.push(image, upstream.host, repo, tag)
    return PushedImage(repo, tag, image)
