"""A TCP relay that can be switched off and on again on the same port: off, new
connections are refused (nothing listens) and relayed ones are cut, as when the
service behind it goes down. Used in front of the S3 endpoint."""
from .tcpproxy import TcpRelay


class SwitchProxy(TcpRelay):
    name = "switch-proxy"

    def refuse(self):
        """Off: the port refuses connections, relayed connections are cut.
        start() switches it on again."""
        self.stop()
