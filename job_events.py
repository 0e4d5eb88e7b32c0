#!/usr/bin/env python3
"""Kue-style jobs on RQ: small integer ids and job events sent back to the creator.

Kue gives every job an id from one Redis counter and delivers its ``progress``,
``complete`` and ``failed`` events to the process that created it, over Redis
pub/sub.  RQ has neither, so this module adds both:

* ``create_jobs`` takes ids from one ``INCR`` counter shared by every queue
  (a fresh Redis gives 1, 2, 3, ...) and enqueues with the callbacks below;
* inside a job, ``report_progress(percent)`` publishes a ``progress`` event;
* RQ calls ``on_success`` / ``on_failure`` after the job, and they publish
  ``complete``, ``failed`` or, when RQ will retry, ``failed attempt``;
* ``JobListener`` subscribes (before anything is enqueued, so nothing is
  missed) and hands each event for the jobs it watches to a callback.

An event is JSON on the channel ``q:events:<queue>``:
``{"id": "3", "event": "progress", "progress": 50}``.
"""
import json
import math
import time
from datetime import datetime, timezone
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import redis
from redis.client import Pipeline
from rq import Callback, Queue, Retry, get_current_job
from rq.job import Job

from rq_workers import live_workers

IDS_KEY = "q:ids"
FINAL_EVENTS = ("complete", "failed")
SUBSCRIBE_TIMEOUT = 5.0


def channel(queue_name: str) -> str:
    """Return the pub/sub channel that carries the events of one queue's jobs."""
    return f"q:events:{queue_name}"


def create_jobs(queue: Queue, func: str | Callable[..., Any],
                items: Iterable[Any], retry: Retry | None = None,
                **options: Any) -> list[Job]:
    """Enqueue func(item) for each item, in one round trip, with Kue-style ids.

    An item None means a job with no argument.

    The ids are a block reserved from the shared counter with one INCRBY, so a
    list of jobs gets consecutive ids in list order.
    """
    items = list(items)
    if not items:
        return []
    last = queue.connection.incrby(IDS_KEY, len(items))
    first = last - len(items) + 1
    return queue.enqueue_many([
        Queue.prepare_data(func, args=_arguments(item), job_id=str(first + n), retry=retry,
                           **_callbacks(), **options)
        for n, item in enumerate(items)])


def create_job(queue: Queue, func: str | Callable[..., Any], data: Any,
               retry: Retry | None = None, delay: float | None = None,
               **options: Any) -> Job:
    """Enqueue one job func(data) with the next id; Kue's ``queue.create().save()``.

    delay (seconds) schedules it instead, like Kue's ``job.delay(ms)``: a worker
    started with a scheduler moves it to the queue when the time comes.
    """
    if delay is None:
        return create_jobs(queue, func, [data], retry=retry, **options)[0]
    # RQ keeps scheduled times in whole seconds, dropping the fraction, which
    # could run the job up to a second early; rounding up never does.
    run_at = datetime.fromtimestamp(math.ceil(time.time() + delay), timezone.utc)
    return queue.enqueue_at(run_at, func, *_arguments(data),
                            job_id=str(queue.connection.incr(IDS_KEY)), retry=retry,
                            **_callbacks(), **options)


def _arguments(data: Any) -> tuple:
    """The job function's arguments: the data, or none when data is None."""
    return () if data is None else (data,)


def _callbacks() -> dict[str, Callback]:
    """The RQ callbacks that publish a job's outcome."""
    return {"on_success": Callback(on_success), "on_failure": Callback(on_failure)}


def publish(connection: redis.Redis | Pipeline, job: Job, event: str, **fields: Any) -> None:
    """Publish one event about job on its queue's channel."""
    connection.publish(channel(job.origin), json.dumps({"id": job.id, "event": event, **fields}))


def report_progress(percent: int) -> None:
    """From inside a job: record its progress and tell the creator (Kue's job.progress).

    Outside a job (a function called directly) there is no one to tell.
    """
    job = get_current_job()
    if job is None:
        return
    job.meta["progress"] = percent
    with job.connection.pipeline(transaction=False) as pipeline:
        # What job.save_meta() sends, and the event, in one round trip.
        pipeline.hset(job.key, "meta", job.serializer.dumps(job.meta))
        publish(pipeline, job, "progress", progress=percent)
        pipeline.execute()


def on_success(job: Job, connection: redis.Redis, result: Any, *args: Any,
               **kwargs: Any) -> None:
    """RQ success callback: publish ``complete``."""
    publish(connection, job, "complete")


