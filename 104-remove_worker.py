#!/usr/bin/env python3
"""Work on the videos queue with RQ's forking worker, which can stop a job."""
from rq import Worker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import runs_only
from kuestyle.rq_gaps import SaysWhyItStopped
from kuestyle.workers import quiet_rq_logs

QUEUE = "videos"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("104-remove_job.encode_video")


class VideoWorker(SaysWhyItStopped, Worker):
    """RQ's forking Worker, which never stops silently
    (kuestyle/rq_gaps.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    connection = patient_client()
    quiet_rq_logs()
    # Each job runs in a child process (the "work horse") that the worker
    # kills when told to stop that job (send_stop_job_command).
    VideoWorker([QUEUE], connection=connection, serializer=JSONSerializer,
                job_class=JOBS, **FINDS_A_LOST_JOB).work()
