"""nginx in front of the upstream that answers 429 TOOMANYREQUESTS (with
Retry-After), as Docker Hub does, for one repository and proxies the rest."""
from .nginxproc import NginxProcess

LIMITED_BODY = ('{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull '
                'rate limit.","detail":null}]}')


class RateLimitFront(NginxProcess):
    def __init__(self, workdir, processes, upstream_port, limited_repo, retry_after=37):
        super().__init__(workdir, processes, "nginx-ratelimit")
        self.retry_after = retry_after
        self.write_config(f"""\
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
  }}""")
