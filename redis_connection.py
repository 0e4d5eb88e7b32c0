#!/usr/bin/env python3
"""Connect the lessons to Redis at REDIS_URL, the way the curriculum's node client does.

Every lesson, app, worker and test finds Redis through the ``REDIS_URL``
environment variable (default ``redis://127.0.0.1:6379/0``); a password or a
``rediss://`` URL works as is.  A lesson that cannot reach Redis prints one line,
``Redis client not connected to the server: <error>``, on stderr and exits 1.
"""
import asyncio
import functools
import os
import sys
import weakref
from typing import Any, NoReturn

import redis
import redis.asyncio

DEFAULT_URL = "redis://127.0.0.1:6379/0"
CONNECTED = "Redis client connected to the server"
NOT_CONNECTED = "Redis client not connected to the server: {}"
# Give up on an unreachable server well within the 5 seconds the contract allows.
CONNECT_TIMEOUT = 3.0


def redis_url() -> str:
    """Return the Redis URL every lesson uses: $REDIS_URL or the local default."""
    return os.environ.get("REDIS_URL") or DEFAULT_URL


def client_options() -> dict[str, Any]:
    """Return the connection options shared by every client the project makes."""
    return {"socket_connect_timeout": CONNECT_TIMEOUT, "health_check_interval": 30}


@functools.lru_cache(maxsize=None)
def _client(url: str, decode: bool) -> redis.Redis:
    """Return the one cached client for this URL and decoding mode."""
    return redis.Redis.from_url(url, decode_responses=decode, **client_options())


def get_client(decode: bool = True) -> redis.Redis:
    """Return a client for REDIS_URL; decode=False gives bytes, as RQ needs."""
    return _client(redis_url(), decode)


_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis]"
_async_clients = weakref.WeakKeyDictionary()


def get_async_client() -> redis.asyncio.Redis:
    """Return the asyncio client for REDIS_URL that belongs to the running event loop.

    An asyncio connection is tied to the loop that opened it, so each loop gets
    its own client; the lesson closes it with ``await client.aclose()``.
    """
    loop = asyncio.get_running_loop()
    if loop not in _async_clients:
        _async_clients[loop] = redis.asyncio.Redis.from_url(
            redis_url(), decode_responses=True, **client_options())
    return _async_clients[loop]


def fail_not_connected(error: BaseException) -> NoReturn:
    """Print the one-line connection error on stderr and exit with status 1."""
    print(NOT_CONNECTED.format(error), file=sys.stderr, flush=True)
    sys.exit(1)


def connect(decode: bool = True, announce: bool = True) -> redis.Redis:
    """Return a client that has answered PING, printing the connected line if announce.

    On failure this prints the one-line error and exits 1, as the node client's
    ``error`` event does in the curriculum.
    """
    client = get_client(decode)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        fail_not_connected(error)
    if announce:
        print(CONNECTED, flush=True)
    return client


def redis_print(reply: Any) -> None:
    """Print a command's reply the way node's ``redis.print`` does: ``Reply: OK``."""
    if reply is True:
        reply = "OK"
    print(f"Reply: {reply}")
