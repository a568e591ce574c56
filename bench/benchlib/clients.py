"""The clients that load the servers: curl for whole downloads, wrk for small
requests, an asyncio client that reads slowly, skopeo for image pulls.

Nothing here asserts: each function returns what it saw (status codes, bytes,
digests) and the caller decides how to report a failure.
"""
import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import socket
import time

from . import BENCH_DIR

WRK_SCRIPT = os.path.join(BENCH_DIR, "wrk_json.lua")
MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


class ClientError(RuntimeError):
    pass


def _kill_all(popens):
    for p in popens:
        if p.poll() is None:
            p.kill()
    for p in popens:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            pass


@dataclasses.dataclass
class Downloads:
    seconds: float
    bytes: int
    failures: list


def download_repeatedly(url, clients, downloads_each, expected_size, timeout):
    """`clients` curl processes, each fetching `url` `downloads_each` times on one
    keep-alive connection into /dev/null. Wall time from the first start to the last end."""
    argv = ["curl", "-sS", "--fail", "-w", "%{http_code} %{size_download}\n"]
    for _ in range(downloads_each):
        argv += [url, "-o", "/dev/null"]
    popens = []
    try:
        started = time.monotonic()
        popens = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for _ in range(clients)]
        outputs = [p.communicate(timeout=max(1.0, timeout - (time.monotonic() - started)))
                   for p in popens]
        seconds = time.monotonic() - started
    finally:
        _kill_all(popens)
    total, failures = 0, []
    for p, (out, err) in zip(popens, outputs):
        lines = out.split()
        for code, size in zip(lines[0::2], lines[1::2]):
            total += int(size)
            if code != "200" or int(size) != expected_size:
                failures.append(f"HTTP {code}, {size} bytes")
        if p.returncode != 0:
            failures.append(f"curl exit {p.returncode}: {err.strip()[:200]}")
    return Downloads(seconds, total, failures)


def download_spread(url_sets, clients, downloads_each, sizes, timeout):
    """Like download_repeatedly, but client i fetching every URL of `url_sets[i % len(url_sets)]`
    `downloads_each` times (one server per set: clients spread round-robin over servers).
    `sizes`: URL -> expected size."""
    def argv_for(urls):
        argv = ["curl", "-sS", "--fail", "-w", "%{url_effective} %{http_code} %{size_download}\n"]
        for _ in range(downloads_each):
            for url in urls:
                argv += [url, "-o", "/dev/null"]
        return argv
    popens = []
    try:
        started = time.monotonic()
        popens = [subprocess.Popen(argv_for(url_sets[i % len(url_sets)]), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
                  for i in range(clients)]
        outputs = [p.communicate(timeout=max(1.0, timeout - (time.monotonic() - started)))
                   for p in popens]
        seconds = time.monotonic() - started
    finally:
        _kill_all(popens)
    total, failures = 0, []
    for p, (out, err) in zip(popens, outputs):
        lines = out.split()
        for url, code, size in zip(lines[0::3], lines[1::3], lines[2::3]):
            total += int(size)
            if code != "200" or int(size) != sizes.get(url):
                failures.append(f"{url}: HTTP {code}, {size} bytes")
        if p.returncode != 0:
            failures.append(f"curl exit {p.returncode}: {err.strip()[:200]}")
    return Downloads(seconds, total, failures)


def wrk(url, seconds, connections=64, threads=2, headers=()):
    """wrk --latency with a Lua `done` hook printing the summary as JSON."""
    argv = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "10s", "-s", WRK_SCRIPT]
    for h in headers:
        argv += ["-H", h]
    argv.append(url)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    for line in p.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise ClientError(f"wrk gave no summary (exit {p.returncode}): {p.stderr[-500:]}")


@dataclasses.dataclass
class Concurrent:
    seconds: float
    verified: int
    failures: list


