#!/usr/bin/env python3
"""Store and read a value with the asyncio Redis client, in order."""
import asyncio
import sys

import redis
import redis.asyncio
from redis.asyncio.sentinel import Sentinel

from kuestyle.connection import (CONNECTED, QUICK, fail_not_connected,
                                 one_line_redis_errors, options, redis_url,
                                 sentinel_address)


_clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}


def get_async_client() -> redis.asyncio.Redis:
    """The asyncio client of the running event loop (one per loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _clients:
        settings = {"decode_responses": True, **options()}
        if address := sentinel_address(redis_url()):  # redis+sentinel://...
            hosts, master_name, master = address
            sentinels = Sentinel(hosts, sentinel_kwargs=QUICK)
            _clients[loop] = sentinels.master_for(master_name, **master,
                                                  **settings)
        else:
            _clients[loop] = redis.asyncio.Redis.from_url(redis_url(),
                                                          **settings)
    return _clients[loop]


async def set_new_school(school_name: str, value: str) -> None:
    """Set the key school_name to value, await the reply and print it."""
    await get_async_client().set(school_name, value)
    print("Reply: OK")  # as node's redis.print; a failed SET raises


async def display_school_value(school_name: str) -> None:
    """Await the value at school_name and print it (``None`` if missing)."""
    print(await get_async_client().get(school_name))


async def main() -> None:
    """Connect, then run the lesson's three steps one after the other."""
    client = get_async_client()
    try:
        try:
            await client.ping()
        except redis.exceptions.RedisError as error:
            fail_not_connected(error)
        print(CONNECTED)
        await display_school_value("Holberton")
        await set_new_school("HolbertonSanFrancisco", "100")
        await display_school_value("HolbertonSanFrancisco")
    finally:
        await client.aclose()


if __name__ == "__main__":
    sys.excepthook = one_line_redis_errors  # a later Redis error: one line
    asyncio.run(main())
