"""A TCP relay that can be switched off and on again on the same port: off, new
connections are refused (nothing listens) and relayed ones are cut, as when the
service behind it goes down. Used in front of the S3 endpoint."""
import socket
import threading


class SwitchProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = None
        self.port = None
        self._lock = threading.Lock()
        self._sockets = set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), name="switch-proxy",
                         daemon=True).start()
        return self

    def refuse(self):
        """Off: the port refuses connections, relayed connections are cut."""
        listener, self.listener = self.listener, None
        if listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone does not
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            for s in list(self._sockets):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._sockets.clear()

    def stop(self):
        self.refuse()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(sink)
