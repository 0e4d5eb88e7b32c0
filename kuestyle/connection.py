"""Clients for REDIS_URL (a server, or the master Sentinels name), in two policies:
``fail_fast_client()`` for scripts and apps, ``patient_client()`` for long-running processes
(its commands ride out a restart, a partition or a failover).  ``redis_errors_in_one_line()``
installs the one-line error hook; each lesson calls it where a reader sees it."""
import functools
import os
import signal
import socket
import sys
import threading
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

CONNECTED = "Redis client connected to the server"
NOT_CONNECTED = "Redis client not connected to the server: {}"
# A dead peer is noticed within about 10 s, even while waiting for a job.
KEEPALIVE = {socket.TCP_KEEPIDLE: 4, socket.TCP_KEEPINTVL: 2, socket.TCP_KEEPCNT: 3}
QUICK = {"socket_connect_timeout": 2, "socket_timeout": 2}  # a hung server: an error in 2 s
UNNAMED = {"driver_info": None}  # no CLIENT SETINFO: two commands less on every connection


def redis_url() -> str:
    """$REDIS_URL, or the local default."""
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


class ReportingRetry(Retry):
    """redis-py's Retry, forever, telling stderr once per outage and process that Redis went
    and once that it is back, each line in one write (threads never merge two lines).  A
    process told to stop (Ctrl-C, SIGTERM) waits for Redis no more: what it does on its way
    out (RQ unregisters its worker) ends it at once, ``Redis error: ...`` and status 1, in
    any process (a WorkerPool's, RQ's scheduler)."""

    lost = False
    stopping = False  # a signal asked this process to stop
    said = threading.Lock()  # one state per process, whichever thread lost the connection

    def call_with_retry(self, do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one command, retrying through an outage."""
        def failed(error: Exception, *count: int) -> None:
            ReportingRetry.say(True, f"Redis connection lost ({error}): retrying until it "
                                     "is back (Ctrl-C quits)")
            if ReportingRetry.stopping:  # on its way out: say why in one line, and stop
                raise SystemExit(f"Redis error: {error}") from None
            fail(error, *count)
        note_stop_signals()
        result = super().call_with_retry(do, failed, *args, **kwargs)
        if ReportingRetry.lost:
            ReportingRetry.say(False, "Redis connection is back")
        return result

    @classmethod
    def say(cls, lost: bool, line: str) -> None:
        """Print line if the connection state changes to lost (or back)."""
        with cls.said:
            if cls.lost != lost:
                cls.lost = lost
                sys.stderr.write(line + "\n")
                sys.stderr.flush()


# A child forked while another thread held the lock (a WorkerPool's worker, RQ's scheduler,
# started during an outage) would wait for it for ever: each child gets a lock of its own.
os.register_at_fork(after_in_child=lambda: setattr(ReportingRetry, "said", threading.Lock()))


try:  # the C function signal.getsignal wraps: the same handler, without the enum
    from _signal import getsignal  # conversion that costs 2 us (every command looks)
except ImportError:  # not CPython
    getsignal = signal.getsignal


def note_stop_signals() -> None:
    """Have the process's SIGINT and SIGTERM handlers (RQ's, or Python's Ctrl-C) also note
    that it is stopping.  Only the main thread may; RQ replaces its handlers as it goes, so
    every command looks again (a cheap check)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = getsignal(signum)
        if callable(handler) and not getattr(handler, "notes_stop", False):
            def notes_stop(number: int, frame: Any, handler: Any = handler) -> None:
                ReportingRetry.stopping = True
                handler(number, frame)
            notes_stop.notes_stop = True
            signal.signal(signum, notes_stop)


def options(patient: bool = False) -> dict[str, Any]:
    """Client settings: quick to give up, or patient through any outage."""
    if not patient:
        return {**QUICK, **UNNAMED, "retry": Retry(NoBackoff(), 0)}
    return {"socket_connect_timeout": 2, "socket_keepalive": True, "health_check_interval": 10,
            "socket_keepalive_options": KEEPALIVE,  # a dead peer noticed within about 10 s
            **UNNAMED, "retry": ReportingRetry(ExponentialBackoff(cap=1.0, base=0.05), -1)}


def sentinel_address(url: str) -> tuple[tuple[tuple[str, int], ...], str, dict] | None:
    """``redis+sentinel://[:pw@]host:port,.../name[/db]``: Sentinels, name, db, pw; else None."""
    parts = urlsplit(url)
    if parts.scheme != "redis+sentinel":
        return None
    hosts = [host.rpartition(":") for host in parts.netloc.rpartition("@")[2].split(",")]
    service, _, db = parts.path.strip("/").partition("/")
    return (tuple((host, int(port)) for host, _, port in hosts), service,
            {"db": int(db or 0), "password": unquote(parts.password or "") or None})


class SentinelMaster(redis.Connection):
    """A connection to the master the Sentinels name now (redis-py 8.1 connects through
    ``connect_check_health``); plain settings, so RQ rebuilds it in its other processes."""

    def __init__(self, sentinels: tuple = (), master_name: str = "", **settings: Any):
        """Where to ask; redis-py's Connection does the rest."""
        self.sentinels, self.master_name = sentinels, master_name
        super().__init__(**settings)

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        """Ask the Sentinels where the master is now, then connect to it."""
        if not self.is_connected:
            sentinels = Sentinel(self.sentinels, sentinel_kwargs=QUICK)
            self.host, self.port = sentinels.discover_master(self.master_name)
        super().connect_check_health(*args, **kwargs)

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        """A former master, now a replica, refuses writes: reconnect to the new one."""
        try:
            return super().read_response(*args, **kwargs)
        except redis.exceptions.ReadOnlyError:
            self.disconnect()
            raise redis.exceptions.ConnectionError("the master is now a replica: failover")


@functools.cache
def _client(url: str, decode: bool, patient: bool) -> redis.Redis:
    """One client per URL and kind (for a Sentinel URL, of its master); it connects on use."""
    settings = {"decode_responses": decode, **options(patient)}
    if (address := sentinel_address(url)) is None:
        return redis.Redis.from_url(url, **settings)
    hosts, name, master = address
    return redis.Redis(connection_pool=redis.ConnectionPool(
        connection_class=SentinelMaster, sentinels=hosts, master_name=name, **master, **settings))


def client(decode: bool = False, patient: bool = False, url: str | None = None) -> redis.Redis:
    """The client for REDIS_URL (bytes unless decode, as RQ needs)."""
    return _client(url or redis_url(), decode, patient)


def fail_not_connected(error: BaseException) -> NoReturn:
    """Print the one-line connection error on stderr and exit with status 1."""
    sys.exit(NOT_CONNECTED.format(error))  # printed on stderr, status 1


def print_redis_error(kind: type, error: BaseException, trace: Any) -> None:
    """The hook: a Redis error nobody caught is one line, no traceback (exit status 1)."""
    if not issubclass(kind, redis.exceptions.RedisError):
        return sys.__excepthook__(kind, error, trace)
    print(f"Redis error: {error}", file=sys.stderr, flush=True)


def redis_errors_in_one_line() -> None:
    """Install sys.excepthook for this process: a Redis error nobody caught (out of memory,
    a read-only replica...) ends it with ``Redis error: <reason>``, not a traceback.  And
    every line, stdout's and stderr's, goes out in one write, even unbuffered (``python -u``
    writes an exit message, or a print's text, and its newline apart): processes sharing a
    terminal never merge two lines."""
    sys.excepthook = print_redis_error
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True, write_through=False)


def answering(connection: redis.Redis) -> redis.Redis:
    """connection, once Redis answered a PING; else the one-line error and exit status 1."""
    try:
        connection.ping()
    except redis.exceptions.RedisError as error:
        fail_not_connected(error)
    return connection


def fail_fast_client(decode: bool = False) -> redis.Redis:
    """For a script or an app: Redis must answer now (else one line, exit 1), and each
    command gives up within 2 s (an app answers 503 at once)."""
    return answering(client(decode))


def patient_client(decode: bool = False) -> redis.Redis:
    """For a long-running process (a worker, a waiting creator): Redis must answer now
    (else one line, exit 1); then every command rides out a restart, a partition or a
    failover, saying once on stderr that Redis went and once that it is back."""
    answering(client(decode))
    return client(decode, patient=True)
