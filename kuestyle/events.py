"""Kue's job events on RQ: progress and outcomes sent back to the process that made the job.

Kue delivers a job's ``progress``, ``complete`` and ``failed`` events to its
creator over Redis pub/sub; RQ has no such bus, so:

* inside a job, ``report_progress(percent)`` saves ``job.meta["progress"]`` and
  publishes a ``progress`` event;
* ``job_completed`` / ``job_failed`` are RQ callbacks (``Callback(job_completed)``):
  they publish ``complete``, ``failed`` or, when RQ will retry, ``failed attempt``;
* ``JobListener`` subscribes before anything is enqueued and hands each event
  of the jobs it watches to a handler; an outcome it missed while its
  connection was down is read back from RQ's own record of the job.

An event is JSON on ``q:events:<queue>``: ``{"id": "3", "event": "progress", "progress": 50}``.
"""
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from rq import Queue, get_current_job
from rq.job import Job, JobStatus

from kuestyle.workers import live_workers

FINAL = ("complete", "failed")
EVENTS = ("progress", "failed attempt") + FINAL


def channel(queue_name: str) -> str:
    """The pub/sub channel that carries one queue's job events."""
    return f"q:events:{queue_name}"


def publish(connection: redis.Redis, job: Job, event: str, **fields: Any) -> None:
    """Publish one event about job on its queue's channel."""
    connection.publish(channel(job.origin), json.dumps({"id": job.id, "event": event, **fields}))


def report_progress(percent: int) -> None:
    """From inside a job: record its progress and tell its creator (Kue's ``job.progress``)."""
    job = get_current_job()
    if job is not None:  # called directly, outside a job, there is no one to tell
        job.meta["progress"] = percent
        job.save_meta()
        publish(job.connection, job, "progress", progress=percent)


def job_completed(job: Job, connection: redis.Redis, result: Any, *args: Any,
                  **kwargs: Any) -> None:
    """RQ success callback: publish ``complete``."""
    publish(connection, job, "complete")


def job_failed(job: Job, connection: redis.Redis, exc_type: type, exc_value: BaseException,
               traceback: Any) -> None:
    """RQ failure callback: publish ``failed`` (its reason), or ``failed attempt`` if RQ retries."""
    try:
        reason = str(exc_value)
    except Exception:  # an exception whose text itself fails still has a type
        reason = ""
    reason = reason or exc_type.__name__
    if not job.retries_left:  # kept for a listener that misses the event
        job.meta["error"] = reason
        job.save_meta()
    publish(connection, job, "failed attempt" if job.retries_left else "failed",
            error=reason, retries_left=job.retries_left or 0)


def describe(event: dict, subject: str) -> str:
    """The line Kue's listeners print, e.g. ``Notification job 3 completed``; one line, always."""
    name, job_id = event["event"], event["id"]
    if name == "progress":
        line = f"{subject} {job_id} {event['progress']}% complete"
    elif name == "complete":
        line = f"{subject} {job_id} completed"
    else:
        line = f"{subject} {job_id} {name}: {event['error']}"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)


def is_event(event: Any) -> bool:
    """True for a well-formed event; anything else on the channel is ignored."""
    return (isinstance(event, dict) and isinstance(event.get("id"), str)
            and event.get("event") in EVENTS
            and (event["event"] != "progress" or isinstance(event.get("progress"), int))
            and (event["event"] in ("progress", "complete") or isinstance(event.get("error"), str)))


class JobListener:
    """Hands the events of one queue's jobs to ``handler``, from a background thread.

    Subscribe first (the constructor returns once Redis confirmed), take the
    new jobs' ids, ``watch`` them, then enqueue.  ``everything=True`` passes on every job's events.
    """

    def __init__(self, queue: Queue, handler: Callable[[dict], None], everything: bool = False):
        """Subscribe to the queue's event channel and start reading it."""
        self.queue, self.handler, self.everything = queue, handler, everything
        self._changed = threading.Condition()
        self._watched: set[str] = set()
        self._ended: set[str] = set()
        self._final_seen: set[str] = set()
        self._pubsub = queue.connection.pubsub()
        self._pubsub.subscribe(**{channel(queue.name): self._on_message})
        if self._pubsub.get_message(timeout=5) is None:
            raise redis.exceptions.TimeoutError("no confirmation of the events subscription")
        self._thread = self._pubsub.run_in_thread(sleep_time=1, daemon=True,
                                                  exception_handler=self._on_error)

    def _on_message(self, message: dict) -> None:
        """Deliver a well-formed event; ignore anything else."""
        try:
            event = json.loads(message["data"])
        except ValueError:
            return
        if is_event(event):
            with self._changed:
                self._deliver(event)

    def _on_error(self, error: Exception, pubsub: Any, thread: Any) -> None:
        """Keep listening whatever happens; redis-py resubscribes once Redis is back."""
        time.sleep(1)

    def _deliver(self, event: dict) -> None:
        """Hand a watched job's event on, once it is known to be watched (lock held)."""
        if (self.everything or event["id"] in self._watched) and event["id"] not in self._ended:
            self.handler(event)
            if event["event"] in FINAL:
                self._ended.add(event["id"])
                self._changed.notify_all()

    def watch(self, job_ids: Iterable[str]) -> None:
        """Pass on the events of these jobs (take their ids first, watch, then enqueue)."""
        with self._changed:
            self._watched |= set(job_ids)

    def pending(self, job_ids: Iterable[str] | None = None) -> set[str]:
        """The watched jobs (or those of job_ids) that have not completed or failed yet."""
        with self._changed:
            return (self._watched if job_ids is None else set(job_ids)) - self._ended

    def wait(self, timeout: float | None = None, job_ids: Iterable[str] | None = None,
             check_every: float = 2.0) -> bool:
        """Wait until the watched jobs (or job_ids) completed or failed; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        job_ids = None if job_ids is None else list(job_ids)
        while self.pending(job_ids):
            left = check_every if deadline is None else \
                min(check_every, deadline - time.monotonic())
            if left <= 0:
                return False
            with self._changed:
                self._changed.wait_for(lambda: not self.pending(job_ids), left)
            self._catch_up()
        return True

    def wait_for_workers(self, start_hint: str) -> None:
        """Wait for every watched job; with no worker listening, say once how to start one."""
        if not live_workers(self.queue):
            print(f"No worker is listening on {self.queue.name}: start one with {start_hint} "
                  "(Ctrl-C stops waiting; the jobs stay queued)", file=sys.stderr, flush=True)
        self.wait()

    def _catch_up(self) -> None:
        """Report outcomes RQ recorded but whose event never came (seen twice, to let it arrive)."""
        pending = sorted(self.pending())
        jobs = Job.fetch_many(pending, connection=self.queue.connection,
                              serializer=self.queue.serializer)
        for job_id, job in zip(pending, jobs):
            # Not there (yet: ids are watched before their jobs are enqueued),
            # or not finished: nothing to report.
            status = job.get_status(refresh=False) if job else None
            if status not in (JobStatus.FINISHED, JobStatus.FAILED):
                continue
            if job_id not in self._final_seen:
                self._final_seen.add(job_id)
                continue
            event = {"id": job_id, "event": "complete"} if status == JobStatus.FINISHED else \
                {"id": job_id, "event": "failed", "error": job.meta.get("error", "")}
            with self._changed:
                self._deliver(event)

    def close(self) -> None:
        """Stop listening and release the connection."""
        self._thread.stop()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._pubsub.close()
