#!/usr/bin/env python3
"""Store a value with SET and read it back with GET on a Redis client."""
from kuestyle.connection import (CONNECTED, client, fail_fast_client,
                                 redis_errors_in_one_line)


def set_new_school(school_name: str, value: str) -> None:
    """Set the key school_name to value and print the reply as node's
    ``redis.print`` does (``Reply: OK``; a failed SET raises instead)."""
    client(decode=True).set(school_name, value)
    print("Reply: OK")


def display_school_value(school_name: str) -> None:
    """Print the value at school_name (``None`` when the key is missing)."""
    print(client(decode=True).get(school_name))


if __name__ == "__main__":
    redis_errors_in_one_line()
    fail_fast_client()
    print(CONNECTED)
    display_school_value("Holberton")
    # >>> School
    set_new_school("HolbertonSanFrancisco", "100")
    # >>> Reply: OK
    display_school_value("HolbertonSanFrancisco")
    # >>> 100
