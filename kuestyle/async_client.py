"""The asyncio client for REDIS_URL, as kuestyle/connection.py's fail-fast policy gives it
to scripts: one per event loop (a client's connections belong to the loop that made them)."""
import asyncio

import redis
import redis.asyncio
from redis.asyncio.sentinel import Sentinel

from kuestyle.connection import QUICK, fail_not_connected, options, redis_url, sentinel_address

_clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}


def async_client() -> redis.asyncio.Redis:
    """The running event loop's client (text replies), quick to give up."""
    loop = asyncio.get_running_loop()
    if loop not in _clients:
        settings = {"decode_responses": True, **options()}
        if address := sentinel_address(redis_url()):  # redis+sentinel://...
            hosts, master_name, master = address
            sentinels = Sentinel(hosts, sentinel_kwargs=QUICK)
            _clients[loop] = sentinels.master_for(master_name, **master, **settings)
        else:
            _clients[loop] = redis.asyncio.Redis.from_url(redis_url(), **settings)
    return _clients[loop]


async def async_fail_fast_client() -> redis.asyncio.Redis:
    """The loop's client once Redis answered a PING; else one line and exit status 1."""
    client = async_client()
    try:
        await client.ping()
    except redis.exceptions.RedisError as error:
        fail_not_connected(error)
    return client
