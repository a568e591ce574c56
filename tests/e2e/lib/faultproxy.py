"""A TCP relay in front of the upstream that breaks one blob transfer.

`arm(digest, after_bytes)` makes the next response to a `GET .../blobs/<digest>`
stop after `after_bytes` bytes (counting the response head), by closing both
sockets: an upstream connection broken in the middle of a blob. Requests on a
keep-alive connection are sequential, so the bytes that follow a blob request
line belong to its response.
"""
import socket

from .tcpproxy import TcpRelay, spawn


class CuttingProxy(TcpRelay):
    name = "cutting-proxy"

    def __init__(self, target_port, target_host="127.0.0.1"):
        super().__init__(target_host, target_port)
        self._armed = None          # (request marker bytes, after_bytes)
        self.cuts = 0               # transfers broken so far
        self.blob_requests = []     # request lines seen for the armed digest

    def arm(self, digest, after_bytes):
        with self._lock:
            self._armed = (f"/blobs/{digest}".encode(), after_bytes)

    def relay(self, client, server):
        state = {"cut_after": None, "sent": 0}
        spawn(self._client_to_server, client, server, state)
        spawn(self._server_to_client, server, client, state)

    def _client_to_server(self, client, server, state):
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                with self._lock:
                    armed = self._armed
                    if armed and data.startswith(b"GET ") and armed[0] in data.split(b"\r\n", 1)[0]:
                        self.blob_requests.append(data.split(b"\r\n", 1)[0].decode())
                        self._armed = None
                        state["cut_after"] = armed[1]
                        state["sent"] = 0
                server.sendall(data)
        except OSError:
            pass
        finally:
            try:  # the response may still be on its way
                server.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def _server_to_client(self, server, client, state):
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                limit = state["cut_after"]
                if limit is not None:
                    room = limit - state["sent"]
                    if len(data) >= room:
                        client.sendall(data[:room])
                        with self._lock:
                            self.cuts += 1
                        break
                    state["sent"] += len(data)
                client.sendall(data)
        except OSError:
            pass
        finally:
            self.cut(client, server)
