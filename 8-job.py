#!/usr/bin/env python3
"""Create notification jobs from a list with one reusable, testable function;
as with Kue's listeners, their event lines are printed in this process while
it lives (``wait_for_outcomes``; ``stop_listening``: Kue's testMode.exit)."""
from rq import Callback, Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.events import JobListener, describe, job_completed, job_failed
from kuestyle.ids import next_ids
from kuestyle.settings import JOB_DATA_OPTIONS

QUEUE = "push_notification_code_3"
listeners: dict[int, JobListener] = {}  # one per Redis client


def create_push_notifications_jobs(jobs: list[dict],
                                   queue: Queue) -> list[Job]:
    """Create one job per item on push_notification_code_3; return them."""
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
            Queue.prepare_data("7-job_processor.process_notification",
                               (data,), job_id=job_id, **JOB_DATA_OPTIONS,
                               on_success=Callback(job_completed),
                               on_failure=Callback(job_failed))
            for job_id, data in zip(job_ids, jobs)])
        for job in created:
            print(f"Notification job created: {job.id}", flush=True)
    return created


def listener_for(queue: Queue) -> JobListener:
    """This process's listener for the queue's Redis client."""
    if id(queue.connection) not in listeners:
        listeners[id(queue.connection)] = JobListener(
            queue, lambda event: print(describe(event, "Notification job"),
                                       flush=True))
    return listeners[id(queue.connection)]


def wait_for_outcomes(jobs: list[Job], timeout: float | None = None) -> bool:
    """Wait for every job's end (its lines printed); False on a timeout."""
    return not jobs or listeners[id(jobs[0].connection)].wait(
        timeout, job_ids=[job.id for job in jobs])


def stop_listening() -> None:
    """Stop printing the events of every job created so far."""
    for listener in listeners.values():
        listener.close()
    listeners.clear()
