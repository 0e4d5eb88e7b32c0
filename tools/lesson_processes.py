#!/usr/bin/env python3
"""Run lessons as a student (and a checker) would: as processes, reading their output.

Shared by ``make demo`` and the tests: a lesson run to completion, a lesson in
the background whose lines can be awaited, an app served on a free port, and
plain HTTP GETs against it.
"""
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The documented production server: gunicorn, a process per core, each serving
# its connections as gevent greenlets, so slow clients hold no thread (40 of them
# starve gthread's 2 x 8 threads).  No control socket: it would be shared in $HOME.
# --preload: the master builds the app once per launch (100-seat puts its 50 seats on
# sale then), and every worker, a replacement too, is a fork of it.
PRODUCTION_SERVER = ["-w", "2", "-k", "gevent", "--worker-connections", "1000",
                     "--no-control-socket", "--preload"]
THREADED_SERVER = ["-w", "2", "-k", "gthread", "--threads", "8", "--no-control-socket"]


def lesson_env(**extra: str) -> dict[str, str]:
    """Return the environment a lesson runs in: the test's REDIS_URL, unbuffered."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def run_lesson(name: str, *args: str, timeout: float = 20,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ./<name> to completion and return the finished process (text output)."""
    return subprocess.run([PYTHON, str(ROOT / name), *args], cwd=ROOT,
                          env=env or lesson_env(), capture_output=True, text=True,
                          timeout=timeout)


