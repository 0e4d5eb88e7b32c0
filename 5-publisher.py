#!/usr/bin/env python3
"""Publish timed messages on a Redis channel for the subscriber to receive."""
from concurrent.futures import ThreadPoolExecutor
from time import sleep

import redis

from kuestyle.connection import CONNECTED, QUICK, redis_url, run

CHANNEL = "holberton school channel"
MESSAGES = [("Holberton Student #1 starts course", 100),
            ("Holberton Student #2 starts course", 200),
            ("KILL_SERVER", 300), ("Holberton Student #3 starts course", 400)]
client = redis.Redis.from_url(redis_url(), **QUICK)


def publish_message(message: str, time: int) -> None:
    """Wait time milliseconds, announce the message, then publish it."""
    sleep(time / 1000)
    print(f"About to send {message}")
    client.publish(CHANNEL, message)


def main() -> None:
    """Start one timer per message, like setTimeout, and wait for them all."""
    client.ping()
    print(CONNECTED)
    with ThreadPoolExecutor(len(MESSAGES)) as pool:  # all start now
        timers = [pool.submit(publish_message, *m) for m in MESSAGES]
    for timer in timers:
        timer.result()  # a Redis error in a timer: raised here


if __name__ == "__main__":
    run(main)
