#!/usr/bin/env python3
"""Run two jobs at a time on the shared emails queue; start several."""
from functools import partial

from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from kuestyle.connection import connect, run
from kuestyle.overrides import PoolSimpleWorker
from kuestyle.registered import runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "emails"
# What these workers run, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("107-producer.send_email")


def main() -> None:
    """The same as `rq worker-pool -n 2 emails` on the command line."""
    # Each process: RQ's SimpleWorker, for a pool (kuestyle/overrides.py).
    worker = partial(PoolSimpleWorker, **WORKER_SETTINGS)
    WorkerPool([QUEUE], connection=connect(**PATIENT), num_workers=2,
               worker_class=worker, serializer=JSONSerializer,
               job_class=JOBS).start()


if __name__ == "__main__":
    run(main)
