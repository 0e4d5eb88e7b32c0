#!/usr/bin/env python3
"""Run two jobs at a time on the shared emails queue; start several."""
from functools import partial

from rq import SimpleWorker
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from kuestyle.connection import connect
from kuestyle.registered import runs_only
from kuestyle.rq_gaps import heartbeat_grace
from kuestyle.workers import quiet_rq_logs

QUEUE = "emails"
# What these workers run, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("107-producer.send_email")

if __name__ == "__main__":
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    # The same as `rq worker-pool -n 2 emails` on the command line.
    # (The settings: see 6-job_processor.py and 7-job_processor.py.)
    worker = partial(heartbeat_grace(SimpleWorker, 5), maintenance_interval=10,
                     worker_ttl=25)
    WorkerPool([QUEUE], connection=connection, num_workers=2,
               worker_class=worker, serializer=JSONSerializer,
               job_class=JOBS).start()
