"""What sits in front of the mirror in the seed's production shape.

SeedNginx: nginx 1.22 terminating TLS with the seed's proxy settings
(`listen 443 ssl http2`, `client_max_body_size 0`, `proxy_read_timeout 900s`,
`proxy_request_buffering off`, the X-Forwarded-* headers), on loopback ports
chosen by the OS, for IPv4 and ::1.

VarnishCdn: Varnish 7 as a CDN with no path rules at all (the default VCL
with only a backend): what it caches and for how long is decided by the
mirror's Cache-Control headers alone.
"""
import os
import subprocess

from . import procs

NGINX_TEMP = ("client_body_temp_path {d}/tmp/body;\n  proxy_temp_path {d}/tmp/proxy;\n"
              "  fastcgi_temp_path {d}/tmp/fastcgi;\n  uwsgi_temp_path {d}/tmp/uwsgi;\n"
              "  scgi_temp_path {d}/tmp/scgi;")


class SeedNginx:
    def __init__(self, workdir, processes, backend_port, cert, key, name="nginx-seed",
                 cdn_secret=None):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.processes = processes
        self.name = name
        self.port = procs.free_port()
        self.log_path = os.path.join(self.dir, "nginx.out")
        self.access_log = os.path.join(self.dir, "access.log")
        self.config_path = os.path.join(self.dir, "nginx.conf")
        user = "user root;\n" if os.geteuid() == 0 else ""
        d = self.dir
        # The seed's origin lock, when asked for: only requests with the CDN's header pass.
        lock = (f'      if ($http_x_cdn_auth != "{cdn_secret}") {{ return 403; }}\n'
                if cdn_secret else "")
        with open(self.config_path, "w") as f:
            f.write(f"""\
{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
  access_log {self.access_log};
  {NGINX_TEMP.format(d=d)}
  upstream docker-mirror {{
    server 127.0.0.1:{backend_port};
  }}
  server {{
    listen 127.0.0.1:{self.port} ssl http2;
    listen [::1]:{self.port} ssl http2;
    server_name mirror.lab;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 0;
    chunked_transfer_encoding on;
    location / {{
{lock}      proxy_pass http://docker-mirror;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 900s;
      proxy_request_buffering off;
    }}
  }}
}}
""")
        self.daemon = None

    def start(self):
        self.daemon = self.processes.start(
            self.name, ["nginx", "-p", self.dir, "-c", self.config_path, "-g", "daemon off;"],
            self.log_path)
        self.daemon.wait_ready(lambda: procs.port_open(self.port), timeout=20)
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop()


class VarnishCdn:
    def __init__(self, workdir, processes, backend_port, name="varnish"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.processes = processes
        self.name = name
        self.port = procs.free_port()
        self.admin_port = procs.free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.log_path = os.path.join(self.dir, "varnishd.log")
        self.vcl_path = os.path.join(self.dir, "default.vcl")
        with open(self.vcl_path, "w") as f:
            # No path rules: Varnish's built-in logic plus the mirror's headers.
            f.write(f'vcl 4.1;\nbackend default {{ .host = "127.0.0.1"; .port = "{backend_port}"; }}\n')
        self.daemon = None

    def start(self):
        user = ["-j", "none"] if os.geteuid() == 0 else []
        self.daemon = self.processes.start(
            self.name,
            ["varnishd", "-F", *user, "-a", f"127.0.0.1:{self.port}",
             "-T", f"127.0.0.1:{self.admin_port}", "-f", self.vcl_path,
             "-n", os.path.join(self.dir, "work"), "-s", "malloc,256m",
             "-p", "default_grace=0", "-p", "default_keep=0",
             # skopeo tries TLS first on a plain-HTTP registry; Varnish would wait
             # its default 5 s for that ClientHello to become a request.
             "-p", "timeout_idle=1"],
            self.log_path)
        self.daemon.wait_ready(lambda: procs.port_open(self.port), timeout=30)
        return self

    def stop(self):
        if self.daemon:
            self.daemon.stop()
