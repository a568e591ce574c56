"""A TCP relay in front of the upstream that sends responses at a fixed rate,
so a test can act while a large blob is still downloading (kill the mirror
half-way, for instance). Requests pass unchanged."""
import time

from .tcpproxy import TcpRelay, spawn

CHUNK = 16384  # small enough for a steady rate


class SlowProxy(TcpRelay):
    name = "slow-proxy"

    def __init__(self, target_port, bytes_per_second, target_host="127.0.0.1"):
        super().__init__(target_host, target_port)
        self.rate = bytes_per_second

    def relay(self, client, server):
        spawn(self.pipe, client, server, CHUNK)
        spawn(self.pipe, server, client, CHUNK, self._throttle)

    def _throttle(self, sent):
        time.sleep(sent / self.rate)  # throttling, not synchronisation
