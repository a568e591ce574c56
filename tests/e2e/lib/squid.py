"""squid as the egress forward proxy (HTTP_PROXY) between the mirror and the upstream.

The upstream is addressed as `upstream.lab`, a name only squid's own
`hosts_file` knows: the mirror cannot resolve it, so a pull that works proves
the traffic went through squid (and Go-style clients never proxy 127.0.0.1).
"""
import os
import pwd
import re
import shutil

from . import procs

UPSTREAM_NAME = "upstream.lab"


class Squid:
    def __init__(self, workdir, processes):
        self.dir = os.path.join(workdir, "squid")
        os.makedirs(self.dir, exist_ok=True)
        self.processes = processes
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = os.path.join(self.dir, "access.log")
        self.log_path = os.path.join(self.dir, "squid.out")
        hosts = os.path.join(self.dir, "hosts")
        with open(hosts, "w") as f:
            f.write(f"127.0.0.1 localhost {UPSTREAM_NAME}\n")
        self.config_path = os.path.join(self.dir, "squid.conf")
        with open(self.config_path, "w") as f:
            f.write(f"""\
http_port 127.0.0.1:{self.port}
pid_filename {self.dir}/squid.pid
access_log stdio:{self.access_log}
cache_log {self.dir}/cache.log
cache_store_log none
coredump_dir {self.dir}
hosts_file {hosts}
dns_nameservers 127.0.0.1
pinger_enable off
shutdown_lifetime 1 seconds
cache deny all
acl SSL_ports port 443 8443
acl CONNECT method CONNECT
acl loopback src 127.0.0.1/32
http_access deny CONNECT !SSL_ports
http_access allow loopback
http_access deny all
""")
        if os.geteuid() == 0:
            # squid drops privileges to its effective user, who must write the logs.
            try:
                user = pwd.getpwnam("proxy")
                for root, dirs, files in os.walk(self.dir):
                    for name in dirs + files:
                        shutil.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
                shutil.chown(self.dir, user.pw_uid, user.pw_gid)
            except KeyError:
                pass
        self.daemon = None

    def start(self):
        self.daemon = self.processes.start(
            "squid", ["squid", "-N", "-f", self.config_path], self.log_path)
        self.daemon.wait_ready(lambda: procs.port_open(self.port), timeout=30)
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop()

    def logged_urls(self):
        """(method, URL) of every request in squid's access log."""
        try:
            with open(self.access_log) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            m = re.search(r"\s(GET|HEAD|POST|PUT|CONNECT)\s(\S+)", line)
            if m:
                out.append((m.group(1), m.group(2)))
        return out
