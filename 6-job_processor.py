#!/usr/bin/env python3
"""Process the notification jobs of one queue with an RQ worker, Kue-style."""
from rq import SimpleWorker

from kuestyle.connection import connect, run
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "push_notification_code"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("6-job_processor.process_notification", *EVENT_CALLBACKS)


def send_notification(phone_number: str, message: str) -> None:
    """Print that a notification is being sent to phone_number."""
    print(f"Sending notification to {phone_number}, with message: {message}")


def process_notification(data: dict) -> None:
    """Run one job: data is Kue's job.data; a bad shape fails the job."""
    match data:
        case {"phoneNumber": str(phone_number), "message": str(message)}:
            return send_notification(phone_number, message)
    raise TypeError('job data must be {"phoneNumber": "...", '
                    '"message": "..."}')


def main() -> None:
    """Run the queue's jobs until Ctrl-C or SIGTERM (the job ends first)."""
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work()


if __name__ == "__main__":
    run(main)
