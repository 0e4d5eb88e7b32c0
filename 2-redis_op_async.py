#!/usr/bin/env python3
"""Store and read a value with the asyncio Redis client, in order."""
import asyncio

from kuestyle.async_client import async_client, async_fail_fast_client
from kuestyle.connection import CONNECTED, redis_errors_in_one_line


async def set_new_school(school_name: str, value: str) -> None:
    """Set the key school_name to value, await the reply and print it."""
    await async_client().set(school_name, value)
    print("Reply: OK")  # as node's redis.print; a failed SET raises


async def display_school_value(school_name: str) -> None:
    """Await the value at school_name and print it (``None`` if missing)."""
    print(await async_client().get(school_name))


async def main() -> None:
    """Connect, then run the lesson's three steps one after the other."""
    client = await async_fail_fast_client()  # else one line, exit status 1
    try:
        print(CONNECTED)
        await display_school_value("Holberton")
        await set_new_school("HolbertonSanFrancisco", "100")
        await display_school_value("HolbertonSanFrancisco")
    finally:
        await client.aclose()


if __name__ == "__main__":
    redis_errors_in_one_line()  # a later Redis error: one line, no traceback
    asyncio.run(main())
