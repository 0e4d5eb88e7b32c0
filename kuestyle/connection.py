"""Where Redis is, how each kind of script talks to it, and how a script ends.

- ``redis_url()``: ``$REDIS_URL`` (default ``redis://127.0.0.1:6379/0``).  It may also
  name Sentinels, ``redis+sentinel://host:port,.../master-name/db``: ``connect()`` reads both.
- ``QUICK``: redis-py options for scripts and apps: a dead or hung server is an error within
  2 s (settings.py has ``PATIENT``, for workers and waiting creators).
- ``run(main)``: a script's entry.  Ctrl-C or SIGTERM ends it quietly (status 0); a Redis
  error it did not catch is one line on stderr (status 1), never a traceback.  RQ's logs go
  to stderr (RQ's default: stdout, where the lesson's lines are), at ``$RQ_LOG_LEVEL``
  (default: critical only), and an error that ends RQ's work loop ends the process in one
  line with status 1: RQ's loop logs it and returns as if asked to stop, so a process
  manager would see status 0 and start nothing.  A handler on RQ's logger, as RQ's docs
  suggest, is the way in.
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
QUICK = {"socket_connect_timeout": 2, "socket_timeout": 2, "retry": None}  # sync or asyncio


def redis_url() -> str:
    """$REDIS_URL, or the local default."""
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


class SentinelMaster(redis.Connection):
    """A connection to the master the Sentinels name now.  Its settings are plain values,
    so RQ can rebuild it in a WorkerPool's processes (redis-py's own Sentinel pool cannot)."""

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
    """The client for url (default REDIS_URL) with these options, once Redis answered a
    PING (else the ConnectionError that run() says in one line)."""
    with client_for(url := url or redis_url(), **QUICK) as probe:
        probe.ping()
    return client_for(url, **options)


class LoopErrors(logging.Handler):
    """An error logged by RQ's work loop ends the process, in one line."""

    def emit(self, record: logging.LogRecord) -> None:
        """Turn the loop's error record into SystemExit (status 1, one line)."""
        if record.levelno >= logging.ERROR and record.funcName == "work":
            kind, error = (record.exc_info or (None, None, None))[:2]
            reason = f"{kind.__name__}: {error}" if kind else record.getMessage()
            raise SystemExit(f"Worker stopped: {reason}")


def quiet_rq_logs() -> None:
    """RQ's logs on stderr at $RQ_LOG_LEVEL; its loop's errors end the process."""
    logger = logging.getLogger("rq")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
        handler.setLevel(os.environ.get("RQ_LOG_LEVEL", "CRITICAL").upper())
        logger.addHandler(handler)
        logger.addHandler(LoopErrors())


def run(main: Callable[[], Any]) -> None:
    """Run a script's main(), and exit with its status (0 if it returns None).  Every line
    goes out in one write (processes sharing a terminal never merge two lines)."""
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True, write_through=False)
    quiet_rq_logs()
    for signum in (signal.SIGINT, signal.SIGTERM):  # even started with "&"
        signal.signal(signum, signal.default_int_handler)
    try:
        sys.exit(main())
    except (KeyboardInterrupt, StopRequested):  # StopRequested: RQ's handler, out of its loop
        sys.exit(0)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
        sys.exit(NOT_CONNECTED.format(error))
    except redis.exceptions.RedisError as error:
        sys.exit(f"Redis error: {error}")
    except TimeoutError as error:  # a demo's own wait for an event
        sys.exit(f"The demo stopped: {error}")
