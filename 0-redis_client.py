#!/usr/bin/env python3
"""Connect a Python client to Redis and report whether it answered."""
from kuestyle.connection import (CONNECTED, fail_fast_client,
                                 redis_errors_in_one_line)


if __name__ == "__main__":
    # PING the server at REDIS_URL: "Redis client connected to the server",
    # or one line on stderr and exit status 1.
    redis_errors_in_one_line()
    fail_fast_client()
    print(CONNECTED)
