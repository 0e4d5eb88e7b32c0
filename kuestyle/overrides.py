"""The two library methods this project overrides; tests/test_layout.py pins each to the
version it was checked with (redis 8.1, RQ 2.12).

- ``SaysWhenRedisIsBack.call_with_retry`` (redis-py's ``Retry``): a worker or a waiting
  creator rides out a Redis restart, and says so once per outage and process (lost, then
  back only when a command that had failed got its answer).  Two processes do not wait,
  so that one SIGTERM stops a worker within 20 s while Redis does not answer: a worker
  RQ was asked to stop (its first-signal handler installs ``request_force_stop``) exits
  in one line, and RQ's scheduler process (named ``Scheduler``) ends quietly: its worker
  starts another at its next tidy-up, once Redis answers.
- ``PoolSimpleWorker.work`` (RQ's ``SimpleWorker``), for a WorkerPool's processes: a Redis
  that refuses the worker (out of memory, read-only) is one line, not multiprocessing's
  traceback; and no scheduler, which would outlive a worker that died mid-job.
"""
import multiprocessing
import os
import sys
import threading
from typing import Any

from redis.exceptions import RedisError
from redis.retry import Retry
from rq import SimpleWorker

from kuestyle.connection import stop_requested


class SaysWhenRedisIsBack(Retry):
    """redis-py's Retry, saying on stderr when Redis went and when it answered again."""

    lost = False  # one state per process, whichever thread saw it
    said = threading.Lock()

    def call_with_retry(self, do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one command, retrying through an outage."""
        failures = []

        def failed(error: Exception, *count: int) -> None:
            if multiprocessing.current_process().name == "Scheduler":
                raise SystemExit(0)
            failures.append(error)
            self.say(True, f"Redis connection lost ({error}): retrying until it is back "
                           "(Ctrl-C quits)")
            if stop_requested():
                raise SystemExit(f"Redis error: {error}") from None
            fail(error, *count)
        result = super().call_with_retry(do, failed, *args, **kwargs)
        if failures:
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
    """RQ's SimpleWorker for a WorkerPool's processes (7-job_processor.py, 107-worker.py)."""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's work loop, with no scheduler; a Redis error that escapes it is one line."""
        kwargs["with_scheduler"] = False
        try:
            return super().work(*args, **kwargs)
        except RedisError as error:
            raise SystemExit(f"Redis error: {error}") from None
