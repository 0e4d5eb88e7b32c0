"""Kue's job events on RQ, which has none: a job's outcome, from RQ's ``on_success`` /
``on_failure`` callbacks, is published on its queue's channel with its progress
(progress.py), and a ``JobListener`` hands them to the creator.

Kue's one attempt: a job that raises fails at once.  Lesson jobs carry one ``Retry``
(settings.py) for a lost worker only: ``job_failed`` withdraws it for any other error (RQ
runs ``on_failure`` before it decides to retry).
"""
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis
from rq import Queue
from rq.exceptions import AbandonedJobError
from rq.job import Job, JobStatus

from kuestyle.liveness import live_workers
from kuestyle.progress import publish

FIELDS = {"progress": ("progress", int), "failed attempt": ("error", str),
          "failed": ("error", str), "complete": ("id", str)}
ABANDONED = "its worker stopped before the job ended (killed, or lost)"


def job_completed(job: Job, connection: redis.Redis, *args: Any, **kwargs: Any) -> None:
    """RQ success callback: publish ``complete``."""
    publish(job, "complete")


def job_failed(job: Job, connection: redis.Redis, exc_type: type, *args: Any) -> None:
    """RQ failure callback: ``failed`` at once; only a lost worker's job is retried."""
    if exc_type is not AbandonedJobError:
        job.retries_left = 0
    attempt_failed(job, connection, exc_type, *args)


def attempt_failed(job: Job, connection: redis.Redis, exc_type: type, exc_value: Any,
                   *args: Any) -> None:
    """RQ failure callback for jobs retried on any error (103): ``failed attempt`` while RQ
    retries, then ``failed`` with its reason (kept in job.meta for a listener that missed it)."""
    try:
        reason = str(exc_value) or (ABANDONED if exc_type is AbandonedJobError
                                    else exc_type.__name__)
    except Exception:  # an exception whose text itself fails still has a type
        reason = exc_type.__name__
    if not job.retries_left:
        job.meta["error"] = reason
        job.save_meta()
    publish(job, "failed attempt" if job.retries_left else "failed", error=reason,
            retries_left=job.retries_left or 0)


def describe(event: dict, subject: str) -> str:
    """The line Kue's listeners print (``Notification job 3 completed``); never two lines."""
    detail = {"progress": f"{event.get('progress')}% complete", "complete": "completed"}
    what = detail.get(event["event"]) or f"{event['event']}: {event.get('error')}"
    line = f"{subject} {event['id']} {what}"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)


def is_event(event: Any) -> bool:
    """True for a well-formed event; anything else on the channel is ignored."""
    if not isinstance(event, dict) or event.get("event") not in FIELDS:
        return False
    field, kind = FIELDS[event["event"]]
    return isinstance(event.get("id"), str) and isinstance(event.get(field), kind)


class JobListener:
    """Hands one queue's job events to ``handler``: create it, ``watch`` the ids, enqueue
    inside ``holding()``, then ``wait()``."""

    def __init__(self, queue: Queue, handler: Callable[[dict], None], attempts: bool = False):
        """Subscribe to the queue's events (confirmed) and read them in a thread; a failed
        attempt that RQ retries is passed on only if attempts."""
        self.queue, self.handler, self.attempts = queue, handler, attempts
        self.changed = threading.Condition()
        self.progress: dict[str, int] = {}  # watched job id: the last progress passed on
        self.ended: set[str] = set()
        self.received = 0  # messages read from the channel
        self.pubsub = queue.connection.pubsub()
        self.pubsub.subscribe(**{f"q:events:{queue.name}": self.on_message})
        if self.pubsub.get_message(timeout=5) is None:
            raise redis.exceptions.TimeoutError("no confirmation of the events subscription")
        # redis-py reconnects and subscribes again by itself; it looks whether to stop
        # every 0.1 s, so close() returns that soon.
        self.thread = self.pubsub.run_in_thread(sleep_time=0.1, daemon=True,
                                                exception_handler=lambda *_: time.sleep(1))

    def on_message(self, message: dict) -> None:
        """Deliver a well-formed event about a watched job, once; ignore anything else."""
        self.received += 1
        try:
            event = json.loads(message["data"])
        except ValueError:
            return
        if is_event(event):
            self.deliver(event)

    def deliver(self, event: dict) -> None:
        """Hand a watched job's event on, once; note the end of its job."""
        with self.changed:
            job_id = event["id"]
            if job_id not in self.progress or job_id in self.ended or (
                    event["event"] == "failed attempt" and not self.attempts):
                return
            if event["event"] == "progress":
                if event["progress"] <= self.progress[job_id]:
                    return  # a retried job starts again at 0%: said once
                self.progress[job_id] = event["progress"]
            self.handler(event)
            if event["event"] in ("complete", "failed"):
                self.ended.add(job_id)
                self.changed.notify_all()

    def watch(self, job_ids: Iterable[str]) -> None:
        """Pass on the events of these jobs."""
        with self.changed:
            self.progress.update(dict.fromkeys(job_ids, -1))

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Hold every event until the block ends: created lines printed inside it come
        before any event line, however fast the worker."""
        with self.changed:
            yield

    def pending(self, job_ids: Iterable[str] | None = None) -> set[str]:
        """The watched jobs (or those of job_ids) that have not ended yet."""
        with self.changed:
            return set(self.progress if job_ids is None else job_ids) - self.ended

    def wait(self, timeout: float | None = None, job_ids: Iterable[str] | None = None,
             check_every: float = 2.0) -> bool:
        """Wait until the jobs ended; False if timeout seconds passed first.  An end RQ
        recorded whose event never came (Redis restarted meanwhile) is said once it has
        been seen twice, check_every seconds apart: its events on their way come first."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        job_ids, seen = None if job_ids is None else list(job_ids), set()
        while pending := sorted(self.pending(job_ids)):
            if time.monotonic() >= deadline:
                return False
            with self.changed:
                self.changed.wait(min(check_every, deadline - time.monotonic()))
            for job_id in pending:
                if (event := self.recorded_end(job_id)) and job_id in seen:
                    self.deliver(event)
                elif event:
                    seen.add(job_id)
        return True

    def recorded_end(self, job_id: str) -> dict | None:
        """The end RQ recorded for a job, if any; a record that cannot be read (someone
        wrote over it) is a failure with that reason."""
        try:
            job = Job.fetch(job_id, self.queue.connection, serializer=self.queue.serializer)
            status = job.get_status(refresh=False)
        except redis.exceptions.ConnectionError:
            raise
        except Exception as error:  # gone (not created yet), or not RQ's
            if not self.queue.connection.exists(f"rq:job:{job_id}"):
                return None
            return {"id": job_id, "event": "failed",
                    "error": f"its record in Redis cannot be read ({type(error).__name__})"}
        if status not in (JobStatus.FINISHED, JobStatus.FAILED):
            return None
        return {"id": job_id, "error": str(job.meta.get("error", "")),
                "event": "complete" if status == JobStatus.FINISHED else "failed"}

    def wait_for_workers(self, start_hint: str) -> None:
        """Wait for every watched job; with no worker listening, say once how to start one."""
        if not live_workers(self.queue):
            print(f"No worker is listening on {self.queue.name}: start one with {start_hint} "
                  "(Ctrl-C stops waiting; the jobs stay queued)", file=sys.stderr, flush=True)
        self.wait()

    def close(self) -> None:
        """Stop listening and release the connection."""
        self.thread.stop()
        self.thread.join(timeout=2)
        self.pubsub.close()
