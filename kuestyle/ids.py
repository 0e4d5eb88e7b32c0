"""Kue-style job ids 1, 2, 3, ... from one counter (RQ's are UUIDs): ``job_id=next_id(...)``."""
import redis

IDS_KEY = "q:ids"


def next_id(connection: redis.Redis) -> str:
    """Take the next job id from the shared counter."""
    return str(connection.incr(IDS_KEY))


def next_ids(connection: redis.Redis, count: int) -> list[str]:
    """Take count consecutive ids in one round trip (for ``enqueue_many``)."""
    last = connection.incrby(IDS_KEY, count)
    return [str(n) for n in range(last - count + 1, last + 1)]
