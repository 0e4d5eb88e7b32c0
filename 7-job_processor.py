#!/usr/bin/env python3
"""Process notification jobs two at a time, reporting progress and failures."""
import json
import sys
from functools import partial

from rq import SimpleWorker, get_current_job
from rq.worker_pool import WorkerPool
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.workers import PromptRecovery, quiet_rq_logs

QUEUE = "push_notification_code_2"
BLACKLISTED_NUMBERS = ["4153518780", "4153518781"]
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
NotificationJob = runs_only("7-job_processor.process_notification",
                            *EVENT_CALLBACKS)


class NotificationWorker(PromptRecovery, SimpleWorker):
    """RQ's SimpleWorker, finding a dead worker's job in seconds and never
    stopping silently (kuestyle/workers.py, kuestyle/recovery.py)."""


def report_progress(percent: int) -> None:
    """Kue's job.progress(): keep it in job.meta, and tell the creator with an
    event on the queue's channel (kuestyle/events.py reads them)."""
    job = get_current_job()
    if job is None:  # called directly, outside a job: no one to tell
        return
    job.meta["progress"] = percent
    job.save_meta()
    event = {"id": job.id, "event": "progress", "progress": percent}
    job.connection.publish(f"q:events:{job.origin}", json.dumps(event))


def send_notification(phone_number: str, message: str) -> None:
    """Send a notification, failing the job if phone_number is blacklisted."""
    report_progress(0)
    if phone_number in BLACKLISTED_NUMBERS:
        raise ValueError(f"Phone number {phone_number} is blacklisted")
    report_progress(50)
    print(f"Sending notification to {phone_number}, with message: {message}")


def process_notification(data: dict) -> None:
    """Run one job: its data is Kue's job.data, {"phoneNumber", "message"}.

    Data in Redis is input, whoever wrote it: a bad shape fails the job.
    """
    fields = ("phoneNumber", "message")
    if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) for key in fields):
        raise TypeError('job data must be {"phoneNumber": "...", '
                        '"message": "..."}')
    send_notification(data["phoneNumber"], data["message"])


if __name__ == "__main__":
    redis_errors_in_one_line()
    connection = patient_client()
    quiet_rq_logs()
    # Other queues may be named: ./7-job_processor.py push_notification_code_3
    queues = sys.argv[1:] or [QUEUE]
    # Two worker processes: two jobs at a time, like Kue's
    # queue.process(name, 2, ...).  The pool replaces a worker that dies, and
    # Ctrl-C or SIGTERM stops both after their running jobs.
    # The pool builds each worker from worker_class: partial() gives them
    # the settings that find a dead worker's job (kuestyle/recovery.py).
    worker = partial(NotificationWorker, **FINDS_A_LOST_JOB)
    pool = WorkerPool(queues, connection=connection, num_workers=2,
                      worker_class=worker, serializer=JSONSerializer,
                      job_class=NotificationJob)
    pool.start()
