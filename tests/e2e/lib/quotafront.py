"""nginx in front of the upstream that adds Docker Hub's pull-quota headers
(ratelimit-limit / ratelimit-remaining), with a different remaining count per
repository, so a test can watch the mirror's quota gauge follow them."""
from .nginxproc import NginxProcess


class QuotaFront(NginxProcess):
    def __init__(self, workdir, processes, upstream_port, remaining_by_repo, limit=100,
                 window=21600):
        super().__init__(workdir, processes, "nginx-quota")
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
        self.write_config(f"""\
  server {{
    listen 127.0.0.1:{self.port};{locations}
    location / {{{proxy}
    }}
  }}""")
