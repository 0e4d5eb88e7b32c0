#!/usr/bin/env python3
"""Work on the sms_provider queue; start as many as you like, on any host.

However many run, at most 10 notifications start a second: each job waits for
its slot in Redis (112-rate_limit.py).
"""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.workers import PromptRecovery, quiet_rq_logs

QUEUE = "sms_provider"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("112-rate_limit.send_sms", *EVENT_CALLBACKS)


class ProviderWorker(PromptRecovery, SimpleWorker):
    """RQ's SimpleWorker: a dead worker's job found in seconds, and never a
    silent stop (kuestyle/workers.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    quiet_rq_logs()
    ProviderWorker([QUEUE], connection=patient_client(),
                   serializer=JSONSerializer, job_class=JOBS,
                   **FINDS_A_LOST_JOB).work()
