#!/usr/bin/env python3
"""Where one lesson worker's time goes: round trips and commands per no-op job.

``python -m tools.bench.round_trips [JOBS]`` starts its own server on a free loopback
port, queues JOBS no-op jobs (2,000 by default), works them with task 6's
``NotificationWorker`` (the lessons' patient client, JSON, their tidy-up settings) in
this process, and prints the round trips a job (calls that send to Redis: a pipeline is
one), the commands a job (the server's count), jobs/s, and PINGs a second on the same
client, which bound how many round trips a second one process can make.
"""
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

from redis.connection import Connection
from rq import Queue
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import runs_only
from tools import embedded_redis

NOOP = "tools.bench.jobs.noop"


class CountedSends:
    """Counts Connection.send_packed_command calls while in use: one per round trip."""

    def __enter__(self) -> "CountedSends":
        self.count, self.original = 0, Connection.send_packed_command

        def send(connection: Connection, *args, **kwargs):
            self.count += 1
            return self.original(connection, *args, **kwargs)
        Connection.send_packed_command = send
        return self

    def __exit__(self, *exc: object) -> None:
        Connection.send_packed_command = self.original


def main(jobs: int) -> None:
    """Measure on a server of its own, then stop it."""
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, Path(tempfile.mkdtemp(prefix="bench-trips-")))
    try:
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        connection = patient_client()
        queue = Queue("round_trips", connection=connection, serializer=JSONSerializer)
        queue.enqueue_many([Queue.prepare_data(NOOP) for _ in range(jobs)])
        worker = importlib.import_module("6-job_processor").NotificationWorker(
            [queue], connection=connection, serializer=JSONSerializer,
            job_class=runs_only(NOOP), **FINDS_A_LOST_JOB)
        commands = connection.info("stats")["total_commands_processed"]
        with CountedSends() as sends:
            started = time.perf_counter()
            worker.work(burst=True)
            seconds = time.perf_counter() - started
        commands = connection.info("stats")["total_commands_processed"] - commands - 1
        started = time.perf_counter()
        for _ in range(5000):
            connection.ping()
        pings = 5000 / (time.perf_counter() - started)
        print(f"{jobs:,} no-op jobs, one NotificationWorker: {sends.count / jobs:.1f} round "
              f"trips and {commands / jobs:.1f} commands a job, {jobs / seconds:,.0f} jobs/s "
              f"({1000 * seconds / jobs:.2f} ms a job); {pings:,.0f} PINGs/s on its client")
    finally:
        embedded_redis.stop_server(pid)


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 2000)
