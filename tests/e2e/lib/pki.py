"""A throwaway certificate authority and server certificates (openssl CLI).

The CA signs leaves for the names the tests use: mirror.lab (resolved to ::1
inside dockerd's namespace, since Docker skips TLS verification for anything
in 127.0.0.0/8), localhost, 127.0.0.1 and ::1. `issue()` can be called again
with another serial to play a certificate renewal.
"""
import os
import ssl
import subprocess

NAMES = "DNS:mirror.lab,DNS:localhost,IP:127.0.0.1,IP:::1"


def _openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{p.stderr}")
    return p


class Pki:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.ca_cert = os.path.join(directory, "ca.crt")
        self.ca_key = os.path.join(directory, "ca.key")
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key,
                 "-out", self.ca_cert, "-days", "30", "-subj", "/CN=regcache-e2e-ca",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
        # skopeo's --*-cert-dir wants a directory of CA files named *.crt
        self.cert_dir = os.path.join(directory, "certdir")
        os.makedirs(self.cert_dir, exist_ok=True)
        with open(self.ca_cert) as src, open(os.path.join(self.cert_dir, "ca.crt"), "w") as dst:
            dst.write(src.read())

    def issue(self, name, serial=1, cert_path=None, key_path=None, client=False):
        """Writes a leaf for NAMES (client=True: a TLS client certificate);
        returns (cert_path, key_path)."""
        cert_path = cert_path or os.path.join(self.dir, f"{name}.crt")
        key_path = key_path or os.path.join(self.dir, f"{name}.key")
        csr = os.path.join(self.dir, f"{name}-{serial}.csr")
        ext = os.path.join(self.dir, f"{name}-{serial}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={NAMES}\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    f"extendedKeyUsage={'clientAuth' if client else 'serverAuth'}\n")
        tmp_key, tmp_cert = key_path + ".new", cert_path + ".new"
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp_key, "-out", csr,
                 "-subj", f"/CN={name}", cwd=self.dir)
        _openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                 "-set_serial", str(serial), "-out", tmp_cert, "-days", "30", "-extfile", ext,
                 cwd=self.dir)
        # Renamed into place, as certbot or a Kubernetes secret update would.
        os.replace(tmp_key, key_path)
        os.replace(tmp_cert, cert_path)
        return cert_path, key_path

    def client_context(self):
        return ssl.create_default_context(cafile=self.ca_cert)


def peer_serial(host, port, pki, server_hostname="localhost", sock_family=None):
    """The serial number of the certificate a TLS server presents."""
    import socket
    family = sock_family or (socket.AF_INET6 if ":" in host else socket.AF_INET)
    with socket.socket(family, socket.SOCK_STREAM) as raw:
        raw.settimeout(10)
        raw.connect((host, port))
        with pki.client_context().wrap_socket(raw, server_hostname=server_hostname) as tls:
            der = tls.getpeercert(binary_form=True)
    from cryptography import x509
    return x509.load_der_x509_certificate(der).serial_number
