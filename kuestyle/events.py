"""Kue's job events on RQ: jobs publish progress (7-job_processor.py), callbacks outcomes, and a
``JobListener`` hands them to the creator: ``{"id": "3", "event": "complete"}``."""
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis
from rq import Queue
from rq.job import Job, JobStatus

from kuestyle.liveness import live_workers
from kuestyle.retries import only_a_lost_job_is_retried

FIELDS = {"progress": ("progress", int), "failed attempt": ("error", str),
          "failed": ("error", str), "complete": ("id", str)}
ABANDONED = {"AbandonedJobError": "its worker stopped before the job ended (killed, or lost)"}


def publish(connection: redis.Redis, job: Job, event: str, **fields: Any) -> None:
    """Publish one event about job on its queue's channel."""
    connection.publish(f"q:events:{job.origin}",
                       json.dumps({"id": job.id, "event": event, **fields}))


def job_completed(job: Job, connection: redis.Redis, *args: Any, **kwargs: Any) -> None:
    """RQ success callback (job, connection, result): publish ``complete``."""
    publish(connection, job, "complete")


def job_failed(job: Job, connection: redis.Redis, exc_type: type, exc_value: BaseException,
               traceback: Any) -> None:
    """RQ failure callback: ``failed`` with its reason, at once; a lost worker's job is retried."""
    only_a_lost_job_is_retried(job, exc_type)
    attempt_failed(job, connection, exc_type, exc_value, traceback)


def attempt_failed(job: Job, connection: redis.Redis, exc_type: type, exc_value: BaseException,
                   traceback: Any) -> None:
    """RQ failure callback for jobs retried on any error (103): ``failed attempt`` while RQ
    retries, then ``failed`` with its reason."""
    try:
        reason = str(exc_value) or ABANDONED.get(exc_type.__name__, exc_type.__name__)
    except Exception:  # an exception whose text itself fails still has a type
        reason = exc_type.__name__
    if not job.retries_left:  # kept for a listener that missed the event
        job.meta["error"] = reason
        job.save_meta()
    publish(connection, job, "failed attempt" if job.retries_left else "failed",
            error=reason, retries_left=job.retries_left or 0)


def describe(event: dict, subject: str) -> str:
    """The line Kue's listeners print (``Notification job 3 completed``); never two lines."""
    name = event["event"]
    detail = {"progress": f"{event.get('progress')}% complete", "complete": "completed"}
    line = f"{subject} {event['id']} {detail.get(name) or f'{name}: ' + event['error']}"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)


def is_event(event: Any) -> bool:
    """True for a well-formed event; anything else on the channel is ignored."""
    if not isinstance(event, dict) or event.get("event") not in FIELDS:
        return False
    field, kind = FIELDS[event["event"]]
    return isinstance(event.get("id"), str) and isinstance(event.get(field), kind)


class JobListener:
    """Hands one queue's job events to ``handler``: create it, ``watch`` the ids, enqueue."""

    def __init__(self, queue: Queue, handler: Callable[[dict], None]):
        """Subscribe to the queue's events and start reading them."""
        self.queue, self.handler = queue, handler
        self._changed = threading.Condition()
        self._watched: dict[str, int] = {}  # job id: the last progress passed on
        self._ended, self._seen_done = set(), set()  # job ids
        self.received = 0  # messages read from the channel so far
        self._pubsub = queue.connection.pubsub()
        self._pubsub.subscribe(**{f"q:events:{queue.name}": self._on_message})
        if self._pubsub.get_message(timeout=5) is None:
            raise redis.exceptions.TimeoutError("no confirmation of the events subscription")
        # redis-py reads in a thread, reconnects and resubscribes by itself; it looks
        # whether to stop every 0.1 s, so close() returns that soon (1 s: a creator's
        # exit waited up to a second after its last line).
        self._thread = self._pubsub.run_in_thread(
            sleep_time=0.1, daemon=True, exception_handler=lambda *_: time.sleep(1))

    def _on_message(self, message: dict) -> None:
        """Deliver a well-formed event; ignore anything else."""
        self.received += 1  # read from the channel (delivered once no block holds them)
        try:
            event = json.loads(message["data"])
        except ValueError:
            event = None
        if is_event(event):
            self._deliver(event)

    def _deliver(self, event: dict) -> None:
        """Hand a watched job's event on, once; note the end of its job."""
        with self._changed:
            job_id = event["id"]
            if job_id not in self._watched.keys() - self._ended:
                return
            if event["event"] == "progress":
                if event["progress"] <= self._watched[job_id]:
                    return  # a retried job starts again at 0%: said once
                self._watched[job_id] = event["progress"]
            self.handler(event)
            if event["event"] in ("complete", "failed"):
                self._ended.add(job_id)
                self._changed.notify_all()

    def watch(self, job_ids: Iterable[str]) -> None:
        """Pass on the events of these jobs."""
        with self._changed:
            self._watched.update(dict.fromkeys(job_ids, -1))

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Hold every event until the block ends: a creator enqueues and prints its created
        lines inside it, so no event line can come before them, however fast the worker."""
        with self._changed:  # the reading thread waits for this lock to hand an event on
            yield

    def pending(self, job_ids: Iterable[str] | None = None) -> set[str]:
        """The watched jobs (or those of job_ids) that have not completed or failed yet."""
        with self._changed:
            return (self._watched.keys() if job_ids is None else set(job_ids)) - self._ended

    def wait(self, timeout: float | None = None, job_ids: Iterable[str] | None = None,
             check_every: float = 2.0) -> bool:
        """Wait until the watched jobs (or job_ids) completed or failed; False on timeout."""
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        job_ids = None if job_ids is None else list(job_ids)
        while self.pending(job_ids):
            left = min(check_every, deadline - time.monotonic())
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
        """Report outcomes RQ recorded but whose event never came (seen twice: time to arrive)."""
        for job_id in sorted(self.pending()):
            # Missing (ids are watched before enqueue) or running: nothing to say.
            event = self._recorded_end(job_id)
            if event and job_id in self._seen_done:
                self._deliver(event)
            if event:
                self._seen_done.add(job_id)

    def _recorded_end(self, job_id: str) -> dict | None:
        """The end RQ recorded for a job (None if it has none yet); a record that cannot be
        read (someone wrote over it) is a failure with that reason, not a crash."""
        try:
            job = Job.fetch_many([job_id], self.queue.connection,
                                 serializer=self.queue.serializer)[0]
            status = job.get_status(refresh=False) if job else None
            if status not in (JobStatus.FINISHED, JobStatus.FAILED):
                return None
            return {"id": job_id, "error": str(job.meta.get("error", "")),
                    "event": "complete" if status == JobStatus.FINISHED else "failed"}
        except redis.exceptions.ConnectionError:
            raise
        except Exception as error:  # a corrupted record: its job cannot end well
            return {"id": job_id, "event": "failed",
                    "error": f"its record in Redis cannot be read ({type(error).__name__})"}

    def close(self) -> None:
        """Stop listening and release the connection."""
        self._thread.stop()
        self._thread.join(timeout=2)
        self._pubsub.close()
