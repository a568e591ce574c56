"""A TCP relay in front of the upstream that breaks one blob transfer.

`arm(digest, after_bytes)` makes the next response to a `GET .../blobs/<digest>`
stop after `after_bytes` bytes (counting the response head), by closing both
sockets: an upstream connection broken in the middle of a blob. Requests on a
keep-alive connection are sequential, so the bytes that follow a blob request
line belong to its response.
"""
import socket
import threading


class CuttingProxy:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._armed = None          # (request marker bytes, after_bytes)
        self.cuts = 0               # transfers broken so far
        self.blob_requests = []     # request lines seen for the armed digest
        self._closing = False
        self._sockets = set()
        self._thread = threading.Thread(target=self._accept, name="cutting-proxy", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def arm(self, digest, after_bytes):
        with self._lock:
            self._armed = (f"/blobs/{digest}".encode(), after_bytes)

    def stop(self):
        self._closing = True
        self.listener.close()
        with self._lock:
            for s in list(self._sockets):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _accept(self):
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            state = {"cut_after": None, "sent": 0}
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._client_to_server, args=(client, server, state),
                             daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(server, client, state),
                             daemon=True).start()

    def _close(self, *socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
            with self._lock:
                self._sockets.discard(s)

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
            try:
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
            self._close(client, server)
