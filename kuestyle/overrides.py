"""The one place this project overrides a library's method (two of them); tests pin each to
the version it was checked with.

``SaysWhenRedisIsBack`` overrides redis-py's ``Retry.call_with_retry`` (redis 8.1), for the
lessons' patient clients (kuestyle/connection.py ``PATIENT``).  The lesson point: a worker or
a waiting creator rides out a Redis restart, and a student sees that it did, once per outage
and process: ``Redis connection lost (<reason>): retrying ...`` when a command fails, and
``Redis connection is back`` only when a command that had failed then got its answer.

Two processes do not wait, so that one SIGTERM stops a worker within 20 s even while Redis
does not answer:

- an RQ worker that was asked to stop: RQ's handler for the first SIGINT or SIGTERM installs
  ``request_force_stop`` for the next one (RQ 2.12).  At its next failed command it says
  why in one line and exits with status 1, instead of retrying its goodbye for ever;
- RQ's scheduler process (``with_scheduler=True``, a WorkerPool's workers), which RQ names
  ``Scheduler``: it ends quietly at its first failed command, and its worker starts another
  at its next tidy-up once Redis answers (RQ's own rule, every ``maintenance_interval``).
  Patient, it retried while its worker waited for it to stop.
"""
import multiprocessing
import os
import signal
import sys
import threading
from typing import Any

from redis.exceptions import RedisError
from redis.retry import Retry
from rq import SimpleWorker


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
            if multiprocessing.current_process().name == "Scheduler":
                raise SystemExit(0)  # its worker starts another, Redis back
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


class PoolSimpleWorker(SimpleWorker):
    """RQ's SimpleWorker for a WorkerPool's processes (7, 107).  Overrides
    ``SimpleWorker.work`` (RQ 2.12) for two lesson points:

    - a Redis that refuses it (out of memory, a read-only replica) ends it in one line and
      status 1: RQ raises such an error from ``work()`` before its loop starts, and in a
      pool's process multiprocessing prints a traceback for it;
    - no scheduler process: a WorkerPool asks every worker for one, and a worker that dies
      mid-job (killed, or a job that ends its process) leaves it running after the pool.
      The pools' jobs are never delayed or retried after a wait."""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's work loop, with no scheduler; a Redis error that escapes it is one line."""
        kwargs["with_scheduler"] = False
        try:
            return super().work(*args, **kwargs)
        except RedisError as error:
            raise SystemExit(f"Redis error: {error}") from None
