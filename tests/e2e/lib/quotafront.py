"""nginx in front of the upstream that adds Docker Hub's pull-quota headers
(ratelimit-limit / ratelimit-remaining), with a different remaining count per
repository, so a test can watch the mirror's quota gauge follow them."""
import os

from . import procs


class QuotaFront:
    def __init__(self, workdir, processes, upstream_port, remaining_by_repo, limit=100,
                 window=21600):
        self.dir = os.path.join(workdir, "quota-nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.processes = processes
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.dir, "nginx.out")
        self.config_path = os.path.join(self.dir, "nginx.conf")
        user = "user root;\n" if os.geteuid() == 0 else ""
        d = self.dir
        proxy = f"""
      proxy_pass http://127.0.0.1:{upstream_port};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Connection "";
      proxy_buffering off;
      client_max_body_size 0;"""
        locations = "".join(f"""
    location /v2/{repo}/ {{
      add_header ratelimit-limit "{limit};w={window}" always;
      add_header ratelimit-remaining "{remaining};w={window}" always;{proxy}
    }}""" for repo, remaining in remaining_by_repo.items())
        with open(self.config_path, "w") as f:
            f.write(f"""\
{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  server {{
    listen 127.0.0.1:{self.port};{locations}
    location / {{{proxy}
    }}
  }}
}}
""")
        self.daemon = None

    def start(self):
        self.daemon = self.processes.start(
            "nginx-quota",
            ["nginx", "-p", self.dir, "-c", self.config_path, "-g", "daemon off;"],
            self.log_path)
        self.daemon.wait_ready(lambda: procs.port_open(self.port), timeout=20)
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop()