def concurrent_downloads(url, clients, digest, size, timeout):
    """`clients` curl processes started together on one URL, each piping into its
    own `openssl dgst -sha256`, timed until the last pipeline ends; then each
    client's size, status and sha256 are checked. (Writing the copies to tmpfs
    instead cost twice the time of the downloads on a 2-CPU VM.)"""
    curl = ["curl", "-sS", "--fail", "-w", "%{stderr}\nRESULT %{http_code} %{size_download}\n", url]
    pipelines = []
    try:
        started = time.monotonic()
        for _ in range(clients):
            c = subprocess.Popen(curl, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            h = subprocess.Popen(["openssl", "dgst", "-sha256", "-r"], stdin=c.stdout,
                                 stdout=subprocess.PIPE, text=True)
            c.stdout.close()  # openssl holds the pipe now; curl sees EPIPE if openssl dies
            pipelines.append((c, h))
        results = []
        for c, h in pipelines:
            left = max(1.0, timeout - (time.monotonic() - started))
            out = h.communicate(timeout=left)[0]
            err = c.communicate(timeout=left)[1]
            results.append((c.returncode, err, out))
        seconds = time.monotonic() - started
    finally:
        _kill_all([p for pair in pipelines for p in pair])
    verified, failures = 0, []
    for code, err, out in results:
        status = [line.split() for line in err.splitlines() if line.startswith("RESULT ")]
        got = "sha256:" + out.split()[0] if out.split() else "nothing"
        http, length = (status[0][1], int(status[0][2])) if status else ("?", -1)
        if code == 0 and http == "200" and length == size and got == digest:
            verified += 1
        else:
            failures.append(f"curl exit {code}, HTTP {http}, {length} bytes, {got}: "
                            f"{err.strip()[:200]}")
    return Concurrent(seconds, verified, failures)


@dataclasses.dataclass
class SlowClients:
    connected: int
    statuses: dict
    bytes: int
    peak_rss_mib: float


async def _slow_client(host, port, path, chunk, interval, stop_at, state):
    try:
        reader, writer = await asyncio.open_connection(host, port, limit=chunk)
    except OSError:
        return
    state["connected"] += 1
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        await writer.drain()
        status = await reader.readline()
        code = status.split(b" ")[1].decode() if status.count(b" ") >= 2 else "?"
        state["statuses"][code] = state["statuses"].get(code, 0) + 1
        while time.monotonic() < stop_at:
            data = await reader.read(chunk)
            if not data:
                break
            state["bytes"] += len(data)
            await asyncio.sleep(interval)
    finally:
        writer.close()


async def _slow_clients(host, port, path, clients, chunk, interval, seconds, sample):
    state = {"connected": 0, "statuses": {}, "bytes": 0}
    stop_at = time.monotonic() + seconds
    tasks = [asyncio.create_task(_slow_client(host, port, path, chunk, interval, stop_at, state))
             for _ in range(clients)]
    peak = 0.0
    while not all(t.done() for t in tasks):
        peak = max(peak, sample())
        await asyncio.sleep(0.1)
    await asyncio.gather(*tasks, return_exceptions=True)
    return SlowClients(state["connected"], state["statuses"], state["bytes"], max(peak, sample()))


def slow_clients(host, port, path, clients, seconds, sample, chunk=16384, interval=0.05):
    """`clients` connections that each read `chunk` bytes every `interval` s for
    `seconds`, then hang up; `sample()` (the server's RSS in MiB) is polled meanwhile."""
    return asyncio.run(_slow_clients(host, port, path, clients, chunk, interval, seconds, sample))


def time_startup(argv, port, log_path, timeout=120):
    """Starts `argv`, returns (seconds until GET /v2/ answers 200, Popen). Polls every 2 ms."""
    log = open(log_path, "ab")
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    request = f"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    while True:
        if proc.poll() is not None:
            raise ClientError(f"{argv[0]} exited with {proc.returncode} during start-up")
        if time.monotonic() - started > timeout:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            raise ClientError(f"{argv[0]} did not answer /v2/ within {timeout}s")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return time.monotonic() - started, proc
        except OSError:
            pass
        time.sleep(0.002)
