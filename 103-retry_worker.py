#!/usr/bin/env python3
"""Work on the uploads queue with a scheduler, so delayed retries happen."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.rq_gaps import SaysWhyItStopped
from kuestyle.workers import quiet_rq_logs

QUEUE = "uploads"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("103-retry_job.upload", *EVENT_CALLBACKS)


class UploadWorker(SaysWhyItStopped, SimpleWorker):
    """RQ's SimpleWorker, which never stops silently (kuestyle/rq_gaps.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    connection = patient_client()
    quiet_rq_logs()
    worker = UploadWorker([QUEUE], connection=connection,
                          serializer=JSONSerializer, job_class=JOBS,
                          **FINDS_A_LOST_JOB)
    # A retry with an interval is scheduled: the scheduler puts it back.
    worker.work(with_scheduler=True)
