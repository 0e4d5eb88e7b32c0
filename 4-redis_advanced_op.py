#!/usr/bin/env python3
"""Store a Redis hash field by field with HSET, then read it all back."""
import redis

from kuestyle.connection import CONNECTED, QUICK, redis_url, run

HASH_KEY = "HolbertonSchools"
SCHOOLS = {"Portland": "50", "Seattle": "80", "New York": "20",
           "Bogota": "20", "Cali": "40", "Paris": "2"}


def main() -> None:
    """HSET each school with its reply, then print the whole hash."""
    client = redis.Redis.from_url(redis_url(), decode_responses=True,
                                  **QUICK)
    client.ping()
    print(CONNECTED)
    for city, value in SCHOOLS.items():  # one HSET per field, as in node
        print(f"Reply: {client.hset(HASH_KEY, city, value)}")
        # >>> Reply: 1  (a new field; 0 when the field was already there)
    print(client.hgetall(HASH_KEY))  # fields in the order they were stored


if __name__ == "__main__":
    run(main)
