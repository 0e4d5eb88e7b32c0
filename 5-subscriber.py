#!/usr/bin/env python3
"""Subscribe to a Redis channel and print each message until told to stop."""
import redis

from kuestyle.connection import CONNECTED, QUICK, redis_url, run

CHANNEL = "holberton school channel"
KILL_MESSAGE = "KILL_SERVER"


def main() -> None:
    """Subscribe, say so once Redis confirmed it, then print each message."""
    client = redis.Redis.from_url(redis_url(), **QUICK)
    pubsub = client.pubsub()
    pubsub.subscribe(CHANNEL)
    if pubsub.get_message(timeout=5) is None:  # the "subscribe" reply
        raise redis.exceptions.TimeoutError("no subscription confirmation")
    # Only now: a publisher started after this line is never missed.
    print(CONNECTED)
    for message in pubsub.listen():
        # Any bytes may be published: show what is not UTF-8, never crash.
        text = message["data"].decode(errors="backslashreplace")
        print(text)
        if text == KILL_MESSAGE:
            pubsub.unsubscribe(CHANNEL)
            pubsub.close()
            return


if __name__ == "__main__":
    run(main)  # Ctrl-C or SIGTERM: exit 0, quietly
