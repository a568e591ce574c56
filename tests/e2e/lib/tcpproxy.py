"""TcpRelay: the part the test relays share. It listens on 127.0.0.1 and
relays each connection to a target over two threads, one per direction;
stop() closes the port and cuts the relayed connections. Subclasses shape the
bytes by overriding relay() (see slowproxy, faultproxy, switchproxy)."""
import socket
import threading


class TcpRelay:
    name = "tcp-relay"  # of the accepting thread

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = None
        self.port = None  # kept across stop() and start(): the same port again
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
        threading.Thread(target=self._accept, args=(listener,), name=self.name,
                         daemon=True).start()
        return self

    def stop(self):
        """The port refuses connections (nothing listens), relayed ones are cut."""
        listener, self.listener = self.listener, None
        if listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone does not
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            for s in list(self._sockets):
                _shutdown(s)
            self._sockets.clear()

    def relay(self, client, server):
        """Called for each new connection: relays it unchanged."""
        spawn(self.pipe, client, server)
        spawn(self.pipe, server, client)

    def pipe(self, source, sink, chunk=65536, pace=None):
        """Copies source to sink until either ends, then cuts both.
        `pace(n)` runs after each n bytes sent."""
        try:
            while True:
                data = source.recv(chunk)
                if not data:
                    break
                sink.sendall(data)
                if pace:
                    pace(len(data))
        except OSError:
            pass
        finally:
            self.cut(source, sink)

    def cut(self, *sockets):
        """Ends the sockets' connection. They close once the other direction's
        thread lets go of them too: closing here could hand their descriptor
        to a new connection while that thread still uses it."""
        for s in sockets:
            _shutdown(s)
        with self._lock:
            self._sockets.difference_update(sockets)

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
            self.relay(client, server)


def spawn(function, *args):
    threading.Thread(target=function, args=args, daemon=True).start()


def _shutdown(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
