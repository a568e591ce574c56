#!/usr/bin/env python3
"""A Docker Hub-like token issuer for the test upstream registry.

`GET /token?service=..&scope=repository:NAME:pull,push` answers
`{"token": JWT, "access_token": JWT, "expires_in": .., "issued_at": ..}`.
The JWT is RS256-signed; its header carries the libtrust `kid` that
docker-registry's `auth: token` matches against `rootcertbundle`.

Access rules, like Docker Hub's:
  - a user with the right password (HTTP Basic) gets pull and push;
  - a wrong password gets 401 and no token;
  - anonymous callers get pull only, and nothing on private repositories
    (names starting with one of `private_prefixes`).
Every request is appended to `log_path` as one JSON line, so tests can count them.

CLI (for manual lab use): tokenserver.py DIR [--port N]
"""
import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import threading
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

ISSUER = "lab-issuer"
SERVICE = "registry.lab"


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key):
    """libtrust's key ID: base32 of the first 240 bits of sha256(DER SPKI), in groups of 4."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def make_signing_key(directory):
    """Writes token.key and token.crt (self-signed) in `directory`; returns (key, cert path)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lab-token-signer")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, "token.crt")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "token.key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return key, cert_path


def parse_scope(scope):
    """'repository:library/alpine:pull,push' -> ('repository', 'library/alpine', ['pull','push'])."""
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return kind, name, [a for a in actions.split(",") if a]


class TokenServer:
    def __init__(self, directory, users, private_prefixes=("private/",), port=0,
                 ttl_seconds=300):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.users = dict(users)
        self.private_prefixes = tuple(private_prefixes)
        self.ttl = ttl_seconds
        self.key, self.cert_path = make_signing_key(directory)
        self.kid = libtrust_key_id(self.key.public_key())
        self.log_path = os.path.join(directory, "token-requests.jsonl")
        self._log_lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server._handle(self)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="tokenserver",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- requests -------------------------------------------------------------

    def requests(self):
        """Every token request so far, as dicts (user, account, scopes, outcome, path)."""
        try:
            with open(self.log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def _record(self, entry):
        with self._log_lock, open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def _granted(self, user, kind, name, actions):
        if kind != "repository":
            return []
        if user is not None:
            return [a for a in actions if a in ("pull", "push")]
        if name.startswith(self.private_prefixes):
            return []
        return [a for a in actions if a == "pull"]

    def _handle(self, req):
        url = urllib.parse.urlsplit(req.path)
        query = urllib.parse.parse_qs(url.query)
        scopes = query.get("scope", [])
        user = None
        auth = req.headers.get("Authorization", "")
        entry = {"path": url.path, "account": query.get("account", [None])[0], "scopes": scopes,
                 "service": query.get("service", [None])[0], "auth": "anonymous", "user": None,
                 "ua": req.headers.get("User-Agent", "")}
        if url.path != "/token":
            entry["outcome"] = "404"
            self._record(entry)
            return self._reply(req, 404, {"details": "not found"})
        if auth.startswith("Basic "):
            try:
                name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                name, password = "", None
            entry.update(auth="basic", user=name)
            if self.users.get(name) != password:
                entry["outcome"] = "401"
                self._record(entry)
                return self._reply(req, 401, {"details": "incorrect username or password"})
            user = name
        access = []
        for scope in scopes:
            kind, name, actions = parse_scope(scope)
            granted = self._granted(user, kind, name, actions)
            access.append({"type": kind, "name": name, "actions": granted})
        token = self._sign(user or "", access)
        entry["outcome"] = "200"
        entry["access"] = access
        self._record(entry)
        now = time.time()
        issued = datetime.datetime.utcfromtimestamp(now).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._reply(req, 200, {"token": token, "access_token": token, "expires_in": self.ttl,
                               "issued_at": issued})

    def _sign(self, subject, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + self.ttl,
                  "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = (_b64url(json.dumps(header).encode()) + "." +
                         _b64url(json.dumps(claims).encode()))
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    @staticmethod
    def _reply(req, status, body):
        data = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    server = TokenServer(args.dir, {"labuser": "labpass"}, port=args.port)
    print(f"realm={server.realm} service={SERVICE} issuer={ISSUER} "
          f"rootcertbundle={server.cert_path} log={server.log_path}", flush=True)
    server.httpd.serve_forever()


if __name__ == "__main__":
    main()
