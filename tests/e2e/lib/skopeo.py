"""skopeo as the reference client: push generated images, pull them back
through the mirror into `dir:` and check every digest independently."""
import hashlib
import os
import shutil
import subprocess

from . import mkimg

TIMEOUT = 120


class SkopeoError(AssertionError):
    pass


def _run(args, timeout=TIMEOUT):
    argv = ["skopeo", "--insecure-policy", *args]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise SkopeoError(f"{' '.join(argv)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p


def push(image, host, repo, tag, creds="labuser:labpass"):
    """Copies a generated image (all platforms of an index) to docker://host/repo:tag."""
    args = ["copy", "--retry-times", "0", "--dest-tls-verify=false", "--dest-creds", creds]
    if image.is_index:
        args.append("--all")
    _run(args + [image.skopeo_ref, f"docker://{host}/{repo}:{tag}"])


def pull(host, ref, dest, all_platforms=False, creds=None, timeout=TIMEOUT):
    """Copies docker://host/ref into dir:dest (replacing it); returns dest."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    args = ["copy", "--retry-times", "0", "--src-tls-verify=false"]
    args += ["--src-creds", creds] if creds else ["--src-no-creds"]
    if all_platforms:
        args.append("--all")
    _run(args + [f"docker://{host}/{ref}", f"dir:{dest}"], timeout=timeout)
    return dest


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def verify_dir(dest, image):
    """Asserts that the dir: copy holds exactly `image`: same manifest digest(s), every blob."""
    problems = []
    top = _sha256_file(os.path.join(dest, "manifest.json"))
    if top != image.digest:
        problems.append(f"manifest.json is {top}, expected {image.digest}")
    for digest in image.manifests:
        if digest == image.digest:
            continue
        path = os.path.join(dest, digest.split(":", 1)[1] + ".manifest.json")
        if not os.path.exists(path):
            problems.append(f"child manifest {digest} missing")
        elif _sha256_file(path) != digest:
            problems.append(f"child manifest {digest} has the wrong content")
    for digest, size in image.blobs.items():
        path = os.path.join(dest, digest.split(":", 1)[1])
        if not os.path.exists(path):
            problems.append(f"blob {digest} missing")
            continue
        got = _sha256_file(path)
        if got != digest or os.path.getsize(path) != size:
            problems.append(f"blob {digest}: got {got} ({os.path.getsize(path)} bytes)")
    if problems:
        raise AssertionError(f"{dest} does not match the pushed image:\n  " + "\n  ".join(problems))


def pull_and_verify(host, ref, dest, image, creds=None):
    pull(host, ref, dest, all_platforms=image.is_index, creds=creds)
    verify_dir(dest, image)


def manifest_media_types():
    return ", ".join([mkimg.OCI_INDEX, mkimg.OCI_MANIFEST, mkimg.V2S2_MANIFEST,
                      "application/vnd.docker.distribution.manifest.list.v2+json"])
