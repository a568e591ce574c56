"""nginx in front of the upstream that answers 429 TOOMANYREQUESTS (with
Retry-After), as Docker Hub does, for one repository and proxies the rest."""
import os

from . import procs

LIMITED_BODY = ('{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull '
                'rate limit.","detail":null}]}')


class RateLimitFront:
    def __init__(self, workdir, processes, upstream_port, limited_repo, retry_after=37):
        self.dir = os.path.join(workdir, "ratelimit-nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.processes = processes
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.retry_after = retry_after
        self.log_path = os.path.join(self.dir, "nginx.out")
        self.config_path = os.path.join(self.dir, "nginx.conf")
        user = "user root;\n" if os.geteuid() == 0 else ""
        d = self.dir
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
    listen 127.0.0.1:{self.port};
    location /v2/{limited_repo}/ {{
      default_type application/json;
      add_header Retry-After {retry_after} always;
      return 429 '{LIMITED_BODY}';
    }}
    location / {{
      proxy_pass http://127.0.0.1:{upstream_port};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      client_max_body_size 0;
    }}
  }}
}}
""")
        self.daemon = None

    def start(self):
        self.daemon = self.processes.start(
            "nginx-ratelimit",
            ["nginx", "-p", self.dir, "-c", self.config_path, "-g", "daemon off;"],
            self.log_path)
        self.daemon.wait_ready(lambda: procs.port_open(self.port), timeout=20)
        return self
