#!/usr/bin/env python3
"""Create one notification job on an RQ queue and report how it ended."""
import signal

from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.events import JobListener, job_completed, job_failed
from kuestyle.ids import next_id
from kuestyle.recovery import JOB_OPTIONS

QUEUE = "push_notification_code"
JOB_DATA = {"phoneNumber": "4153518780",
            "message": "This is the code to verify your account"}


def print_outcome(event: dict) -> None:
    """Print the job's outcome as Kue's complete and failed listeners do."""
    if event["event"] == "complete":
        print("Notification job completed", flush=True)
    elif event["event"] == "failed":
        print("Notification job failed", flush=True)


def main() -> None:
    """Listen for the job's events, create the job, then wait for its end."""
    redis_errors_in_one_line()
    connection = patient_client()
    # JSON, not RQ's default pickle: job data read back from Redis is data,
    # never code that runs.
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    listener = JobListener(queue, print_outcome)  # subscribed before enqueue
    job_id = next_id(connection)                  # 1, 2, 3, ... like Kue
    listener.watch([job_id])
    # JOB_OPTIONS: a 20 s job_timeout (Kue's job.ttl()), one Retry used only
    # if the job's worker dies (kill -9, a lost host; a job that raises fails
    # at once), and how long Redis keeps it (kuestyle/recovery.py).
    # Held events: its created line comes first.
    with listener.holding():
        job = queue.enqueue("6-job_processor.process_notification", JOB_DATA,
                            job_id=job_id, **JOB_OPTIONS,
                            on_success=Callback(job_completed),
                            on_failure=Callback(job_failed))
        print(f"Notification job created: {job.id}", flush=True)
    listener.wait_for_workers("./6-job_processor.py")
    listener.close()


if __name__ == "__main__":
    # Ctrl-C raises KeyboardInterrupt, even in a process started with "&".
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: stop waiting; the job stays queued
        pass
