#!/usr/bin/env python3
"""Process the notification jobs of one queue with an RQ worker, Kue-style."""
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.workers import PromptRecovery, quiet_rq_logs

QUEUE = "push_notification_code"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
NotificationJob = runs_only("6-job_processor.process_notification",
                            *EVENT_CALLBACKS)


class NotificationWorker(PromptRecovery, SimpleWorker):
    """RQ's SimpleWorker, finding a dead worker's job in seconds and never
    stopping silently (kuestyle/workers.py, kuestyle/recovery.py)."""


def send_notification(phone_number: str, message: str) -> None:
    """Print that a notification is being sent to phone_number."""
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
    # RQ's SimpleWorker runs each job in this process (this module is imported
    # once).  Jobs left by earlier runs go first.  Ctrl-C or SIGTERM: the
    # running job finishes, then work() returns.  Every 10 s it tidies RQ's
    # registries (FINDS_A_LOST_JOB): there it finds a job whose worker died
    # (killed, its host lost) and retries it if it has a Retry, else fails it.
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer,
                  job_class=NotificationJob)
    worker = NotificationWorker([queue], connection=connection,
                                serializer=JSONSerializer,
                                job_class=NotificationJob, **FINDS_A_LOST_JOB)
    worker.work()
