"""The one place that leans on RQ behaviour RQ does not document; tests pin the version.

Four mixins for an RQ worker class (``class W(HeartbeatGrace, SimpleWorker)``):

- ``HeartbeatGrace``: RQ lets a running job's heartbeat expire 60 s after it was due (after
  the job's timeout for a ``SimpleWorker``, which does not renew it; after the next renewal
  for a forking ``Worker``), so a killed worker's job is noticed a minute late at best.
  Only ``Worker.get_heartbeat_ttl`` decides that number; it takes ``(job)`` in RQ 2.12 and
  ``(job, working_time)`` in the next release, so the override takes both.
- ``SaysWhyItStopped``: RQ's ``work()`` loop logs an error it cannot survive (a Redis
  timeout, anything unexpected) and returns as if told to stop, so a supervisor sees exit
  status 0 and starts nothing.  This mixin watches the loop's own log records (``rq.worker``,
  logged from ``work``) and turns such an end, or a Redis error, into one line on stderr
  and exit status 1.  RQ stops an idle worker by raising from its signal handler, wherever
  the loop is: mid-pipeline, that leaves the connection a reply out of step, and RQ's
  tidying away then fails with a Redis error; a worker asked to stop ends quietly then.
- ``FewerWorkerKeyWrites``: RQ 2.12's ``SimpleWorker`` renews its own key (``heartbeat()``:
  HSET, EXPIRE) five times a job, for a key that lives ``worker_ttl`` + 60 s, and writes
  ``idle`` twice after each job: a plain renewal within a second of the last, and a plain
  write of the state written last, are skipped; what goes in a pipeline, or with a TTL, is not.
- ``PromptInFlightCleanup``: a worker takes a job by moving its id to the queue's in-flight
  list (``BLMOVE``); if a crash swallows the reply, the job is there but never started.  RQ's
  tidy-up (``Queue.intermediate_queue``) marks such an id first seen, and fails it (so its
  ``Retry`` runs it) only once a pass sees it there after a minute: with a tidy-up every
  10 s, a Redis restart delayed a job 60-80 s.  This mixin hands it back at the first pass
  ``in_flight_grace`` seconds after RQ first saw it, the same way.
"""
import logging
import time
from datetime import datetime, timezone
from typing import Any

import redis
from rq.exceptions import StopRequested
from rq.job import JobStatus

from kuestyle.connection import ReportingRetry

RQ_GRACE = 60  # what RQ adds to every heartbeat TTL


class HeartbeatGrace:
    """A worker whose running job's heartbeat expires heartbeat_grace seconds after it was
    due, instead of RQ's 60."""

    heartbeat_grace = RQ_GRACE

    def get_heartbeat_ttl(self, job: Any, *args: Any, **kwargs: Any) -> int:
        """RQ's TTL for this job, with heartbeat_grace seconds of slack instead of 60."""
        return super().get_heartbeat_ttl(job, *args, **kwargs) - RQ_GRACE + self.heartbeat_grace


class LoopErrors(logging.Handler):
    """Remembers the error that ended RQ's loop: an ERROR record logged from ``work``."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reason: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's exception (or its message) as one line."""
        if record.funcName == "work":
            kind, error = (record.exc_info or (None, None, None))[:2]
            self.reason = f"{kind.__name__}: {error}" if kind else record.getMessage()


class SaysWhyItStopped:
    """A worker that never stops silently: an error that ends its loop is one line on
    stderr and exit status 1, even in a WorkerPool's process (where multiprocessing would
    print a traceback)."""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's loop; what ended it, if not a request or an empty burst, ends the process."""
        errors = LoopErrors()
        self.log.addHandler(errors)
        try:
            worked = super().work(*args, **kwargs)
        except (StopRequested, KeyboardInterrupt):  # a signal while RQ was setting up
            return False  # (Python's Ctrl-C, before RQ's handlers) or tidying away
        except redis.exceptions.RedisError as error:
            if ReportingRetry.stopping:  # asked to stop: the error is its own interruption
                return False
            raise SystemExit(f"Redis error: {error}") from None
        finally:
            self.log.removeHandler(errors)
        if errors.reason is not None:
            raise SystemExit(f"Worker stopped: {errors.reason}")
        return worked


class FewerWorkerKeyWrites:
    """A worker that renews its own key once a second at most, bar RQ's timed renewals, and
    writes its state only when it changes."""

    last_renewal = float("-inf")  # time.monotonic() of the last heartbeat sent
    state_written = None

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ's heartbeat, unless it is a plain one within a second of the last."""
        at = time.monotonic()
        if timeout is None and pipeline is None and at - self.last_renewal < 1:
            return
        self.last_renewal = at
        super().heartbeat(timeout, pipeline)

    def set_state(self, state: str, pipeline: Any = None) -> None:
        """RQ's set_state, unless it is a plain write of the state written last (a
        pipeline's write may be discarded, so the state is unknown after it)."""
        if pipeline is None and state == self.state_written:
            return
        self.state_written = state if pipeline is None else None
        super().set_state(state, pipeline)


class PromptInFlightCleanup:
    """A worker whose tidy-up fails a job stranded in the in-flight list (taken, never
    started) in_flight_grace seconds after RQ's own tidy-up first saw it, not a minute."""

    in_flight_grace = 60

    def clean_registries(self) -> None:
        """RQ's tidy-up (which marks each stranded id first seen), then: a job still queued,
        not started, seen in flight in_flight_grace seconds ago is failed as RQ would."""
        super().clean_registries()
        for queue in self.queues:
            in_flight = queue.intermediate_queue
            for job_id in in_flight.get_job_ids():
                first_seen = in_flight.get_first_seen(job_id)
                if first_seen is None or (datetime.now(timezone.utc) - first_seen
                                          ).total_seconds() < self.in_flight_grace:
                    continue
                job = queue.fetch_job(job_id)
                if job is None or job.get_status() != JobStatus.QUEUED \
                        or job_id in queue.started_job_registry:
                    continue
                # Whoever removes the id handles it: two workers never fail one job twice.
                if self.connection.lrem(queue.intermediate_queue_key, 1, job_id):
                    self.handle_job_failure(job, queue,
                                            exc_string="Job was stuck in intermediate queue.")
