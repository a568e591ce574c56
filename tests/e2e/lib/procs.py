"""Daemons started by the tests: start with a log file, wait until ready, stop.

Every daemon is registered with a `Processes` group so the session can stop all
of them (SIGTERM, then SIGKILL) even when a test fails half-way. Daemons also get
SIGTERM from the kernel if pytest itself dies (setpriv --pdeathsig), so a killed
session leaves nothing running. (The signal follows the thread that started the
daemon: start daemons from pytest's main thread, as fixtures and tests do.)
"""
import os
import signal
import socket
import subprocess
import time


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls `predicate` until it returns a truthy value, which is returned.

    Raises TimeoutError naming `what` after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


class Daemon:
    """One long-running process whose stdout and stderr go to `log_path`."""

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name = name
        self.argv = list(argv)
        self.log_path = str(log_path)
        self.env = env
        self.cwd = cwd
        self.proc = None

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} already running"
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                ["setpriv", "--pdeathsig", "TERM", *self.argv], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env, cwd=self.cwd, start_new_session=True)
        finally:
            log.close()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self):
        return None if self.proc is None else self.proc.poll()

    def wait_ready(self, probe, timeout=20, what=None):
        """Polls `probe()` until it is truthy; fails early if the process exits."""
        def check():
            if not self.running():
                raise RuntimeError(
                    f"{self.name} exited with {self.returncode} before it was ready:\n"
                    f"{tail(self.log_path)}")
            return probe()
        try:
            return wait_for(check, timeout, what or f"{self.name} to be ready")
        except TimeoutError as e:
            raise TimeoutError(f"{e}\n--- {self.log_path} ---\n{tail(self.log_path)}") from None

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL (to its process group) after `timeout` seconds.

        Returns the exit code (negative for a signal).
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        return self.proc.returncode


class Processes:
    """Every daemon of a test session, stopped in reverse start order."""

    def __init__(self):
        self._daemons = []

    def start(self, name, argv, log_path, env=None, cwd=None):
        daemon = Daemon(name, argv, log_path, env=env, cwd=cwd)
        self._daemons.append(daemon)
        return daemon.start()

    def stop_all(self):
        errors = []
        for daemon in reversed(self._daemons):
            try:
                daemon.stop()
            except Exception as e:  # keep stopping the others
                errors.append(f"{daemon.name}: {e}")
        self._daemons.clear()
        return errors
