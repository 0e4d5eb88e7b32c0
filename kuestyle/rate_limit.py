"""At most ``limit`` job starts per ``per_ms`` across every worker on every host (Bull's
``limiter: {max, duration}``; RQ has none).  The count lives in Redis, one atomic step per
try: a sorted set of the last starts, on the server's own clock.  A job over the limit
waits for the next free slot; it is never dropped or failed.
"""
import time
from typing import NamedTuple

import redis

# The starts of the last per_ms (Redis's clock, ms); room for one more: take it, else say
# in how many ms the oldest leaves the window.
TAKE_A_SLOT = """
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local limit, per = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per)
  return {0, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {tonumber(oldest[2]) + per - now, now}
"""


class Limit(NamedTuple):
    """A limit's Redis key, and how many starts it allows per how many milliseconds."""

    key: str
    limit: int
    per_ms: int


def wait_for_a_slot(connection: redis.Redis, limit: Limit, starter: str) -> int:
    """Wait until the limit allows one more start, take it for starter (a job id); return
    the start time (ms since the epoch, Redis's clock)."""
    take = connection.register_script(TAKE_A_SLOT)
    while True:
        wait_ms, now = take(keys=[limit.key], args=[limit.limit, limit.per_ms, starter])
        if wait_ms <= 0:
            return int(now)
        time.sleep(wait_ms / 1000)
