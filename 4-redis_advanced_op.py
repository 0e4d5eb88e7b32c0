#!/usr/bin/env python3
"""Store a Redis hash field by field with HSET, then read it all back."""
from kuestyle.connection import (CONNECTED, client, fail_fast_client,
                                 redis_errors_in_one_line)

HASH_KEY = "HolbertonSchools"
SCHOOLS = {"Portland": "50", "Seattle": "80", "New York": "20",
           "Bogota": "20", "Cali": "40", "Paris": "2"}


def store_schools() -> None:
    """HSET each school into the hash, one field per command, with replies."""
    for city, value in SCHOOLS.items():
        print(f"Reply: {client(decode=True).hset(HASH_KEY, city, value)}")
        # >>> Reply: 1  (a new field; 0 when the field was already there)


def display_schools() -> None:
    """Print the whole hash as a dict, fields in the order they were stored."""
    print(client(decode=True).hgetall(HASH_KEY))


if __name__ == "__main__":
    redis_errors_in_one_line()
    fail_fast_client()
    print(CONNECTED)
    store_schools()
    display_schools()