def on_failure(job: Job, connection: redis.Redis, exc_type: type, exc_value: BaseException,
               traceback: Any) -> None:
    """RQ failure callback: publish ``failed``, or ``failed attempt`` if RQ will retry.

    The message is the exception's own text, with no type prefix and no traceback.
    """
    event = "failed attempt" if job.retries_left else "failed"
    publish(connection, job, event, error=str(exc_value), retries_left=job.retries_left or 0)


def describe(event: dict, subject: str) -> str:
    """Return the line Kue's listeners print for an event, e.g. ``<subject> 3 completed``."""
    name = event["event"]
    if name == "progress":
        return f"{subject} {event['id']} {event['progress']}% complete"
    if name == "complete":
        return f"{subject} {event['id']} completed"
    return f"{subject} {event['id']} {name}: {event['error']}"


class JobListener:
    """Receives the events of one queue's jobs in a background thread.

    Subscribe first (the constructor returns once Redis confirmed), enqueue,
    then ``watch`` the new ids: their events, including any that arrived in
    between, go to ``handler`` in order, one job's events in the order sent.
    ``watch_all`` passes on every job's events instead.
    """

    def __init__(self, connection: redis.Redis, queue_name: str,
                 handler: Callable[[dict], None]):
        """Subscribe to the queue's event channel and start the reading thread."""
        self.handler = handler
        self._pubsub = connection.pubsub()
        self._pubsub.subscribe(channel(queue_name))
        confirmation = self._pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT)
        if confirmation is None or confirmation["type"] != "subscribe":
            self._pubsub.close()
            raise redis.exceptions.TimeoutError("no confirmation of the events subscription")
        self._watched: set[str] = set()
        self._pending: set[str] = set()
        self._early: list[dict] = []
        self._everything = False
        self._changed = threading.Condition()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-events", daemon=True)
        self._thread.start()

    def watch(self, job_ids: Iterable[str]) -> None:
        """Pass on the events of these jobs, starting with any already received."""
        with self._changed:
            ids = set(job_ids)
            self._watched |= ids
            self._pending |= ids
            early, self._early = self._early, []
            for event in early:
                self._deliver(event)
            self._changed.notify_all()

    def watch_all(self) -> None:
        """Pass on every event on the channel (a server's log, not a creator's)."""
        with self._changed:
            self._everything = True

    def _deliver(self, event: dict) -> None:
        """Hand a watched job's event to the handler (lock held) and track its end.

        Until the first watch() an event is kept, since its job may be about to
        be watched; after that, other jobs' events are none of this listener's.
        """
        if not self._everything and event.get("id") not in self._watched:
            if not self._watched:
                self._early.append(event)
            return
        self.handler(event)
        if event.get("event") in FINAL_EVENTS:
            self._pending.discard(event["id"])
            self._changed.notify_all()

    def _run(self) -> None:
        """Read events until closed; stop quietly if the connection goes away."""
        try:
            while not self._closed.is_set():
                message = self._pubsub.get_message(timeout=0.2)
                if message is None or message["type"] != "message":
                    continue
                try:
                    event = json.loads(message["data"])
                except ValueError:
                    continue
                with self._changed:
                    self._deliver(event)
        except (redis.exceptions.RedisError, OSError, ValueError, TypeError):
            # The connection went away (or its pool was closed under us):
            # there is nothing more to hear.
            pass
        finally:
            with self._changed:
                self._closed.set()
                self._changed.notify_all()
            self._pubsub.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every watched job completed or failed; False on timeout."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._pending or self._closed.is_set(), timeout) \
                and not self._pending

    def wait_while_worked(self, queue: Queue, start_hint: str, poll: float = 0.5) -> bool:
        """Wait for every outcome while a worker listens on queue.

        With no worker listening (at once, or because the last one died), print
        one hint line on stderr naming start_hint and return False: the jobs stay
        queued for the next worker.  True when every watched job has ended.
        """
        while not self.wait(timeout=0):
            if not live_workers(queue):
                print(f"No worker is listening on {queue.name}: the job stays queued. "
                      f"Start one with {start_hint}", file=sys.stderr, flush=True)
                return False
            if self.wait(timeout=poll):
                break
        return True

    @property
    def pending(self) -> set[str]:
        """The watched jobs that have not completed or failed yet."""
        with self._changed:
            return set(self._pending)

    def close(self) -> None:
        """Stop listening and release the connection."""
        self._closed.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
