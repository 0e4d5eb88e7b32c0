#!/usr/bin/env python3
"""Connect a Python client to Redis and report whether it answered."""
from kuestyle.connection import connect


if __name__ == "__main__":
    # PING the server at REDIS_URL: "Redis client connected to the server",
    # or one line on stderr and exit status 1.
    connect()
