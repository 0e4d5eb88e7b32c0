#!/usr/bin/env python3
"""Create one notification job on a queue and report how it ended."""
from rq import Queue

from job_events import JobListener, create_job
from redis_connection import connect

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
    connection = connect(decode=False, announce=False)
    queue = Queue(QUEUE, connection=connection)
    listener = JobListener(connection, QUEUE, print_outcome)
    job = create_job(queue, "6-job_processor.process_notification", JOB_DATA)
    print(f"Notification job created: {job.id}", flush=True)
    listener.watch([job.id])
    listener.wait_while_worked(queue, "./6-job_processor.py")
    listener.close()


if __name__ == "__main__":
    main()
