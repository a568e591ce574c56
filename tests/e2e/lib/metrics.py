"""Prometheus text exposition, parsed: scrape a mirror's /metrics and read samples."""
import re

import requests

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Metrics:
    def __init__(self, text):
        self.text = text
        self.samples = []   # (name, {labels}, value)
        self.types = {}     # family name -> type
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ", 3)
                self.types[name] = kind
                continue
            if not line or line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            assert m, f"unparsable exposition line: {line!r}"
            labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                      for k, v in _LABEL.findall(m.group(3) or "")}
            self.samples.append((m.group(1), labels, float(m.group(4))))

    def get(self, name, **labels):
        """The one sample of `name` with exactly these labels, or None."""
        for n, l, v in self.samples:
            if n == name and l == labels:
                return v
        return None

    def sum(self, name, **labels):
        """Sum of every sample of `name` whose labels include `labels`."""
        return sum(v for n, l, v in self.samples
                   if n == name and all(l.get(k) == str(x) for k, x in labels.items()))

    def has_family(self, name):
        return name in self.types


def scrape(base_url, path="/metrics"):
    r = requests.get(base_url + path, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    return Metrics(r.text)


def scrape_when(base_url, ready, timeout=10):
    """Scrapes until `ready(metrics)` holds: a request is counted just after its
    client got the last byte, so a scrape right after a pull may be early."""
    from . import procs
    return procs.wait_for(lambda: (lambda m: m if ready(m) else None)(scrape(base_url)),
                          timeout, "the metrics to count every request")
