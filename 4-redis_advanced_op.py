#!/usr/bin/env python3
"""Store a Redis hash field by field with HSET, then read it all back."""
import redis

from kuestyle.connection import CONNECTED, QUICK, redis_url, run

HASH_KEY = "HolbertonSchools"
SCHOOLS = {"Portland": "50", "Seattle": "80", "New York": "20",
           "Bogota": "20", "Cali": "40", "Paris": "2"}
client = redis.Redis.from_url(redis_url(), decode_responses=True, **QUICK)


def store_schools() -> None:
    """HSET each school into the hash, one field per command, with replies."""
    for city, value in SCHOOLS.items():
        print(f"Reply: {client.hset(HASH_KEY, city, value)}")
        # >>> Reply: 1  (a new field; 0 when the field was already there)


def display_schools() -> None:
    """Print the whole hash as a dict, fields in the order they were stored."""
    print(client.hgetall(HASH_KEY))


def main() -> None:
    """Connect, store the schools, then show the hash."""
    client.ping()
    print(CONNECTED)
    store_schools()
    display_schools()


if __name__ == "__main__":
    run(main)
