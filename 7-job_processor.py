#!/usr/bin/env python3
"""Process notification jobs two at a time, reporting progress and failures."""
import sys
from functools import partial

from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from kuestyle.connection import connect, run
from kuestyle.overrides import PoolSimpleWorker
from kuestyle.progress import report_progress
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "push_notification_code_2"
BLACKLISTED_NUMBERS = ["4153518780", "4153518781"]
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("7-job_processor.process_notification", *EVENT_CALLBACKS)


def send_notification(phone_number: str, message: str) -> None:
    """Send a notification, failing the job if phone_number is blacklisted."""
    report_progress(0)  # Kue's job.progress(0, 100)
    if phone_number in BLACKLISTED_NUMBERS:
        raise ValueError(f"Phone number {phone_number} is blacklisted")
    report_progress(50)
    print(f"Sending notification to {phone_number}, with message: {message}")


def process_notification(data: dict) -> None:
    """Run one job: data is Kue's job.data; a bad shape fails the job."""
    match data:
        case {"phoneNumber": str(phone_number), "message": str(message)}:
            return send_notification(phone_number, message)
    raise TypeError('job data must be {"phoneNumber": "...", '
                    '"message": "..."}')


def main() -> None:
    """Two jobs at a time (Kue: queue.process(name, 2)); argv: more queues."""
    # Each process: RQ's SimpleWorker, for a pool (kuestyle/overrides.py).
    worker = partial(PoolSimpleWorker, **WORKER_SETTINGS)
    pool = WorkerPool(sys.argv[1:] or [QUEUE], connection=connect(**PATIENT),
                      num_workers=2, job_class=JOBS, serializer=JSONSerializer,
                      worker_class=worker)
    pool.start()  # Ctrl-C or SIGTERM: both finish their jobs, then stop


if __name__ == "__main__":
    run(main)
