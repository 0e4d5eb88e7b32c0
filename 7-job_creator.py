#!/usr/bin/env python3
"""Create a list of notification jobs, then print progress and outcomes."""
from rq import Queue

from job_events import JobListener, create_jobs, describe
from redis_connection import connect

QUEUE = "push_notification_code_2"
JOBS = [
    {"phoneNumber": "4153518780",
     "message": "This is the code 1234 to verify your account"},
    {"phoneNumber": "4153518781",
     "message": "This is the code 4562 to verify your account"},
    {"phoneNumber": "4153518743",
     "message": "This is the code 4321 to verify your account"},
    {"phoneNumber": "4153538781",
     "message": "This is the code 4562 to verify your account"},
    {"phoneNumber": "4153118782",
     "message": "This is the code 4321 to verify your account"},
    {"phoneNumber": "4153718781",
     "message": "This is the code 4562 to verify your account"},
    {"phoneNumber": "4159518782",
     "message": "This is the code 4321 to verify your account"},
    {"phoneNumber": "4158718781",
     "message": "This is the code 4562 to verify your account"},
    {"phoneNumber": "4153818782",
     "message": "This is the code 4321 to verify your account"},
    {"phoneNumber": "4154318781",
     "message": "This is the code 4562 to verify your account"},
    {"phoneNumber": "4151218782",
     "message": "This is the code 4321 to verify your account"},
]


def print_event(event: dict) -> None:
    """Print a job event, e.g. ``Notification job 3 50% complete``."""
    print(describe(event, "Notification job"), flush=True)


def main() -> None:
    """Listen for events, create the jobs in list order, wait for them all."""
    connection = connect(decode=False, announce=False)
    queue = Queue(QUEUE, connection=connection)
    listener = JobListener(connection, QUEUE, print_event)
    jobs = create_jobs(queue, "7-job_processor.process_notification", JOBS)
    for job in jobs:
        print(f"Notification job created: {job.id}", flush=True)
    listener.watch(job.id for job in jobs)
    listener.wait_while_worked(queue, "./7-job_processor.py")
    listener.close()


if __name__ == "__main__":
    main()
