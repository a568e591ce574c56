"""A public mirror under abuse: slowloris clients and a flood of malformed
requests must not stop other clients' pulls, and the abusers' connections are
closed at the request-head timeout or answered 400 and closed."""
import os
import socket
import threading
import time

import pytest

from lib import mirror as mirror_mod, procs, skopeo

pytestmark = pytest.mark.skipif(not mirror_mod.is_regcache(), reason="regcache's own limits")

HEAD_TIMEOUT = 2
SLOWLORIS_CONNECTIONS = 40
MALFORMED = [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
             b"GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
             b"GET /v2/ HTTP/9.9\r\n\r\n",
             b"GET /v2/ HTTP/1.1\r\n" + b"X: " + b"a" * 20000 + b"\r\n\r\n",
             b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
             b"\r\n\r\nNOT HTTP AT ALL\r\n\r\n"]


class Slowloris:
    """Connections from one address that start a request head and then send one
    more header line every half second, never finishing it."""

    def __init__(self, port, source, count):
        self.sockets = []
        self.closed = set()
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=30,
                                         source_address=(source, 0))
            self.sockets.append(s)
            try:
                s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: mirror\r\n")
            except OSError:  # refused at once (per-client connection limit)
                self.closed.add(i)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        for n in range(120):  # at most a minute
            if self.stop.wait(0.5):
                return
            for i, s in enumerate(self.sockets):
                if i in self.closed:
                    continue
                try:
                    s.sendall(f"X-Slow-{n}: 1\r\n".encode())
                except OSError:
                    self.closed.add(i)

    def all_closed_by_server(self):
        """True when every connection was ended by the server (a 408 or EOF)."""
        for i, s in enumerate(self.sockets):
            if i in self.closed:
                continue
            s.setblocking(False)
            try:
                data = s.recv(4096)
                if data == b"" or data.startswith(b"HTTP/1.1 408"):
                    self.closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                self.closed.add(i)
        return len(self.closed) == len(self.sockets)

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for s in self.sockets:
            s.close()


def flood(port, source, rounds, answers):
    """Sends each malformed request `rounds` times on new connections; records the status line."""
    for _ in range(rounds):
        for payload in MALFORMED:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10,
                                              source_address=(source, 0)) as s:
                    s.sendall(payload)
                    data = b""
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                answers.append(data.split(b"\r\n", 1)[0])
            except OSError as e:
                answers.append(repr(e).encode())


def test_slowloris_and_malformed_flood_do_not_stop_pulls(start_mirror, fresh_image, session_dir):
    m = start_mirror("abused", extra_config={"regcache": {
        "io_threads": 1,
        "request_header_timeout": f"{HEAD_TIMEOUT}s",
        "limits": {"connections_per_client": 16}}})
    slow = Slowloris(m.port, "127.0.0.20", SLOWLORIS_CONNECTIONS)
    answers = []
    flooder = threading.Thread(target=flood, args=(m.port, "127.0.0.21", 15, answers), daemon=True)
    flooder.start()
    try:
        pushed = fresh_image("library/underattack", "1", layer_sizes=(2 * 1024 * 1024,))
        skopeo.pull_and_verify(m.host, pushed.ref, os.path.join(session_dir, "out", "attack"),
                               pushed.image)
        assert m.get("/v2/").status_code == 200
        procs.wait_for(slow.all_closed_by_server, HEAD_TIMEOUT + 20,
                       "the slowloris connections to be closed by regcache")
    finally:
        slow.close()
        flooder.join(60)
    assert not flooder.is_alive()
    expected = {b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 431 Request Header Fields Too Large",
                b"HTTP/1.1 414 URI Too Long"}
    assert answers and set(answers) <= expected, set(answers) - expected
    assert m.running()
    # Only connections_per_client of the slowloris connections were let in at all.
    assert "per-client connection limit" in m.log_text()
