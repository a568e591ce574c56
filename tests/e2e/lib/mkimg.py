#!/usr/bin/env python3
"""Writes synthetic container images for the tests (stdlib only).

Layers are gzip'd tars holding seeded random bytes, so the same seed gives the
same digests on every run. Two on-disk forms, both read by `skopeo copy`:
  - OCI image layout (`oci:DIR:TAG`): OCI media types; a single image or an
    index of linux/amd64 + linux/arm64/v8;
  - skopeo's `dir:` layout with a Docker v2 schema 2 manifest (`dir:DIR`).
The returned `Image` knows every manifest and blob digest it wrote.

CLI: mkimg.py DIR [--seed N] [--layers 1M,2M] [--multi] [--format oci|v2s2]
     [--busybox /bin/busybox] [--tag latest]   (prints the digests as JSON)
"""
import argparse
import dataclasses
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
V2S2_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
V2S2_CONFIG = "application/vnd.docker.container.image.v1+json"
V2S2_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

MiB = 1024 * 1024


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


@dataclasses.dataclass
class Image:
    path: str                 # the directory written
    fmt: str                  # "oci" or "v2s2"
    tag: str
    digest: str               # top-level manifest (or index) digest
    media_type: str           # top-level media type
    size: int                 # top-level manifest size
    manifests: dict           # digest -> (media type, bytes), top level and children
    blobs: dict               # digest -> size (configs and layers)
    layers: list              # layer digests (of all platforms), largest first
    platforms: dict           # "linux/amd64" -> child manifest digest (index only)

    @property
    def skopeo_ref(self):
        return f"oci:{self.path}:{self.tag}" if self.fmt == "oci" else f"dir:{self.path}"

    @property
    def is_index(self):
        return bool(self.platforms)

    def manifest_bytes(self, digest=None):
        return self.manifests[digest or self.digest][1]

    def blob_path(self, digest):
        hex_ = digest.split(":", 1)[1]
        if self.fmt == "oci":
            return os.path.join(self.path, "blobs", "sha256", hex_)
        return os.path.join(self.path, hex_)

    def blob_bytes(self, digest):
        with open(self.blob_path(digest), "rb") as f:
            return f.read()


class _Writer:
    """Stores blobs in an OCI layout or a skopeo dir: layout."""

    def __init__(self, path, fmt):
        self.path = path
        self.fmt = fmt
        os.makedirs(path, exist_ok=True)
        if fmt == "oci":
            os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)

    def blob(self, data):
        digest = sha256_digest(data)
        hex_ = digest.split(":", 1)[1]
        where = (os.path.join(self.path, "blobs", "sha256", hex_) if self.fmt == "oci"
                 else os.path.join(self.path, hex_))
        with open(where, "wb") as f:
            f.write(data)
        return digest


