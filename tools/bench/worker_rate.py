#!/usr/bin/env python3
"""Process the queued no-op jobs with one worker set-up and print when it ran.

Run by tools/bench/run.py in a fresh process per measurement:
``python -m tools.bench.worker_rate MODE PROCESSES QUEUE`` where MODE is
``fork`` (RQ's default forking worker, pickle), ``simple`` (RQ's non-forking
worker, pickle), ``json`` (what ``rq worker --burst -w rq.worker.SimpleWorker
--serializer rq.serializers.JSONSerializer`` runs) or ``lesson`` (what the lessons
run: ``SimpleWorker`` with ``WORKER_SETTINGS``, their patient client and the job
class that checks the names a job holds, or a WorkerPool of them for 2).
Prints JSON: {"start": t0, "end": t1} in Unix seconds.
"""
import json
import logging
import sys
import time
from functools import partial

import redis
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from kuestyle.connection import connect, redis_url
from kuestyle.overrides import PoolSimpleWorker
from kuestyle.registered import runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS


def main(mode: str, processes: int, queue: str) -> None:
    """Work the queue in burst mode and print the start and end times."""
    logging.getLogger("rq").addHandler(logging.NullHandler())  # stdout is the result's
    if mode == "lesson":
        connection = connect(**PATIENT)
        jobs = runs_only("tools.bench.jobs.noop")
        start = time.time()
        if processes == 1:
            SimpleWorker([queue], connection=connection, job_class=jobs,
                         **WORKER_SETTINGS).work(burst=True, logging_level="CRITICAL")
        else:
            WorkerPool([queue], connection=connection, num_workers=processes,
                       worker_class=partial(PoolSimpleWorker, **WORKER_SETTINGS),
                       serializer=JSONSerializer, job_class=jobs
                       ).start(burst=True, logging_level="CRITICAL")
    else:
        connection = redis.Redis.from_url(redis_url())
        worker_class = Worker if mode == "fork" else SimpleWorker
        serializer = {"serializer": JSONSerializer} if mode == "json" else {}
        worker = worker_class([queue], connection=connection, **serializer)
        start = time.time()
        worker.work(burst=True, logging_level=None)
    print(json.dumps({"start": start, "end": time.time()}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