class Lesson:
    """A lesson running in the background whose output lines can be awaited."""

    def __init__(self, name: str, *args: str, env: dict[str, str] | None = None,
                 argv: list[str] | None = None, probes: bool = False,
                 terminal: bool = False):
        """Start ./<name> (or argv) with its stdout and stderr read line by line; probes:
        its workers also run tests/jobs.py's probe jobs (tests/with_probes.py); terminal:
        stderr goes to stdout, in the order a terminal shows them."""
        self.name, self.env = name, env or lesson_env()
        script = ["-m", "tests.with_probes", name] if probes else [str(ROOT / name)]
        self.proc = subprocess.Popen(
            argv or [PYTHON, *script, *args], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if terminal else subprocess.PIPE,
            text=True)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.lines, True),
                             daemon=True)]
        if not terminal:
            self._readers.append(threading.Thread(
                target=self._read, args=(self.proc.stderr, self.errors, False), daemon=True))
        for reader in self._readers:
            reader.start()

    def _read(self, stream, into: list[str], notify: bool) -> None:
        """Collect one stream's lines as they come."""
        for line in stream:
            into.append(line.rstrip("\n"))
            if notify:
                self._new.put(line)

    def wait_for_line(self, text: str, timeout: float = 10) -> None:
        """Wait until stdout has printed the line text, or fail with what it printed."""
        deadline = time.monotonic() + timeout
        while text not in self.lines:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and self._new.empty()
                                  and text not in self.lines):
                if text in self.lines:
                    break
                raise TimeoutError(
                    f"{self.name} did not print {text!r} within {timeout}s\n"
                    f"stdout: {self.lines}\nstderr: {self.errors}")
            try:
                self._new.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                pass

    def wait_for(self, predicate, timeout: float = 10, what: str = "condition") -> None:
        """Wait until predicate(lines) is true, or fail showing the output so far."""
        deadline = time.monotonic() + timeout
        while not predicate(self.lines):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: {what} not met within {timeout}s\n"
                                   f"stdout: {self.lines}\nstderr: {self.errors}")
            time.sleep(0.02)

    def signal(self, signum: int = signal.SIGINT) -> None:
        """Send a signal to the lesson's process."""
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 15) -> int:
        """Wait for the lesson to exit and its output to be read; return its status."""
        status = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=5)
        return status

    def stop(self) -> None:
        """Make sure the lesson is gone and its pipes closed: Ctrl-C, a second Ctrl-C a second
        later (a worker's cold shutdown: its running job is not waited for), then SIGKILL.

        RQ ignores a Ctrl-C that comes within a second of the one it handled, and on a busy
        machine the first is handled late: so a third comes 1.5 s after the second, or the
        worker would wait for its running job (a 10 s teardown)."""
        for signum, grace in ((signal.SIGINT, 1), (signal.SIGINT, 1.5), (signal.SIGINT, 5),
                              (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            self.proc.send_signal(signum)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
        for reader in self._readers:
            reader.join(timeout=5)

    def __repr__(self) -> str:
        """Show the lesson's output so far in failure messages."""
        return f"<{self.name} stdout={self.lines} stderr={self.errors}>"


def stop_consumers(url: str | None, queue_name: str, starting: str = "reserve_seat:starting"
                   ) -> None:
    """SIGTERM every live worker on queue_name at url (RQ's warm shutdown), and wait until
    each has exited; one still starting (its key, until it listens) is waited for first."""
    import psutil
    import redis
    from rq import Queue

    from kuestyle.liveness import live_workers
    with redis.Redis.from_url(url or "redis://127.0.0.1:6379/0") as connection:
        try:
            queue, deadline = Queue(queue_name, connection=connection), time.monotonic() + 30
            was_starting = connection.exists(starting)
            while connection.exists(starting) and time.monotonic() < deadline:
                time.sleep(0.1)
            # It deletes its key just before RQ registers it: give it those moments.
            while was_starting and not live_workers(queue) and time.monotonic() < deadline:
                time.sleep(0.1)
            pids = [worker.pid for worker in live_workers(queue)]
        except redis.exceptions.RedisError:  # the test's Redis is gone already
            return
    for pid in pids:
        try:
            process = psutil.Process(pid)
            process.terminate()
            process.wait(timeout=30)
        except psutil.Error:
            pass


def wait_for_worker(connection, queue_name: str, count: int = 1, timeout: float = 10) -> None:
    """Wait until count workers really listen on queue_name (so creators see them)."""
    from rq import Queue

    from kuestyle.liveness import live_workers
    queue = Queue(queue_name, connection=connection)
    deadline = time.monotonic() + timeout
    while len(live_workers(queue)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {count} live worker(s) on {queue_name} after {timeout}s")
        time.sleep(0.05)


def _fetch(request: urllib.request.Request | str, timeout: float) -> tuple[int, str, str]:
    """Send a request and return (status, body, content type), errors included."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers["Content-Type"]


def http_get(url: str, timeout: float = 10) -> tuple[int, str, str]:
    """GET url and return (status, body, content type), errors included."""
    return _fetch(url, timeout)


def http_post(url: str, body: object, timeout: float = 10) -> tuple[int, str, str]:
    """POST body as JSON to url and return (status, body, content type)."""
    return _fetch(urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"}), timeout)


class AppServer(Lesson):
    """A lesson's Flask app served by its own script on a free loopback port."""

    def __init__(self, name: str, *args: str, port: int | None = None,
                 env: dict[str, str] | None = None, ready_path: str = "/",
                 production: bool | list[str] = False, terminal: bool = False):
        """Start the app (or, production, gunicorn serving it with PRODUCTION_SERVER or the
        options given); wait until ready_path answers."""
        from tools.embedded_redis import free_port
        self.port = port or free_port()
        env = dict(env or lesson_env())
        env["PORT"] = str(self.port)
        argv = None
        if production:
            options = PRODUCTION_SERVER if production is True else production
            launch = ["-c", str(ROOT / "deploy" / "gunicorn_seat.py")] \
                if name == "100-seat.py" else []  # the launch's 50 seats
            argv = [PYTHON, "-m", "gunicorn", *options, *launch,
                    "-b", f"127.0.0.1:{self.port}", f"{name[:-3]}:create_app()"]
        super().__init__(name, *args, env=env, argv=argv, terminal=terminal)
        # A liveness bound, not a speed claim: gunicorn and its workers, on a machine
        # whose two cores a whole test suite shares, took more than 15 s once.
        deadline = time.monotonic() + 30
        while True:
            try:
                http_get(self.url(ready_path), timeout=1)
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise TimeoutError(f"{name} did not start: {self.errors}")
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the app; for the seat app, then every consumer on its Redis too: one a
        killed app (or a gunicorn worker that was replaced) left working on its own."""
        super().stop()
        if self.name == "100-seat.py":
            stop_consumers(self.env.get("REDIS_URL"), "reserve_seat")

    def url(self, path: str) -> str:
        """Return the full URL of path on this app."""
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> tuple[int, str, str]:
        """GET path on this app."""
        return http_get(self.url(path))


class SlowClients:
    """count connections that send a request's headers one byte a second, never ending them."""

    def __init__(self, port: int, count: int):
        """Open the connections and start trickling."""
        self.stopping = threading.Event()
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(b"GET /list_products HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        self.thread = threading.Thread(target=self.trickle, daemon=True)
        self.thread.start()

    def trickle(self) -> None:
        """One more header byte on every connection, every second."""
        while not self.stopping.wait(1):
            for sock in self.sockets:
                try:
                    sock.sendall(b"X")
                except OSError:
                    pass

    def close(self) -> None:
        """Stop and close every connection."""
        self.stopping.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()
