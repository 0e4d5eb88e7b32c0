"""Where Redis is, and how a lesson's script starts and ends.

- ``redis_url()``: ``$REDIS_URL``, a server or Sentinels
  (``redis+sentinel://host:port,.../master-name/db``); ``client_for(url, **options)``
  reads both, and ``connect(**options)`` also checks that Redis answers.
- ``QUICK``: redis-py options for scripts and apps: a dead or hung server is an error
  within 2 s (settings.py has ``PATIENT``, for workers and waiting creators).
- ``run(main)``: Ctrl-C or SIGTERM ends the script quietly (status 0), a Redis error in
  one line (status 1); every line goes out in one write.  RQ's logs go to stderr at
  ``$RQ_LOG_LEVEL`` (default: critical; RQ's own default is stdout, the lesson's), and
  an error that ends RQ's work loop ends the process in one line and status 1 (RQ logs
  it and returns as if asked to stop: a process manager would start nothing).
"""
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel
from rq.exceptions import StopRequested

CONNECTED = "Redis client connected to the server"
NOT_CONNECTED = "Redis client not connected to the server: {}"
QUICK = {"socket_connect_timeout": 2, "socket_timeout": 2, "retry": None}


def redis_url() -> str:
    """$REDIS_URL, or the local default."""
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


class SentinelMaster(redis.Connection):
    """A connection to the master the Sentinels name now.  redis-py 8.1's own Sentinel
    connection does not follow a failover (its commands connect through
    ``connect_check_health``, which keeps the old address); and these settings are plain
    values, so RQ rebuilds the connection in a WorkerPool's processes."""

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


def client_for(url: str, **options: Any) -> redis.Redis:
    """A client for url: a server's, or the master's that Sentinels name."""
    parts = urlsplit(url)
    if parts.scheme != "redis+sentinel":
        return redis.Redis.from_url(url, **options)
    hosts = [host.rpartition(":") for host in parts.netloc.rpartition("@")[2].split(",")]
    name, _, db = parts.path.strip("/").partition("/")
    return redis.Redis(connection_pool=redis.ConnectionPool(
        connection_class=SentinelMaster, master_name=name, db=int(db or 0),
        sentinels=tuple((host, int(port)) for host, _, port in hosts),
        password=unquote(parts.password or "") or None, **options))


def connect(url: str | None = None, **options: Any) -> redis.Redis:
    """The client for url (default REDIS_URL), once Redis answered a PING."""
    with client_for(url := url or redis_url(), **QUICK) as probe:
        probe.ping()
    return client_for(url, **options)


class LoopErrors(logging.Handler):
    """An error that RQ's work loop logs ends the process, in one line."""

    def emit(self, record: logging.LogRecord) -> None:
        """Turn the loop's error record into SystemExit."""
        if record.levelno >= logging.ERROR and record.funcName == "work":
            kind, error = (record.exc_info or (None, None))[:2]
            raise SystemExit("Worker stopped: " + (f"{kind.__name__}: {error}" if kind
                                                   else record.getMessage()))


def stop_requested() -> bool:
    """True once RQ's worker in this process handled a first SIGINT or SIGTERM: RQ's
    handler installs ``request_force_stop`` for the next one (RQ 2.12)."""
    return getattr(signal.getsignal(signal.SIGTERM), "__name__", "") == "request_force_stop"


def default_signals() -> None:
    """SIGINT and SIGTERM back to the system's default: they end the process."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def run(main: Callable[[], Any]) -> None:
    """Run a script's main() and exit with its status (0 if it returns None)."""
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True, write_through=False)
    logs = logging.getLogger("rq")
    if not logs.handlers:
        logs.addHandler(logging.StreamHandler(sys.stderr))
        logs.handlers[0].setLevel(os.environ.get("RQ_LOG_LEVEL", "CRITICAL").upper())
        logs.addHandler(LoopErrors())
    for signum in (signal.SIGINT, signal.SIGTERM):  # even started with "&"
        signal.signal(signum, signal.default_int_handler)
    # A process forked from this one (a WorkerPool's worker, RQ's scheduler) is stopped by
    # a signal, quietly, until RQ installs its own handlers: no KeyboardInterrupt traceback.
    os.register_at_fork(after_in_child=default_signals)
    try:
        sys.exit(main())
    except (KeyboardInterrupt, StopRequested):  # StopRequested: RQ's, out of its loop
        sys.exit(0)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
        sys.exit(NOT_CONNECTED.format(error))
    except redis.exceptions.RedisError as error:
        # A worker RQ stopped mid-pipeline (its handler raises wherever the loop is) finds
        # the connection a reply out of step as it says goodbye: asked to stop, it has.
        sys.exit(0 if stop_requested() else f"Redis error: {error}")
    except TimeoutError as error:  # a demo's own wait for an event
        sys.exit(f"The demo stopped: {error}")
