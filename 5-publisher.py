#!/usr/bin/env python3
"""Publish timed messages on a Redis channel for the subscriber to receive."""
import threading
from time import sleep

from kuestyle.connection import (CONNECTED, client, fail_fast_client,
                                 redis_errors_in_one_line)

CHANNEL = "holberton school channel"
MESSAGES = [("Holberton Student #1 starts course", 100),
            ("Holberton Student #2 starts course", 200),
            ("KILL_SERVER", 300),
            ("Holberton Student #3 starts course", 400)]


def publish_message(message: str, time: int) -> None:
    """Wait time milliseconds, announce the message, then publish it."""
    sleep(time / 1000)
    print(f"About to send {message}", flush=True)
    client().publish(CHANNEL, message)


if __name__ == "__main__":
    redis_errors_in_one_line()
    fail_fast_client()
    print(CONNECTED)
    # Like setTimeout: every timer starts now and fires at its own time.
    timers = [threading.Thread(target=publish_message, args=message)
              for message in MESSAGES]
    for timer in timers:
        timer.start()
    for timer in timers:
        timer.join()
