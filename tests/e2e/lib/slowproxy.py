"""A TCP relay in front of the upstream that sends responses at a fixed rate,
so a test can act while a large blob is still downloading (kill the mirror
half-way, for instance). Requests pass unchanged."""
import socket
import threading
import time


class SlowProxy:
    def __init__(self, target_port, bytes_per_second, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.rate = bytes_per_second
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closing = False
        self._lock = threading.Lock()
        self._sockets = set()
        self._thread = threading.Thread(target=self._accept, name="slow-proxy", daemon=True)

    def start(self):
        self._thread.start()
        return self

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
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                if self._closing:
                    return
                continue
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, self.rate),
                             daemon=True).start()

    def _pipe(self, source, sink, rate):
        chunk = 16384
        try:
            while True:
                data = source.recv(chunk)
                if not data:
                    break
                sink.sendall(data)
                if rate:
                    time.sleep(len(data) / rate)  # throttling, not synchronisation
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
