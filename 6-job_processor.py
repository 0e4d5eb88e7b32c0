#!/usr/bin/env python3
"""Process the notification jobs of one queue with an RQ worker, Kue-style."""
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.rq_gaps import heartbeat_grace
from kuestyle.workers import quiet_rq_logs

QUEUE = "push_notification_code"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
NotificationJob = runs_only("6-job_processor.process_notification",
                            *EVENT_CALLBACKS)


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
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    # RQ's non-forking worker runs each job in this process (this module is
    # imported once).  Jobs left by earlier runs go first.  Ctrl-C or SIGTERM:
    # the running job finishes, then work() returns.  Every 10 s, even idle
    # (worker_ttl - 15), it tidies RQ's registries (RQ's default: 10 min).
    # There it finds a job whose worker died (killed, its host lost): its
    # heartbeat expires 5 s after the job's timeout (RQ: 60 s, see
    # kuestyle/rq_gaps.py); the job is retried if it has a Retry, else failed.
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer,
                  job_class=NotificationJob)
    worker_class = heartbeat_grace(SimpleWorker, 5)  # RQ's SimpleWorker
    worker = worker_class([queue], connection=connection,
                          serializer=JSONSerializer, job_class=NotificationJob,
                          maintenance_interval=10, worker_ttl=25)
    worker.work()
