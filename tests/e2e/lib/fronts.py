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
from .nginxproc import NginxProcess

class SeedNginx(NginxProcess):
    def __init__(self, workdir, processes, backend_port, cert, key, name="nginx-seed",
                 cdn_secret=None):
        super().__init__(workdir, processes, name, worker_connections=512)
        self.url = f"https://127.0.0.1:{self.port}"
        # The seed's origin lock, when asked for: only requests with the CDN's header pass.
        lock = (f'      if ($http_x_cdn_auth != "{cdn_secret}") {{ return 403; }}\n'
                if cdn_secret else "")
        self.write_config(f"""\
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
  }}""")


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
