#!/usr/bin/env python3
"""Store a value with SET and read it back with GET on a Redis client."""
import redis

from kuestyle.connection import CONNECTED, QUICK, redis_url, run

client = redis.Redis.from_url(redis_url(), decode_responses=True, **QUICK)


def set_new_school(school_name: str, value: str) -> None:
    """Set the key school_name to value and print the reply as node's
    ``redis.print`` does (``Reply: OK``; a failed SET raises instead)."""
    client.set(school_name, value)
    print("Reply: OK")


def display_school_value(school_name: str) -> None:
    """Print the value at school_name (``None`` when the key is missing)."""
    print(client.get(school_name))


def main() -> None:
    """Connect, then read, write and read again."""
    client.ping()
    print(CONNECTED)
    display_school_value("Holberton")
    # >>> School
    set_new_school("HolbertonSanFrancisco", "100")
    # >>> Reply: OK
    display_school_value("HolbertonSanFrancisco")
    # >>> 100


if __name__ == "__main__":
    run(main)
