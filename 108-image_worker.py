#!/usr/bin/env python3
"""Process the images queue that ./108-image_app.py fills."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import runs_only
from kuestyle.rq_gaps import SaysWhyItStopped
from kuestyle.workers import quiet_rq_logs

QUEUE = "images"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("108-image_app.process_image")


class ImageWorker(SaysWhyItStopped, SimpleWorker):
    """RQ's SimpleWorker, which never stops silently (kuestyle/rq_gaps.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    connection = patient_client()
    quiet_rq_logs()
    ImageWorker([QUEUE], connection=connection, serializer=JSONSerializer,
                job_class=JOBS, **FINDS_A_LOST_JOB).work()
