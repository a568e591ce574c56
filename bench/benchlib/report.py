"""The results table: one row per measure, one column per server, the ratios
regcache/registry:2 and regcache/nginx, and the issue's target for the row."""
import dataclasses
import statistics

SERVERS = ("regcache", "registry2", "nginx_static", "nginx_cache")
HEADERS = ("regcache", "registry:2 proxy", "nginx static", "nginx caching proxy")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


@dataclasses.dataclass
class Row:
    label: str
    values: dict                 # server key -> number (median) or text
    fmt: str = "{:.2f}"
    ref: str = "nginx_static"    # the nginx column regcache is divided by
    target: str = ""
    met: bool | None = None      # None: no target, or not measured

    def cell(self, key):
        v = self.values.get(key)
        if v is None:
            return "—"
        return v if isinstance(v, str) else self.fmt.format(v).replace("_", ",")

    def ratio(self, other):
        a, b = self.values.get("regcache"), self.values.get(other)
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
            return "—"
        r = a / b
        return f"{r:.2f}×" if r < 100 else f"{r:,.0f}×"


def ratio(row, other):
    a, b = row.values.get("regcache"), row.values.get(other)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return a / b
    return None


def at_least(row, other, factor):
    r = ratio(row, other)
    row.met = None if r is None else r >= factor


def at_most(row, other, factor):
    r = ratio(row, other)
    row.met = None if r is None else r <= factor


def markdown(rows, machine_lines):
    ref_name = {"nginx_static": "static", "nginx_cache": "caching proxy"}
    out = [f"| Measure (median) | {' | '.join(HEADERS)} | regcache ÷ registry:2 | "
           "regcache ÷ nginx | Target | Met |",
           "|---|" + "---:|" * (len(HEADERS) + 2) + "---|:---:|"]
    for row in rows:
        nginx_ratio = row.ratio(row.ref)
        if nginx_ratio != "—":
            nginx_ratio += f" ({ref_name[row.ref]})"
        met = {True: "✅", False: "❌", None: ""}[row.met]
        out.append(f"| {row.label} | " + " | ".join(row.cell(k) for k in SERVERS) +
                   f" | {row.ratio('registry2')} | {nginx_ratio} | {row.target} | {met} |")
    return "\n".join(machine_lines + [""] + out) + "\n"
