#!/usr/bin/env python3
"""Process the queued no-op jobs with one worker set-up and print when it ran.

Run by bench/run.py in a fresh process per measurement:
``worker_rate.py MODE PROCESSES QUEUE`` where MODE is ``fork`` (RQ's default
forking worker), ``simple`` (RQ's non-forking worker) or ``project`` (this
project's run_worker).  ``fork`` and ``simple`` use redis-py's pure-Python
reply parser; ``project`` uses the client the lessons use (hiredis when
installed).  Prints JSON: {"start": t0, "end": t1} in Unix seconds.
"""
import json
import sys
import time
from pathlib import Path

import redis
from redis._parsers import _RESP2Parser
from rq import SimpleWorker, Worker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis_connection import redis_url  # noqa: E402
from rq_workers import route_rq_logs, run_worker  # noqa: E402


def main(mode: str, processes: int, queue: str) -> None:
    """Work the queue in burst mode and print the start and end times."""
    route_rq_logs()
    if mode == "project":
        start = time.time()
        run_worker([queue], preload=["bench.jobs"], processes=processes, burst=True)
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