def _tar(entries):
    """A reproducible tar of (name, kind, payload, mode) entries; kind is file|dir|symlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, payload, mode in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.mode = mode
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            else:
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def _gzip(data):
    # Level 0 (stored blocks): random data does not compress, and this keeps
    # generating a 48 MiB layer fast. It is still a valid gzip stream.
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=0, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def _random_layer(rng, index, size):
    payload = rng.randbytes(size)
    return _tar([("data", "dir", None, 0o755),
                 (f"data/layer-{index}.bin", "file", payload, 0o644)])


def _busybox_layer(busybox_path):
    with open(busybox_path, "rb") as f:
        binary = f.read()
    entries = [("bin", "dir", None, 0o755), ("bin/busybox", "file", binary, 0o755)]
    for applet in ("sh", "echo", "cat", "ls", "true"):
        entries.append((f"bin/{applet}", "symlink", "busybox", 0o777))
    for d in ("tmp", "proc", "sys", "dev", "etc"):
        entries.append((d, "dir", None, 0o755))
    return _tar(entries)


def _write_image(writer, fmt, seed, layer_sizes, arch, variant, busybox):
    """Writes config + layers + manifest; returns (manifest bytes, blobs, layers)."""
    rng = random.Random(f"{seed}/{arch}/{variant}")
    tars = [_random_layer(rng, i, size) for i, size in enumerate(layer_sizes)]
    if busybox:
        tars.insert(0, _busybox_layer(busybox))
    layer_type = OCI_LAYER if fmt == "oci" else V2S2_LAYER
    layers, blobs = [], {}
    for t in tars:
        gz = _gzip(t)
        digest = writer.blob(gz)
        blobs[digest] = len(gz)
        layers.append({"mediaType": layer_type, "digest": digest, "size": len(gz)})
    config = {
        "architecture": arch,
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/bin"],
            "Cmd": ["/bin/sh"] if busybox else ["/bin/true"],
            "Labels": {"org.regcache.e2e.seed": str(seed)},
        },
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(t) for t in tars]},
    }
    if variant:
        config["variant"] = variant
    config_bytes = canonical_json(config)
    config_digest = writer.blob(config_bytes)
    blobs[config_digest] = len(config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST if fmt == "oci" else V2S2_MANIFEST,
        "config": {"mediaType": OCI_CONFIG if fmt == "oci" else V2S2_CONFIG,
                   "digest": config_digest, "size": len(config_bytes)},
        "layers": layers,
    }
    return canonical_json(manifest), blobs, [l["digest"] for l in layers]


def _finish_oci(path, tag, media_type, manifest_bytes, digest):
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": media_type, "digest": digest, "size": len(manifest_bytes),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump(index, f)


def make_image(path, *, seed, layer_sizes=(MiB, 2 * MiB, MiB // 2), fmt="oci", tag="latest",
               arch="amd64", busybox=None):
    """A single-platform image in `path`: OCI layout (fmt="oci") or skopeo dir: with v2s2."""
    assert fmt in ("oci", "v2s2")
    writer = _Writer(path, fmt)
    manifest_bytes, blobs, layers = _write_image(writer, fmt, seed, layer_sizes, arch, None,
                                                 busybox)
    media_type = OCI_MANIFEST if fmt == "oci" else V2S2_MANIFEST
    digest = sha256_digest(manifest_bytes)
    if fmt == "oci":
        writer.blob(manifest_bytes)
        _finish_oci(path, tag, media_type, manifest_bytes, digest)
    else:
        with open(os.path.join(path, "manifest.json"), "wb") as f:
            f.write(manifest_bytes)
        with open(os.path.join(path, "version"), "w") as f:
            f.write("Directory Transport Version: 1.1\n")
    return Image(path=path, fmt=fmt, tag=tag, digest=digest, media_type=media_type,
                 size=len(manifest_bytes), manifests={digest: (media_type, manifest_bytes)},
                 blobs=blobs, layers=sorted(layers, key=lambda d: -blobs[d]), platforms={})


def make_index(path, *, seed, layer_sizes=(MiB, MiB // 2), tag="latest",
               platforms=(("amd64", None), ("arm64", "v8"))):
    """An OCI image index (OCI layout) with one image per (arch, variant)."""
    writer = _Writer(path, "oci")
    manifests, blobs, all_layers, by_platform, entries = {}, {}, [], {}, []
    for arch, variant in platforms:
        manifest_bytes, image_blobs, layers = _write_image(writer, "oci", seed, layer_sizes, arch,
                                                           variant, None)
        digest = writer.blob(manifest_bytes)
        manifests[digest] = (OCI_MANIFEST, manifest_bytes)
        blobs.update(image_blobs)
        all_layers += layers
        platform = {"architecture": arch, "os": "linux"}
        if variant:
            platform["variant"] = variant
        by_platform["/".join(filter(None, ("linux", arch, variant)))] = digest
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest,
                        "size": len(manifest_bytes), "platform": platform})
    index_bytes = canonical_json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
    digest = writer.blob(index_bytes)
    manifests[digest] = (OCI_INDEX, index_bytes)
    _finish_oci(path, tag, OCI_INDEX, index_bytes, digest)
    return Image(path=path, fmt="oci", tag=tag, digest=digest, media_type=OCI_INDEX,
                 size=len(index_bytes), manifests=manifests, blobs=blobs,
                 layers=sorted(all_layers, key=lambda d: -blobs[d]), platforms=by_platform)


def _parse_size(text):
    units = {"K": 1024, "M": MiB, "G": 1024 * MiB}
    text = text.strip().upper()
    if text[-1:] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layers", default="1M,2M,512K")
    ap.add_argument("--multi", action="store_true")
    ap.add_argument("--format", choices=("oci", "v2s2"), default="oci")
    ap.add_argument("--busybox")
    ap.add_argument("--tag", default="latest")
    args = ap.parse_args(argv)
    sizes = [_parse_size(s) for s in args.layers.split(",") if s]
    if args.multi:
        image = make_index(args.dir, seed=args.seed, layer_sizes=sizes, tag=args.tag)
    else:
        image = make_image(args.dir, seed=args.seed, layer_sizes=sizes, fmt=args.format,
                           tag=args.tag, busybox=args.busybox)
    json.dump({"ref": image.skopeo_ref, "digest": image.digest, "mediaType": image.media_type,
               "manifests": sorted(image.manifests), "blobs": image.blobs,
               "platforms": image.platforms}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
