#!/usr/bin/env python3
"""Work on the uploads queue with a scheduler, so delayed retries happen."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.workers import quiet_rq_logs

QUEUE = "uploads"

if __name__ == "__main__":
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    worker = SimpleWorker([QUEUE], connection=connection,
                          serializer=JSONSerializer, maintenance_interval=30,
                          worker_ttl=45)
    # A retry with an interval is scheduled: the scheduler puts it back.
    worker.work(with_scheduler=True)
