"""One nginx process for a test: its own directory under the work directory
(config, pid, logs, temp paths), a loopback port chosen by the OS, and the
`http {}` body the caller writes (servers, upstreams). What every nginx front
of the tests (SeedNginx, QuotaFront, RateLimitFront) and the bench's nginx
servers share."""
import os

from . import procs


class NginxProcess:
    def __init__(self, workdir, processes, name, worker_connections=256, worker_processes=1,
                 error_log_level="info"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.processes = processes
        self.name = name
        self.worker_connections = worker_connections
        self.worker_processes = worker_processes  # or "auto": one per core
        self.error_log_level = error_log_level
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.dir, "nginx.out")
        self.access_log = os.path.join(self.dir, "access.log")
        self.config_path = os.path.join(self.dir, "nginx.conf")
        self.daemon = None

    def write_config(self, http_body):
        """`http_body`: what goes inside `http {}` after the logs and temp paths."""
        user = "user root;\n" if os.geteuid() == 0 else ""
        d = self.dir
        with open(self.config_path, "w") as f:
            f.write(f"""\
{user}worker_processes {self.worker_processes};
pid {d}/nginx.pid;
error_log {d}/error.log {self.error_log_level};
events {{ worker_connections {self.worker_connections}; }}
http {{
  access_log {self.access_log};
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
{http_body}
}}
""")

    def start(self):
        self.daemon = self.processes.start(
            self.name, ["nginx", "-p", self.dir, "-c", self.config_path, "-g", "daemon off;"],
            self.log_path)
        self.daemon.wait_ready(lambda: procs.port_open(self.port), timeout=20)
        return self

    def stop(self):
        """Returns nginx's exit code (None if it never started)."""
        return self.daemon.stop() if self.daemon else None
