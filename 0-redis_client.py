#!/usr/bin/env python3
"""Connect a Python client to Redis and report whether it answered."""
import redis

from kuestyle.connection import CONNECTED, QUICK, redis_url, run


def main() -> None:
    """PING the server at REDIS_URL and say that it answered."""
    client = redis.Redis.from_url(redis_url(), **QUICK)
    client.ping()  # no answer within 2 s: redis.ConnectionError
    print(CONNECTED)
    # >>> Redis client connected to the server


if __name__ == "__main__":
    run(main)  # a ConnectionError: one line on stderr, exit status 1
