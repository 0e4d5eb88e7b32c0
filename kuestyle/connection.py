"""Connect to Redis at REDIS_URL and say so the way the curriculum's node client does.

``connect()`` checks the server once, quickly: if it does not answer it prints
``Redis client not connected to the server: <error>`` on stderr and exits 1.
``connect(patient=True)`` returns a client for a process that runs on (a worker,
a waiting creator): redis-py's own ``Retry`` carries its commands through a Redis
restart or a partition; stderr is told once that Redis was lost, once that it is back.
"""
import functools
import os
import socket
import sys
from typing import Any, NoReturn

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry

CONNECTED = "Redis client connected to the server"
NOT_CONNECTED = "Redis client not connected to the server: {}"
# A dead peer is noticed within about 10 s, even while waiting for a job.
KEEPALIVE = {socket.TCP_KEEPIDLE: 4, socket.TCP_KEEPINTVL: 2, socket.TCP_KEEPCNT: 3}


def redis_url() -> str:
    """$REDIS_URL, or the local default."""
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


class ReportingRetry(Retry):
    """redis-py's Retry, forever, telling stderr once that Redis went and once that it is back."""

    lost = False

    def call_with_retry(self, do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one command, retrying through an outage."""
        def failed(error: Exception, *count: int) -> None:
            if not ReportingRetry.lost:
                ReportingRetry.lost = True
                print(f"Redis connection lost ({error}): retrying until it is back "
                      "(Ctrl-C twice quits now)", file=sys.stderr, flush=True)
            fail(error, *count)
        result = super().call_with_retry(do, failed, *args, **kwargs)
        if ReportingRetry.lost:
            ReportingRetry.lost = False
            print("Redis connection is back", file=sys.stderr, flush=True)
        return result


def options(patient: bool = False) -> dict[str, Any]:
    """Client settings: quick to give up, or patient through any outage."""
    if patient:
        return {"socket_connect_timeout": 2, "socket_keepalive": True,
                "socket_keepalive_options": KEEPALIVE, "health_check_interval": 10,
                "retry": ReportingRetry(ExponentialBackoff(cap=1.0, base=0.05), -1)}
    return {"socket_connect_timeout": 2, "socket_timeout": 2, "retry": Retry(NoBackoff(), 0)}


@functools.cache
def _client(url: str, decode: bool, patient: bool) -> redis.Redis:
    """One client per URL and kind; it connects on first use."""
    return redis.Redis.from_url(url, decode_responses=decode, **options(patient))


def client(decode: bool = False, patient: bool = False, url: str | None = None) -> redis.Redis:
    """The client for REDIS_URL (bytes unless decode, as RQ needs)."""
    return _client(url or redis_url(), decode, patient)


def fail_not_connected(error: BaseException) -> NoReturn:
    """Print the one-line connection error on stderr and exit with status 1."""
    print(NOT_CONNECTED.format(error), file=sys.stderr, flush=True)
    sys.exit(1)


def one_line_redis_errors(kind: type, error: BaseException, trace: Any) -> None:
    """sys.excepthook once connected: a Redis error nobody caught is one line, no traceback."""
    if not issubclass(kind, redis.exceptions.RedisError):
        return sys.__excepthook__(kind, error, trace)
    print(f"Redis error: {error}", file=sys.stderr, flush=True)


def connect(announce: bool = True, decode: bool = False, patient: bool = False) -> redis.Redis:
    """Check that Redis answers (else the one-line error, exit 1) and return a client."""
    sys.excepthook = one_line_redis_errors  # out of memory, read-only...: exit 1, one line
    try:
        client(decode).ping()
    except redis.exceptions.RedisError as error:
        fail_not_connected(error)
    if announce:
        print(CONNECTED, flush=True)
    return client(decode, patient)


def redis_print(reply: Any) -> None:
    """Print a reply the way node's ``redis.print`` does: ``Reply: OK``."""
    print(f"Reply: {'OK' if reply is True else reply}")
