"""The one place this project overrides a library's method; tests pin each to its version.

``SaysWhenRedisIsBack`` overrides redis-py's ``Retry.call_with_retry`` (redis 8.1), for the
lessons' patient clients (kuestyle/connection.py ``PATIENT``).  The lesson point: a worker or
a waiting creator rides out a Redis restart, and a student sees that it did, once per outage
and process: ``Redis connection lost (<reason>): retrying ...`` when a command fails, and
``Redis connection is back`` only when a command that had failed then got its answer.

It also stops waiting for an RQ worker that was asked to stop: RQ's handler for the first
SIGINT or SIGTERM installs ``request_force_stop`` for the next one (RQ 2.12), so a worker
whose Redis froze (SIGSTOP) gives up at its next failed command, says why in one line and
exits with status 1, instead of retrying its goodbye to Redis for ever.
"""
import os
import signal
import sys
import threading
from typing import Any

from redis.retry import Retry


def stop_requested() -> bool:
    """True once RQ's worker in this process handled a first SIGINT or SIGTERM."""
    handler = signal.getsignal(signal.SIGTERM)
    return getattr(handler, "__name__", "") == "request_force_stop"


class SaysWhenRedisIsBack(Retry):
    """redis-py's Retry, saying on stderr when Redis went and when it answered again."""

    lost = False  # one state per process, whichever thread saw it
    said = threading.Lock()

    def call_with_retry(self, do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one command, retrying through an outage."""
        failures = []

        def failed(error: Exception, *count: int) -> None:
            failures.append(error)
            self.say(True, f"Redis connection lost ({error}): retrying until it is back "
                           "(Ctrl-C quits)")
            if stop_requested():
                raise SystemExit(f"Redis error: {error}") from None
            fail(error, *count)
        result = super().call_with_retry(do, failed, *args, **kwargs)
        if failures:  # this command failed, then Redis answered it
            self.say(False, "Redis connection is back")
        return result

    @classmethod
    def say(cls, lost: bool, line: str) -> None:
        """Print line if the connection's state changes to lost (or back)."""
        with cls.said:
            if cls.lost != lost:
                cls.lost = lost
                print(line, file=sys.stderr, flush=True)


# A child forked while another thread held the lock would wait for it for ever.
os.register_at_fork(after_in_child=lambda: setattr(SaysWhenRedisIsBack, "said",
                                                   threading.Lock()))
