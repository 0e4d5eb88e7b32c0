#!/usr/bin/env python3
"""Process the queued no-op jobs with one worker set-up and print when it ran.

Run by tools/bench/run.py in a fresh process per measurement:
``python -m tools.bench.worker_rate MODE PROCESSES QUEUE`` where MODE is
``fork`` (RQ's default forking worker), ``simple`` (RQ's non-forking worker)
or ``lesson`` (what the lessons run: task 6's ``NotificationWorker``, or a
WorkerPool of them for 2, with the JSON serializer, the lessons' patient client,
their tidy-up settings and a job class that checks the names a job holds before
it runs).  ``fork`` and ``simple`` use
redis-py's pure-Python reply parser and pickle; ``lesson`` uses hiredis when
installed.  Prints JSON: {"start": t0, "end": t1} in Unix seconds.
"""
import importlib
import json
import sys
import time

import redis
from redis._parsers import _RESP2Parser
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from kuestyle.connection import patient_client, redis_url
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import runs_only
from kuestyle.workers import quiet_rq_logs


def main(mode: str, processes: int, queue: str) -> None:
    """Work the queue in burst mode and print the start and end times."""
    quiet_rq_logs()
    if mode == "lesson":
        connection = patient_client()
        jobs = runs_only("tools.bench.jobs.noop")
        processor = importlib.import_module("6-job_processor").NotificationWorker
        start = time.time()
        if processes == 1:
            processor([queue], connection=connection, serializer=JSONSerializer,
                      job_class=jobs, **FINDS_A_LOST_JOB).work(burst=True)
        else:
            WorkerPool([queue], connection=connection, num_workers=processes,
                       worker_class=processor, serializer=JSONSerializer,
                       job_class=jobs).start(burst=True)
    else:
        pool = redis.ConnectionPool.from_url(redis_url(), parser_class=_RESP2Parser)
        connection = redis.Redis(connection_pool=pool)
        worker_class = Worker if mode == "fork" else SimpleWorker
        worker = worker_class([queue], connection=connection)
        start = time.time()
        worker.work(burst=True, logging_level=None)
    print(json.dumps({"start": start, "end": time.time()}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
