#!/usr/bin/env python3
"""Process the images queue that ./108-image_app.py fills."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.registered import runs_only
from kuestyle.workers import quiet_rq_logs

QUEUE = "images"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("108-image_app.process_image")

if __name__ == "__main__":
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    SimpleWorker([QUEUE], connection=connection, serializer=JSONSerializer,
                 job_class=JOBS, maintenance_interval=30,
                 worker_ttl=45).work()
