#!/usr/bin/env python3
"""Subscribe to a Redis channel and print each message until told to stop."""
import signal

import redis

from kuestyle.connection import (CONNECTED, fail_fast_client,
                                 fail_not_connected, redis_errors_in_one_line)

CHANNEL = "holberton school channel"
KILL_MESSAGE = "KILL_SERVER"


def subscribe(connection: redis.Redis) -> redis.client.PubSub:
    """Subscribe to CHANNEL; return once Redis confirms the subscription."""
    pubsub = connection.pubsub()
    pubsub.subscribe(CHANNEL)
    if pubsub.get_message(timeout=5) is None:  # the "subscribe" reply
        raise redis.exceptions.TimeoutError("no subscription confirmation")
    return pubsub


def listen(pubsub: redis.client.PubSub) -> None:
    """Print each message; after KILL_SERVER, unsubscribe and close."""
    for message in pubsub.listen():
        if message["type"] != "message":
            continue
        # Any bytes may be published: show what is not UTF-8, never crash.
        text = message["data"].decode(errors="backslashreplace")
        print(text, flush=True)
        if text == KILL_MESSAGE:
            pubsub.unsubscribe(CHANNEL)
            pubsub.close()
            return


if __name__ == "__main__":
    # Ctrl-C and SIGTERM stop it quietly (even when started with "&").
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    try:
        redis_errors_in_one_line()
        channel = subscribe(fail_fast_client())
        # The connected line comes only now, so a publisher started after it
        # can never publish before we listen.
        print(CONNECTED, flush=True)
        listen(channel)
    except redis.exceptions.RedisError as error:
        fail_not_connected(error)
    except KeyboardInterrupt:
        pass
