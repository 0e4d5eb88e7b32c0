#!/usr/bin/env python3
"""Create one notification job on an RQ queue and report how it ended."""
from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.events import JobListener, job_completed, job_failed
from kuestyle.ids import next_id
from kuestyle.settings import JOB_OPTIONS, PATIENT

QUEUE = "push_notification_code"
JOB_DATA = {"phoneNumber": "4153518780",
            "message": "This is the code to verify your account"}
OUTCOMES = {"complete": "Notification job completed",
            "failed": "Notification job failed"}


def print_outcome(event: dict) -> None:
    """Print the job's outcome as Kue's complete and failed listeners do."""
    if event["event"] in OUTCOMES:
        print(OUTCOMES[event["event"]])


def main() -> None:
    """Listen for the job's events, create the job, then wait for its end."""
    connection = connect(**PATIENT)
    # JSON, not RQ's default pickle: data read back from Redis never runs.
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    listener = JobListener(queue, print_outcome)  # subscribed before enqueue
    job_id = next_id(connection)  # 1, 2, 3, ... like Kue
    listener.watch([job_id])
    with listener.holding():  # no event line before the created line
        # JOB_OPTIONS: a 20 s timeout (Kue's job.ttl()), one Retry used only
        # if the worker dies, how long Redis keeps it (kuestyle/settings.py).
        job = queue.enqueue("6-job_processor.process_notification", JOB_DATA,
                            job_id=job_id, **JOB_OPTIONS,
                            on_success=Callback(job_completed),
                            on_failure=Callback(job_failed))
        print(f"Notification job created: {job.id}")
    listener.wait_for_workers("./6-job_processor.py")
    listener.close()


if __name__ == "__main__":
    run(main)  # Ctrl-C stops the wait; the job stays queued
