#!/usr/bin/env python3
"""Run the recurring jobs: its scheduler moves each due run onto the queue.

RQ's scheduler (``with_scheduler=True``) looks at the scheduled registry once
a second.  A run that falls due while no worker runs waits there, and runs
once, late, when a worker is back.
"""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import runs_only
from kuestyle.rq_gaps import SaysWhyItStopped
from kuestyle.workers import quiet_rq_logs

QUEUE = "recurring"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("111-recurring_jobs.clean_up_inactive_accounts",
                 "111-recurring_jobs.send_digest")


class RecurringWorker(SaysWhyItStopped, SimpleWorker):
    """RQ's SimpleWorker, which never stops silently (kuestyle/rq_gaps.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    quiet_rq_logs()
    worker = RecurringWorker([QUEUE], connection=patient_client(),
                             serializer=JSONSerializer, job_class=JOBS,
                             **FINDS_A_LOST_JOB)
    worker.work(with_scheduler=True)
