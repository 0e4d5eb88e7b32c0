#!/usr/bin/env python3
"""Subscribe to a Redis channel and print each message until told to stop."""
import redis

from redis_connection import CONNECTED, connect, fail_not_connected
from shutdown import stop_on_signals

CHANNEL = "holberton school channel"
KILL_MESSAGE = "KILL_SERVER"
SUBSCRIBE_TIMEOUT = 5.0


def subscribe(client: redis.Redis) -> redis.client.PubSub:
    """Subscribe to CHANNEL; return once Redis confirms the subscription."""
    pubsub = client.pubsub()
    pubsub.subscribe(CHANNEL)
    while True:
        message = pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT)
        if message is None:
            raise redis.exceptions.TimeoutError("no subscription confirmation")
        if message["type"] == "subscribe":
            return pubsub


def listen(pubsub: redis.client.PubSub) -> None:
    """Print each message; after KILL_SERVER, unsubscribe and close."""
    for message in pubsub.listen():
        if message["type"] != "message":
            continue
        print(message["data"], flush=True)
        if message["data"] == KILL_MESSAGE:
            pubsub.unsubscribe(CHANNEL)
            pubsub.close()
            return


if __name__ == "__main__":
    stop_on_signals()
    try:
        channel = subscribe(connect(announce=False))
        # The connected line comes only now, so a publisher started after it
        # can never publish before we listen.
        print(CONNECTED, flush=True)
        listen(channel)
    except redis.exceptions.RedisError as error:
        fail_not_connected(error)
    except KeyboardInterrupt:
        pass
