#!/usr/bin/env python3
"""Run two jobs at a time on the shared emails queue; start several."""
from functools import partial

from rq import SimpleWorker
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import runs_only
from kuestyle.workers import PromptRecovery, quiet_rq_logs

QUEUE = "emails"
# What these workers run, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("107-producer.send_email")


class EmailWorker(PromptRecovery, SimpleWorker):
    """RQ's SimpleWorker, finding a dead worker's job in seconds and never
    stopping silently (kuestyle/recovery.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    connection = patient_client()
    quiet_rq_logs()
    # The same as `rq worker-pool -n 2 emails` on the command line.
    # (The settings that find a dead worker's job: kuestyle/recovery.py.)
    worker = partial(EmailWorker, **FINDS_A_LOST_JOB)
    WorkerPool([QUEUE], connection=connection, num_workers=2,
               worker_class=worker, serializer=JSONSerializer,
               job_class=JOBS).start()
