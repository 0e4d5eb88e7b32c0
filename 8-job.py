#!/usr/bin/env python3
"""Create notification jobs from a list with one reusable, testable function.

Like Kue's job listeners, the progress, completed and failed lines of the jobs
are printed in this process while it lives; ``wait_for_outcomes(jobs)`` waits
for all of them and ``stop_listening()`` stops (Kue's ``testMode.exit``).
"""
import time

from rq import Queue
from rq.job import Job

from job_events import JobListener, create_jobs, describe

QUEUE = "push_notification_code_3"
JOB_FUNCTION = "7-job_processor.process_notification"
_listeners: dict[str, JobListener] = {}


def print_event(event: dict) -> None:
    """Print a job event the way task 7's creator does."""
    print(describe(event, "Notification job"), flush=True)


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
    target = Queue(QUEUE, connection=queue.connection)
    listener = JobListener(queue.connection, QUEUE, print_event)
    created = create_jobs(target, JOB_FUNCTION, jobs)
    for job in created:
        print(f"Notification job created: {job.id}", flush=True)
        _listeners[job.id] = listener
    listener.watch(job.id for job in created)
    return created


def wait_for_outcomes(jobs: list[Job], timeout: float | None = None) -> bool:
    """Wait until every job completed or failed (its lines printed).

    Returns False if timeout seconds passed first; the lines keep coming.
    A listener whose jobs have all ended is closed and forgotten.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    for listener in {_listeners[j.id] for j in jobs if j.id in _listeners}:
        left = None if deadline is None else deadline - time.monotonic()
        left = None if left is None else max(0.0, left)
        if not listener.wait(left):
            return False
        listener.close()
        for job_id in [k for k, v in _listeners.items() if v is listener]:
            del _listeners[job_id]
    return True


def stop_listening() -> None:
    """Stop printing the events of every job created so far."""
    for listener in set(_listeners.values()):
        listener.close()
    _listeners.clear()
