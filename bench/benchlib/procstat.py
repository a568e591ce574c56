"""CPU time and memory of a server's processes, read from /proc."""
import os

_TICK = os.sysconf("SC_CLK_TCK")


def _ppid_map():
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        # The command name (field 2) may hold spaces; fields after it are fixed.
        fields = stat[stat.rfind(")") + 2:].split()
        out[int(entry)] = int(fields[1])
    return out


def tree(pid):
    """`pid` and all its descendants (nginx: master and workers)."""
    parents = _ppid_map()
    found, frontier = [pid], [pid]
    while frontier:
        nxt = [child for child, parent in parents.items() if parent in frontier]
        found += nxt
        frontier = nxt
    return found


def cpu_seconds(pids):
    """utime + stime of `pids` (all threads), in seconds; vanished processes count 0."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def status_kib(pid, key):
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), or 0."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mib(pids):
    """Sum of VmHWM over `pids` (shared pages of several processes count more than once)."""
    return sum(status_kib(p, "VmHWM") for p in pids) / 1024


def rss_mib(pids):
    return sum(status_kib(p, "VmRSS") for p in pids) / 1024
