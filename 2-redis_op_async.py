#!/usr/bin/env python3
"""Store and read a value with the asyncio Redis client, in order."""
import asyncio

import redis.asyncio

from kuestyle.connection import CONNECTED, QUICK, redis_url, run


def async_client() -> redis.asyncio.Redis:
    """A client for REDIS_URL (it connects on first use, in the running
    event loop; one per loop, as its connections belong to that loop)."""
    return redis.asyncio.Redis.from_url(redis_url(), decode_responses=True,
                                        **QUICK)


async def set_new_school(school_name: str, value: str) -> None:
    """Set the key school_name to value, await the reply and print it."""
    async with async_client() as client:
        await client.set(school_name, value)
    print("Reply: OK")  # as node's redis.print; a failed SET raises


async def display_school_value(school_name: str) -> None:
    """Await the value at school_name and print it (``None`` if missing)."""
    async with async_client() as client:
        print(await client.get(school_name))


async def main() -> None:
    """Connect, then run the lesson's three steps one after the other."""
    async with async_client() as client:
        await client.ping()
    print(CONNECTED)
    await display_school_value("Holberton")
    await set_new_school("HolbertonSanFrancisco", "100")
    await display_school_value("HolbertonSanFrancisco")


if __name__ == "__main__":
    run(lambda: asyncio.run(main()))
