#!/usr/bin/env python3
"""Create eleven notification jobs at once, then print their progress."""
from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.events import JobListener, describe, job_completed, job_failed
from kuestyle.ids import next_ids
from kuestyle.settings import JOB_DATA_OPTIONS, PATIENT

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
    print(describe(event, "Notification job"))


def main() -> None:
    """Listen for events, create the jobs in list order, wait for them all."""
    connection = connect(**PATIENT)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    listener = JobListener(queue, print_event)
    job_ids = next_ids(connection, len(JOBS))  # consecutive, in list order
    listener.watch(job_ids)
    with listener.holding():  # every created line before any event line
        jobs = queue.enqueue_many([  # one round trip for all eleven
            Queue.prepare_data("7-job_processor.process_notification", (data,),
                               job_id=job_id, **JOB_DATA_OPTIONS,
                               on_success=Callback(job_completed),
                               on_failure=Callback(job_failed))
            for job_id, data in zip(job_ids, JOBS)])
        for job in jobs:
            print(f"Notification job created: {job.id}")
    listener.wait_for_workers("./7-job_processor.py")
    listener.close()


if __name__ == "__main__":
    run(main)  # Ctrl-C stops the wait; the jobs stay queued
