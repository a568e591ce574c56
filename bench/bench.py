#!/usr/bin/env python3
"""regcache's benchmark against registry:2 in proxy mode and nginx (issue 3).

Starts, on loopback in a private network namespace: an anonymous Debian
docker-registry upstream with generated content, regcache, registry:2 in proxy
mode, nginx serving regcache's blob files (the ceiling) and nginx as a caching
proxy. Measures them in the same run, alternating the order each round, and
prints one Markdown table of medians with the ratios regcache/registry:2 and
regcache/nginx; writes it (and the raw numbers as JSON) to bench/results/.

Usage: bench/run.sh [--quick] [--rounds N] [--keep] [--only SECTION,...]
It is a benchmark: nothing here fails on a slow number; failed downloads and
unverified bytes are reported in the table.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import BENCH_DIR, REPO_ROOT, clients, fixtures, procstat, report, scaleout, servers, startup  # noqa: E402
from lib import mkimg, netns, procs, skopeo  # noqa: E402

MiB = mkimg.MiB
GiB = 1024 * MiB
SECTIONS = ("warm", "small", "cold", "cold_wan", "skopeo", "memory", "slow", "startup")
# Run only when asked for (--only scaleout): it starts a Ceph cluster and Redis.
OPTIONAL_SECTIONS = ("scaleout",)
SCALEOUT_CLIENTS = 8
SCALEOUT_SMALL = (32, 64 * 1024)  # small blobs: how many, each this size

PROFILES = {
    # rounds: cold, skopeo; fast_rounds: warm and small (cheap, and the noisiest on a
    # shared machine); wan_rounds: cold behind the link (about 11 s per 256 MiB test).
    "full": dict(rounds=3, fast_rounds=5, wan_rounds=2, large=256 * MiB, warm1_downloads=8, warm8_downloads=4, wrk_seconds=3,
                 cold=256 * MiB, cold_clients=16, wan_rate=25e6,
                 image_layers=(64 * MiB, 16 * MiB, 4 * MiB),
                 slow_blob=GiB, slow_clients=200, slow_seconds=5, startup_blobs=100_000,
                 startup_runs=3),
    "quick": dict(rounds=1, fast_rounds=1, wan_rounds=1, large=64 * MiB, warm1_downloads=4, warm8_downloads=2, wrk_seconds=1,
                  cold=64 * MiB, cold_clients=16, wan_rate=25e6, image_layers=(8 * MiB, MiB),
                  slow_blob=256 * MiB, slow_clients=200, slow_seconds=2, startup_blobs=10_000,
                  startup_runs=1),
}
PROXIES = ("regcache", "registry2", "nginx_cache")  # the servers that fetch from the upstream
WAN_PROXIES = ("regcache", "nginx_cache")  # behind the limited link (registry:2 would need 17×)
SMALL_KINDS = ("blob4k", "manifest_digest", "manifest_tag")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rotated(items, r):
    k = r % len(items)
    return list(items[k:]) + list(items[:k])


class Bench:
    def __init__(self, profile, workdir, regcache_bin):
        self.p = profile
        self.workdir = workdir
        self.regcache_bin = regcache_bin
        self.processes = procs.Processes()
        self.raw = {}        # measure -> server -> [value per round]
        self.cold_blobs = None
        self.problems = []   # failed or unverified downloads, wrong counts

    # -- bookkeeping --------------------------------------------------------------

    def record(self, measure, server, value):
        self.raw.setdefault(measure, {}).setdefault(server, []).append(value)

    def med(self, measure):
        return {k: report.median(v) for k, v in self.raw.get(measure, {}).items()}

    def problem(self, server, what):
        log(f"PROBLEM {server}: {what}")
        self.problems.append(f"{servers.LABELS.get(server, server)}: {what}")

    # -- fixtures -----------------------------------------------------------------

    def setup(self):
        p = self.p
        self.upstream = fixtures.AnonymousUpstream(self.workdir, self.processes).start()
        up = self.upstream.url
        self.maker = fixtures.BlobMaker()
        log(f"upstream {up}; generating content")
        self.large = fixtures.upload_blob(up, "bench/large", self.maker.make(p["large"]))
        self.small_blob = fixtures.upload_blob(up, "bench/small", self.maker.make(4096))
        images = os.path.join(self.workdir, "images")
        self.small_image = fixtures.push_image(self.upstream, images, "bench/small", "1", seed=1,
                                               layer_sizes=(4096,))
        self.pull_images = {
            (key, r): fixtures.push_image(self.upstream, images, f"bench/pull-{key}", f"r{r}",
                                          seed=100 + 10 * r + i, layer_sizes=p["image_layers"])
            for r in range(p["rounds"]) for i, key in enumerate(PROXIES)}

        self.regcache = servers.ProxyMirror("regcache", self.workdir, self.processes, up,
                                            self.regcache_bin).start()
        self.registry2 = servers.ProxyMirror("registry2", self.workdir, self.processes, up,
                                             self.regcache_bin).start()
        blobs_dir = os.path.join(self.regcache.root, "regcache", "v1", "blobs", "sha256")
        self.nginx_static = servers.NginxStatic(self.workdir, self.processes, blobs_dir).start()
        self.nginx_cache = servers.NginxCache(self.workdir, self.processes,
                                              self.upstream.port).start()
        self.nginx_static.add_tag("bench/small", "1", self.small_image.image.manifest_bytes())
        self.servers = {s.key: s for s in (self.regcache, self.registry2, self.nginx_static,
                                           self.nginx_cache)}
        # regcache first: nginx static serves the files regcache verified.
        for key in ("regcache", "registry2", "nginx_cache", "nginx_static"):
            self.warm_up(self.servers[key])
        os.sync()  # no writeback of the fixtures during the warm measurements

    def small_urls(self, server):
        img = self.small_image.image
        return {
            "blob4k": (server.url + self.small_blob.path, ()),
            "manifest_digest": (f"{server.url}/v2/bench/small/manifests/{img.digest}",
                                (f"Accept: {clients.MANIFEST_ACCEPT}",)),
            "manifest_tag": (f"{server.url}/v2/bench/small/manifests/1",
                             (f"Accept: {clients.MANIFEST_ACCEPT}",)),
        }

    def warm_up(self, server):
        """Fetches everything the warm tests use once, and checks the bytes."""
        got = clients.concurrent_downloads(server.url + self.large.path, 1, self.large.digest,
                                           self.large.size, timeout=120)
        for f in got.failures:
            self.problem(server.key, f"warm-up of the large blob: {f}")
        img = self.small_image.image
        for kind, (url, headers) in self.small_urls(server).items():
            want = self.small_blob.digest if kind == "blob4k" else img.digest
            for _ in range(2):
                r = requests.get(url, headers=dict(h.split(": ", 1) for h in headers), timeout=30)
            got_digest = "sha256:" + hashlib.sha256(r.content).hexdigest()
            if r.status_code != 200 or got_digest != want:
                self.problem(server.key, f"warm-up {kind}: HTTP {r.status_code}, {got_digest}")

    # -- sections -----------------------------------------------------------------

    def section_warm(self):
        p = self.p
        for r in range(p["fast_rounds"]):
            for key in rotated(list(self.servers), r):
                s = self.servers[key]
                url = s.url + self.large.path
                pids = s.pids()
                got = clients.download_repeatedly(url, 1, p["warm1_downloads"], self.large.size, 300)
                self.record("warm1_gbps", key, got.bytes / got.seconds / 1e9)
                cpu0 = procstat.cpu_seconds(pids)
                got8 = clients.download_repeatedly(url, 8, p["warm8_downloads"], self.large.size, 600)
                cpu = procstat.cpu_seconds(pids) - cpu0
                self.record("warm8_gbps", key, got8.bytes / got8.seconds / 1e9)
                self.record("warm8_cpu_per_gib", key, cpu / (got8.bytes / GiB) if got8.bytes else None)
                for f in got.failures + got8.failures:
                    self.problem(key, f"warm large blob: {f}")
                log(f"warm r{r} {key}: 1 client {got.bytes / got.seconds / 1e9:.2f} GB/s, "
                    f"8 clients {got8.bytes / got8.seconds / 1e9:.2f} GB/s, "
                    f"{cpu / max(got8.bytes / GiB, 1e-9):.3f} CPU-s/GiB")

    def section_small(self):
        p = self.p
        for r in range(p["fast_rounds"]):
            for key in rotated(list(self.servers), r):
                s = self.servers[key]
                pids = s.pids()
                for kind, (url, headers) in self.small_urls(s).items():
                    self.quiet_upstream()
                    mark = self.upstream.mark()
                    cpu0 = procstat.cpu_seconds(pids)
                    w = clients.wrk(url, p["wrk_seconds"], headers=headers)
                    cpu = procstat.cpu_seconds(pids) - cpu0
                    upstream_reqs = len(self.upstream.requests_since(mark))
                    n = max(w["requests"], 1)
                    self.record(f"{kind}_rps", key, w["requests"] / (w["duration_us"] / 1e6))
                    self.record(f"{kind}_p50_ms", key, w["p50_us"] / 1000)
                    self.record(f"{kind}_p99_ms", key, w["p99_us"] / 1000)
                    self.record(f"{kind}_cpu_us", key, cpu * 1e6 / n)
                    self.record(f"{kind}_upstream_per_req", key, upstream_reqs / n)
                    errors = sum(w[e] for e in ("connect_errors", "read_errors", "write_errors",
                                                "status_errors", "timeouts"))
                    if errors:
                        self.problem(key, f"{kind}: {errors} errors in {w['requests']} requests "
                                          f"({ {e: w[e] for e in w if e.endswith(('errors', 'timeouts'))} })")
                    log(f"small r{r} {key} {kind}: {w['requests'] / (w['duration_us'] / 1e6):,.0f} "
                        f"req/s p50 {w['p50_us'] / 1000:.2f} ms p99 {w['p99_us'] / 1000:.2f} ms, "
                        f"{cpu * 1e6 / n:.0f} CPU-us/req, {upstream_reqs} upstream requests")

    def quiet_upstream(self, timeout=15):
        """Waits until the upstream's log stops growing: registry:2 goes on asking
        upstream for requests whose clients have hung up."""
        deadline = time.monotonic() + timeout
        size, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now_size = os.path.getsize(self.upstream.log_path)
            if now_size != size:
                size, since = now_size, time.monotonic()
            elif time.monotonic() - since >= 0.3:
                return
            time.sleep(0.05)

    def _settled_requests(self, mark, path, timeout=20):
        """Upstream requests since `mark`, once requests for `path` stopped arriving
        (registry:2 keeps fetching in the background after its clients finish)."""
        deadline = time.monotonic() + timeout
        last, stable_since = None, time.monotonic()
        while True:
            reqs = self.upstream.requests_since(mark)
            n = sum(1 for q in reqs if q.path == path)
            if n != last:
                last, stable_since = n, time.monotonic()
            elif time.monotonic() - stable_since >= 1.0 or time.monotonic() > deadline:
                return reqs
            time.sleep(0.2)

    def _cold_once(self, s, clients_n, blob, label):
        key = s.key
        self.quiet_upstream()
        mark = self.upstream.mark()
        got = clients.concurrent_downloads(s.url + blob.path, clients_n, blob.digest, blob.size,
                                           timeout=300)
        reqs = self._settled_requests(mark, blob.path)
        gets = [q for q in reqs if q.method == "GET" and q.path == blob.path]
        heads = [q for q in reqs if q.method == "HEAD" and q.path == blob.path]
        pings = [q for q in reqs if q.path == "/v2/"]
        for f in got.failures:
            self.problem(key, f"{label}: {f}")
        return got, gets, heads, pings

    def cold_blob(self, key, r, clients_n):
        """The uncached blob for one cold test: each server, round and client count
        has its own (the servers behind the limited link reuse them, uncached there too)."""
        p = self.p
        if self.cold_blobs is None:
            n = p["cold_clients"]
            log(f"uploading {p['rounds'] * len(PROXIES) * 2} cold blobs of {p['cold'] // MiB} MiB")
            self.cold_blobs = {(k, rr, c): fixtures.upload_blob(self.upstream.url, "bench/cold",
                                                                self.maker.make(p["cold"]))
                               for rr in range(p["rounds"]) for k in PROXIES for c in (1, n)}
            os.sync()
        return self.cold_blobs[(key, r, clients_n)]

    def section_cold(self):
        p = self.p
        n = p["cold_clients"]
        self.cold_blob("regcache", 0, n)
        for r in range(p["rounds"]):
            for key in rotated(list(PROXIES), r):
                blob = self.cold_blob(key, r, n)
                got, gets, heads, pings = self._cold_once(self.servers[key], n, blob,
                                                          f"cold {n} clients")
                self.record("cold_s", key, got.seconds)
                self.record("cold_verified", key, got.verified)
                self.record("cold_gets", key, len(gets))
                self.record("cold_heads", key, len(heads))
                self.record("cold_pings", key, len(pings))
                self.record("cold_bytes_x", key, sum(q.bytes for q in gets) / blob.size)
                log(f"cold r{r} {key}: {n} clients {got.seconds:.2f} s, {got.verified} verified, "
                    f"upstream {len(gets)} GET + {len(heads)} HEAD of the blob + {len(pings)} "
                    f"GET /v2/, {sum(q.bytes for q in gets) / blob.size:.2f}× the blob")
                blob1 = self.cold_blob(key, r, 1)
                got1, gets1, _, _ = self._cold_once(self.servers[key], 1, blob1, "cold 1 client")
                self.record("cold1_s", key, got1.seconds)
                log(f"cold r{r} {key}: 1 client {got1.seconds:.2f} s, {len(gets1)} upstream GET")

    def section_cold_wan(self):
        """The cold test again with the upstream behind a link of `wan_rate` bytes/s
        shared by all connections, on fresh regcache and nginx instances."""
        p = self.p
        n = p["cold_clients"]
        self.cold_blob("regcache", 0, n)
        link_port = procs.free_port()
        wan = os.path.join(self.workdir, "wan")
        os.makedirs(wan, exist_ok=True)
        link = self.processes.start(
            "wanlink", [sys.executable, os.path.join(BENCH_DIR, "benchlib", "wanlink.py"),
                        str(link_port), str(self.upstream.port), str(p["wan_rate"])],
            os.path.join(wan, "wanlink.log"))
        link.wait_ready(lambda: procs.port_open(link_port), timeout=10)
        behind = {
            "regcache": servers.ProxyMirror("regcache", wan, self.processes,
                                            f"http://127.0.0.1:{link_port}", self.regcache_bin),
            "nginx_cache": servers.NginxCache(wan, self.processes, link_port),
        }
        try:
            for s in behind.values():
                s.start()
            for r in range(min(p["wan_rounds"], p["rounds"])):
                for key in rotated(list(WAN_PROXIES), r):
                    s = behind[key]
                    blob = self.cold_blob(key, r, n)
                    got, gets, _, _ = self._cold_once(s, n, blob, f"cold behind the link, {n} clients")
                    self.record("wan_cold_s", key, got.seconds)
                    self.record("wan_cold_gets", key, len(gets))
                    self.record("wan_cold_verified", key, got.verified)
                    got1, _, _, _ = self._cold_once(s, 1, self.cold_blob(key, r, 1),
                                                    "cold behind the link, 1 client")
                    self.record("wan_cold1_s", key, got1.seconds)
                    log(f"cold behind a {p['wan_rate'] / 1e6:.0f} MB/s link r{r} {key}: {n} clients "
                        f"{got.seconds:.2f} s ({len(gets)} upstream GET, {got.verified} verified), "
                        f"1 client {got1.seconds:.2f} s")
        finally:
            for s in behind.values():
                s.stop()
            link.stop()

    def section_skopeo(self):
        for r in range(self.p["rounds"]):
            for key in rotated(list(PROXIES), r):
                s = self.servers[key]
                pushed = self.pull_images[(key, r)]
                dest = os.path.join(self.workdir, "pulls", key)
                for state in ("cold", "warm"):
                    started = time.monotonic()
                    try:
                        skopeo.pull(s.host, pushed.ref, dest)
                        seconds = time.monotonic() - started
                        skopeo.verify_dir(dest, pushed.image)
                    except (AssertionError, subprocess.TimeoutExpired) as e:
                        self.problem(key, f"skopeo {state} pull: {str(e)[:300]}")
                        seconds = None
                    self.record(f"skopeo_{state}_s", key, seconds)
                    log(f"skopeo r{r} {key} {state}: {seconds if seconds is None else round(seconds, 2)} s")
                shutil.rmtree(dest, ignore_errors=True)

    def section_memory(self):
        for key, s in self.servers.items():
            self.record("peak_rss_mib", key, procstat.peak_rss_mib(s.pids()))

    def section_slow(self):
        p = self.p
        log(f"uploading a {p['slow_blob'] // MiB} MiB blob for {p['slow_clients']} slow clients")
        blob = fixtures.upload_blob(self.upstream.url, "bench/slow", self.maker.make(p["slow_blob"]))
        s = self.regcache
        before = procstat.rss_mib(s.pids())
        mark = self.upstream.mark()
        got = clients.slow_clients("127.0.0.1", s.port, blob.path, p["slow_clients"],
                                   p["slow_seconds"], lambda: procstat.rss_mib(s.pids()))
        self.record("slow_rss_mib", "regcache", got.peak_rss_mib)
        if got.connected != p["slow_clients"] or got.statuses != {"200": p["slow_clients"]}:
            self.problem("regcache", f"slow clients: {got.connected} connected, statuses {got.statuses}")
        # The download goes on after the clients hung up; count it once it is done.
        reqs = self._settled_requests(mark, blob.path, timeout=120)
        gets = [q for q in reqs if q.method == "GET" and q.path == blob.path]
        self.record("slow_upstream_gets", "regcache", len(gets))
        log(f"slow: {got.connected} clients, RSS {before:.1f} MiB before, peak {got.peak_rss_mib:.1f} "
            f"MiB during; {got.bytes / MiB:.0f} MiB read; upstream GETs {len(gets)} "
            f"({sum(q.bytes for q in gets) / blob.size:.2f}× the blob)")

    def section_scaleout(self):
        """Warm pulls through 1, 2 and 3 nodes on one bucket (clients round-robin over
        the nodes) against the filesystem node, with and without local copies."""
        p = self.p
        up = self.upstream.url
        count, size = SCALEOUT_SMALL
        smalls = [fixtures.upload_blob(up, "bench/scale-small", self.maker.make(size))
                  for _ in range(count)]
        backing = scaleout.Backing(self.workdir, self.processes).start()
        configs = {"fs": [self.regcache]}
        try:
            for local in (True, False):
                mode = "local" if local else "bucket"
                nodes = [scaleout.S3Node(f"{mode}-{i}", self.workdir, self.processes, up,
                                         self.regcache_bin, backing, "bench", local).start()
                         for i in range(3)]
                for n in (1, 2, 3):
                    configs[f"{mode}{n}"] = nodes[:n]
            # Each node reads everything once: the first fetches it into the bucket, the
            # others copy it from there (and keep local copies when they have them).
            for key in ("fs", "local3", "bucket3"):
                for node in configs[key]:
                    self._scaleout_pass(key, nodes=[node], downloads=1, smalls=smalls, record=False)
            for r in range(p["rounds"]):
                for key in rotated(list(configs), r):
                    self._scaleout_pass(key, configs[key], 2 if p["large"] >= 256 * MiB else 4,
                                        smalls, record=True)
        finally:
            for node in configs.get("local3", []) + configs.get("bucket3", []):
                node.stop()
            backing.stop()

    def _scaleout_pass(self, key, nodes, downloads, smalls, record):
        sizes = {n.url + self.large.path: self.large.size for n in nodes}
        large = clients.download_spread([[n.url + self.large.path] for n in nodes],
                                        SCALEOUT_CLIENTS, downloads, sizes, 600)
        sizes = {n.url + b.path: b.size for n in nodes for b in smalls}
        small = clients.download_spread([[n.url + b.path for b in smalls] for n in nodes],
                                        SCALEOUT_CLIENTS, 4, sizes, 600)
        for f in large.failures[:3] + small.failures[:3]:
            self.problem("regcache", f"scale-out {key}: {f}")
        if not record:
            return
        self.record("scale_large_gbps", key, large.bytes / large.seconds / 1e9)
        self.record("scale_small_gbps", key, small.bytes / small.seconds / 1e9)
        self.record("scale_small_rps", key,
                    SCALEOUT_CLIENTS * 4 * len(smalls) / small.seconds)
        log(f"scale-out {key}: {self.large.size // MiB} MiB blob "
            f"{large.bytes / large.seconds / 1e9:.2f} GB/s, small blobs "
            f"{small.bytes / small.seconds / 1e9:.3f} GB/s "
            f"({SCALEOUT_CLIENTS * 4 * len(smalls) / small.seconds:,.0f} req/s)")

    def scaleout_table(self):
        """Its own Markdown table: one row per node configuration."""
        if "scale_large_gbps" not in self.raw:
            return ""
        large, small, rps = (self.med(m) for m in ("scale_large_gbps", "scale_small_gbps",
                                                   "scale_small_rps"))
        count, size = SCALEOUT_SMALL
        mb = self.large.size // MiB
        names = {"fs": "1 node, filesystem"}
        for n in (1, 2, 3):
            names[f"local{n}"] = f"{n} node{'s' if n > 1 else ''} on one RGW bucket, local copies (default)"
            names[f"bucket{n}"] = f"{n} node{'s' if n > 1 else ''} on one RGW bucket, bucket only"

        def x(values, key):
            base = values.get("fs")
            return f"{values[key] / base:.2f}×" if base and values.get(key) else "—"
        out = [f"Scale-out: warm pulls, {SCALEOUT_CLIENTS} clients spread round-robin over the "
               f"nodes (each: the {mb} MiB blob, then {count} blobs of {size // 1024} KiB 4 times); "
               f"medians of {self.p['rounds']} alternating rounds",
               "",
               f"| Nodes | {mb} MiB blob (GB/s) | ÷ filesystem | {size // 1024} KiB blobs (GB/s) | "
               "req/s | ÷ filesystem |",
               "|---|---:|---:|---:|---:|---:|"]
        for key, name in names.items():
            if key not in large:
                continue
            out.append(f"| {name} | {large[key]:.2f} | {x(large, key)} | {small[key]:.3f} | "
                       f"{rps[key]:,.0f} | {x(rps, key)} |")
        return "\n".join(out) + "\n"

    def section_startup(self):
        p = self.p
        m = servers.ProxyMirror("regcache", os.path.join(self.workdir, "startup"), self.processes,
                                self.upstream.url, self.regcache_bin)
        m.start()   # creates the index schema
        m.stop()
        took = startup.fill_cache(m.root, p["startup_blobs"])
        log(f"startup: {p['startup_blobs']} blobs written in {took:.1f} s")
        for r in range(p["startup_runs"]):
            seconds, proc = clients.time_startup(m.argv, m.port, m.log_path)
            rss = procstat.status_kib(proc.pid, "VmHWM") / 1024
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self.record("startup_s", "regcache", seconds)
            self.record("startup_rss_mib", "regcache", rss)
            log(f"startup r{r}: /v2/ answered after {seconds:.3f} s, VmHWM {rss:.1f} MiB")
        if f"{p['startup_blobs']} cached objects" not in procs.tail(m.log_path, 10**6):
            self.problem("regcache", f"start-up log does not report {p['startup_blobs']} cached objects")

    # -- the table ----------------------------------------------------------------

    def rows(self):
        R = report.Row
        rows = []
        mb = self.large.size // MiB
        if "warm1_gbps" in self.raw:
            row = R(f"Warm {mb} MiB blob, 1 client (GB/s)", self.med("warm1_gbps"),
                    target="≥ 0.95× nginx static")
            report.at_least(row, "nginx_static", 0.95)
            rows.append(row)
            row = R(f"Warm {mb} MiB blob, 8 clients (GB/s)", self.med("warm8_gbps"),
                    target="≥ 0.95× nginx static")
            report.at_least(row, "nginx_static", 0.95)
            rows.append(row)
            row = R("Warm, 8 clients: server CPU seconds per GiB", self.med("warm8_cpu_per_gib"),
                    fmt="{:.3f}", target="≤ 1.5× nginx static")
            report.at_most(row, "nginx_static", 1.5)
            rows.append(row)
        names = {"blob4k": "4 KiB blob by digest", "manifest_digest": "Manifest by digest",
                 "manifest_tag": "Manifest by tag"}
        for kind in SMALL_KINDS:
            if f"{kind}_rps" not in self.raw:
                continue
            row = R(f"{names[kind]}, 64 conns (req/s)", self.med(f"{kind}_rps"), fmt="{:_.0f}",
                    target="≥ 0.8× nginx static")
            report.at_least(row, "nginx_static", 0.8)
            rows.append(row)
            rows.append(R(f"{names[kind]}: p50 latency (ms)", self.med(f"{kind}_p50_ms")))
            row = R(f"{names[kind]}: p99 latency (ms)", self.med(f"{kind}_p99_ms"),
                    target="≤ 2× nginx static")
            report.at_most(row, "nginx_static", 2.0)
            rows.append(row)
            rows.append(R(f"{names[kind]}: server CPU µs per request", self.med(f"{kind}_cpu_us"),
                          fmt="{:.0f}"))
            if kind == "manifest_tag":
                up = self.med("manifest_tag_upstream_per_req")
                row = R("Manifest by tag: upstream requests per client request", up, fmt="{:.3f}",
                        target="0 (within tag_revalidate)")
                row.met = None if up.get("regcache") is None else up["regcache"] == 0
                rows.append(row)
        if "cold_s" in self.raw:
            n = self.p["cold_clients"]
            mb = self.p["cold"] // MiB
            cold, cold1 = self.med("cold_s"), self.med("cold1_s")
            row = R(f"Cold {mb} MiB blob, {n} concurrent clients: time until all finish (s)", cold,
                    ref="nginx_cache", target="≤ 1.2× one client, ≤ 0.8× nginx caching proxy")
            r_nginx = report.ratio(row, "nginx_cache")
            one = cold1.get("regcache")
            row.met = (None if r_nginx is None or not one else
                       (r_nginx <= 0.8 and cold["regcache"] <= 1.2 * one))
            rows.append(row)
            rows.append(R(f"Cold {mb} MiB blob, 1 client (s)", cold1, ref="nginx_cache"))
            gets = self.med("cold_gets")
            row = R(f"Cold, {n} clients: upstream GETs of the blob", gets, fmt="{:.0f}",
                    ref="nginx_cache", target="exactly 1")
            row.met = None if gets.get("regcache") is None else gets["regcache"] == 1
            rows.append(row)
            heads, pings = self.med("cold_heads"), self.med("cold_pings")
            rows.append(R(f"Cold, {n} clients: upstream HEADs of the blob / GET /v2/",
                          {k: f"{heads[k]:.0f} / {pings.get(k, 0):.0f}" for k in heads},
                          ref="nginx_cache"))
            bx = self.med("cold_bytes_x")
            row = R(f"Cold, {n} clients: bytes from upstream (× blob size)", bx, ref="nginx_cache",
                    target="1.0×")
            row.met = None if bx.get("regcache") is None else abs(bx["regcache"] - 1.0) < 0.005
            rows.append(row)
            ver = {k: min(v) for k, v in self.raw["cold_verified"].items()}
            row = R(f"Cold, {n} clients: clients with verified sha256 (worst round)",
                    {k: f"{v}/{n}" for k, v in ver.items()}, ref="nginx_cache", target=f"{n}/{n}")
            row.met = ver.get("regcache") == n
            rows.append(row)
        if "wan_cold_s" in self.raw:
            n = self.p["cold_clients"]
            mb = self.p["cold"] // MiB
            link = f"{self.p['wan_rate'] / 1e6:.0f} MB/s"
            cold, cold1 = self.med("wan_cold_s"), self.med("wan_cold1_s")
            row = R(f"Cold {mb} MiB blob behind a {link} upstream link, {n} clients (s)", cold,
                    ref="nginx_cache", target="≤ 1.2× one client, ≤ 0.8× nginx caching proxy")
            r_nginx = report.ratio(row, "nginx_cache")
            one = cold1.get("regcache")
            row.met = (None if r_nginx is None or not one else
                       (r_nginx <= 0.8 and cold["regcache"] <= 1.2 * one))
            rows.append(row)
            rows.append(R(f"Cold {mb} MiB blob behind a {link} upstream link, 1 client (s)", cold1,
                          ref="nginx_cache"))
            gets = self.med("wan_cold_gets")
            ver = {k: min(v) for k, v in self.raw["wan_cold_verified"].items()}
            row = R(f"Behind the link, {n} clients: upstream GETs / clients verified (worst round)",
                    {k: f"{gets[k]:.0f} / {ver[k]}/{n}" for k in gets}, ref="nginx_cache",
                    target=f"1 / {n}/{n}")
            row.met = gets.get("regcache") == 1 and ver.get("regcache") == n
            rows.append(row)
        if "skopeo_cold_s" in self.raw:
            total = sum(self.p["image_layers"]) // MiB
            rows.append(R(f"skopeo copy of a {total} MiB image, cold (s)", self.med("skopeo_cold_s"),
                          ref="nginx_cache"))
            rows.append(R(f"skopeo copy of a {total} MiB image, warm (s)", self.med("skopeo_warm_s"),
                          ref="nginx_cache"))
        if "peak_rss_mib" in self.raw:
            row = R("Peak resident memory, VmHWM (MiB)", self.med("peak_rss_mib"), fmt="{:.1f}",
                    target="≤ 64 MiB")
            v = row.values.get("regcache")
            row.met = None if v is None else v <= 64
            rows.append(row)
        if "slow_rss_mib" in self.raw:
            v = self.med("slow_rss_mib")
            row = R(f"regcache RSS with {self.p['slow_clients']} slow clients on a "
                    f"{self.p['slow_blob'] // MiB} MiB cold blob (MiB)", v, fmt="{:.1f}",
                    target="≤ 64 MiB")
            row.met = v["regcache"] <= 64
            rows.append(row)
        if "startup_s" in self.raw:
            n = self.p["startup_blobs"]
            rows.append(R(f"regcache start-up with {n:,} cached blobs, until /v2/ answers (s)",
                          self.med("startup_s"), fmt="{:.2f}"))
            rows.append(R(f"regcache VmHWM after start-up with {n:,} cached blobs (MiB)",
                          self.med("startup_rss_mib"), fmt="{:.1f}"))
        return rows


def machine_lines(profile_name, profile, load_before, load_after):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    commit = subprocess.run(["git", "-C", REPO_ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    versions = []
    for argv in (["nginx", "-v"], ["docker-registry", "--version"], ["wrk", "-v"]):
        p = subprocess.run(argv, capture_output=True, text=True)
        text = (p.stdout + p.stderr).strip()
        versions.append(text.splitlines()[0].split(" Copyright")[0] if text else "")
    return [
        f"Benchmark of {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} "
        f"(`bench/run.sh{' --quick' if profile_name == 'quick' else ''}`), regcache `{commit}`: "
        f"medians of {profile['fast_rounds']} alternating rounds for warm and small requests, "
        f"{profile['rounds']} for cold and skopeo, "
        f"{min(profile['wan_rounds'], profile['rounds'])} behind the link.",
        f"Machine: {os.cpu_count()} CPUs ({cpu}), {mem_kib / 1024 / 1024:.1f} GiB RAM, Linux "
        f"{platform.release()}; clients and servers share the CPUs over loopback; load average "
        f"{load_before} before, {load_after} after (the bench at nice {os.nice(0)}).",
        "Peers: " + "; ".join(v for v in versions if v) + ".",
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one short round (under 2 minutes)")
    ap.add_argument("--rounds", type=int, help="rounds per measure (default 3, quick 1)")
    ap.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS + OPTIONAL_SECTIONS))
    ap.add_argument("--keep", action="store_true", help="keep the work directory and its logs")
    ap.add_argument("--regcache", default=os.environ.get("REGCACHE_BIN",
                                                         os.path.join(REPO_ROOT, "build", "regcache")))
    ap.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    args = ap.parse_args()
    profile_name = "quick" if args.quick else "full"
    profile = dict(PROFILES[profile_name])
    if args.rounds:
        for key in ("rounds", "fast_rounds", "wan_rounds"):
            profile[key] = max(1, min(args.rounds, 9))
    sections = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(sections) - set(SECTIONS) - set(OPTIONAL_SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}")
    if not os.access(args.regcache, os.X_OK):
        ap.error(f"no regcache binary at {args.regcache} (build it, or pass --regcache)")
    args.regcache = os.path.abspath(args.regcache)

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
    if not netns.isolated():
        if os.geteuid() == 0:
            netns.enter_private()   # loopback only, and ports nobody else uses
        else:
            log("not root: running on the host's loopback")
    else:
        netns.loopback_up()

    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the finally below stops everything.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_before = open("/proc/loadavg").read().split()[0]
    workdir = tempfile.mkdtemp(prefix="regcache-bench-", dir="/var/tmp")
    bench = Bench(profile, workdir, args.regcache)
    started = time.monotonic()
    try:
        bench.setup()
        for section in SECTIONS + OPTIONAL_SECTIONS:
            if section in sections:
                log(f"== {section}")
                getattr(bench, f"section_{section}")()
    finally:
        errors = bench.processes.stop_all()
        for e in errors:
            log(f"stopping: {e}")
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    load_after = open("/proc/loadavg").read().split()[0]
    lines = machine_lines(profile_name, profile, load_before, load_after)
    rows = bench.rows()  # none with --only scaleout: its table follows
    text = report.markdown(rows, lines) if rows else "\n".join(lines) + "\n"
    if bench.scaleout_table():
        text += "\n" + bench.scaleout_table()
    if bench.problems:
        text += "\nProblems seen during the run:\n" + "".join(f"- {p}\n" for p in bench.problems)
    text += f"\nThe run took {time.monotonic() - started:.0f} s.\n"
    print(text)
    os.makedirs(args.results, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S") + ("-quick" if args.quick else "")
    with open(os.path.join(args.results, f"{stamp}.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.results, f"{stamp}.json"), "w") as f:
        json.dump({"profile": profile, "raw": bench.raw, "problems": bench.problems}, f, indent=1)
    log(f"written to {os.path.join(args.results, stamp)}.md")
    return 1 if bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
