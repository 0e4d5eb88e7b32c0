#!/usr/bin/env python3
"""Connect a Python client to Redis and report whether it answered."""
from redis_connection import connect


if __name__ == "__main__":
    connect()
