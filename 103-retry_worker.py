#!/usr/bin/env python3
"""Work on the uploads queue with a scheduler, so delayed retries happen."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.workers import quiet_rq_logs

QUEUE = "uploads"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("103-retry_job.upload", *EVENT_CALLBACKS)

if __name__ == "__main__":
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    worker = SimpleWorker([QUEUE], connection=connection,
                          serializer=JSONSerializer, job_class=JOBS,
                          maintenance_interval=30, worker_ttl=45)
    # A retry with an interval is scheduled: the scheduler puts it back.
    worker.work(with_scheduler=True)
