#!/usr/bin/env python3
"""Create notification jobs from a list with one reusable, testable function.

Like Kue's job listeners, the progress, completed and failed lines of the jobs
are printed in this process while it lives; ``wait_for_outcomes(jobs)`` waits
for them and ``stop_listening()`` stops (Kue's ``testMode.exit``).  One
listener serves every call on the same Redis.
"""
from rq import Callback, Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.events import JobListener, describe, job_completed, job_failed
from kuestyle.ids import next_ids
from kuestyle.recovery import JOB_DATA_OPTIONS

QUEUE = "push_notification_code_3"
JOB_FUNCTION = "7-job_processor.process_notification"
_listeners: dict[tuple, JobListener] = {}


def print_event(event: dict) -> None:
    """Print a job event the way task 7's creator does."""
    if event["event"] != "failed attempt":  # a retry's: only the end counts
        print(describe(event, "Notification job"), flush=True)


def listener_for(queue: Queue) -> JobListener:
    """The one listener of this process for queue's Redis server."""
    where = queue.connection.connection_pool.connection_kwargs
    key = tuple(where.get(name) for name in ("host", "port", "path", "db"))
    if key not in _listeners:
        _listeners[key] = JobListener(queue, print_event)
    return _listeners[key]


def create_push_notifications_jobs(jobs: list[dict],
                                   queue: Queue) -> list[Job]:
    """Create one job per item on push_notification_code_3; return them.

    Raises TypeError("Jobs is not an array") when jobs is not a list; an empty
    list creates nothing.  The jobs go on queue's Redis connection.
    """
    if not isinstance(jobs, list):
        raise TypeError("Jobs is not an array")
    if not jobs:
        return []
    target = Queue(QUEUE, connection=queue.connection,
                   serializer=JSONSerializer)
    job_ids = next_ids(target.connection, len(jobs))
    listener = listener_for(target)
    listener.watch(job_ids)
    with listener.holding():  # every created line before any event line
        created = target.enqueue_many([
            Queue.prepare_data(JOB_FUNCTION, (data,), job_id=job_id,
                               **JOB_DATA_OPTIONS,  # as task 7's
                               on_success=Callback(job_completed),
                               on_failure=Callback(job_failed))
            for job_id, data in zip(job_ids, jobs)])
        for job in created:
            print(f"Notification job created: {job.id}", flush=True)
    return created


def wait_for_outcomes(jobs: list[Job], timeout: float | None = None) -> bool:
    """Wait until every job completed or failed (its lines printed).

    Returns False if timeout seconds passed first; the lines keep coming.
    """
    if not jobs:
        return True
    listener = listener_for(Queue(QUEUE, connection=jobs[0].connection))
    return listener.wait(timeout, job_ids=[job.id for job in jobs])


def stop_listening() -> None:
    """Stop printing the events of every job created so far."""
    for listener in _listeners.values():
        listener.close()
    _listeners.clear()
