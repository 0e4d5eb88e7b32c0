#!/usr/bin/env python3
"""Fail over with Redis Sentinel while jobs flow: what it costs, measured.

Starts a master, a replica and three Sentinels (the project's own
redis-server, run with --sentinel), points REDIS_URL at the Sentinels
(redis+sentinel://host:port,.../mymaster/0), runs a worker (this file's
``worker`` role, task 7's settings) and a stream of jobs through them,
kills the master with SIGKILL, and reports: how long writes stopped,
which acknowledged jobs were lost (replication is asynchronous), and
whether any job id was handed out twice.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rq import Queue, SimpleWorker, get_current_job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.ids import next_id
from kuestyle.registered import runs_only
from kuestyle.settings import JOB_TIMEOUT, KEPT, PATIENT, WORKER_SETTINGS
from tools.embedded_redis import SentinelSet

QUEUE = "high_availability"
RUNS_KEY = "ha:runs"  # job id -> how many times it ran
# What the worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only(f"{Path(__file__).stem}.record")


def record() -> None:
    """The job: count one more run of itself."""
    job = get_current_job()
    job.connection.hincrby(RUNS_KEY, job.id)


def produce(queue: Queue, seconds: float, kill_after: float,
            servers: SentinelSet) -> tuple[list[str], float]:
    """Enqueue a job every 20 ms for seconds; kill the master after kill_after
    seconds.  Return the acknowledged ids and how long writes stopped."""
    acknowledged, killed, stopped_for = [], 0.0, 0.0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        job_id = next_id(queue.connection)  # waits out the failover
        queue.enqueue(f"{Path(__file__).stem}.record", job_id=job_id,
                      job_timeout=JOB_TIMEOUT, **KEPT)
        acknowledged.append(job_id)
        if killed and not stopped_for:
            stopped_for = time.monotonic() - killed
            print(f"Writes go to the new master on port "
                  f"{servers.master_port()} {stopped_for:.1f} s after the "
                  "kill", flush=True)
        if not killed and time.monotonic() - started > kill_after:
            old = servers.master_port()
            servers.kill(old)
            killed = time.monotonic()
            print(f"Master on port {old} killed with SIGKILL after "
                  f"{len(acknowledged)} jobs", flush=True)
        time.sleep(0.02)
    return acknowledged, stopped_for


def report(queue: Queue, acknowledged: list[str]) -> None:
    """Wait for the queue to drain, then count what was lost or doubled."""
    deadline = time.monotonic() + 60
    while queue.count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    runs = {key.decode(): int(value) for key, value in
            queue.connection.hgetall(RUNS_KEY).items()}
    lost = [job_id for job_id in acknowledged if job_id not in runs]
    reused = len(acknowledged) - len(set(acknowledged))
    twice = sum(1 for count in runs.values() if count > 1)
    print(f"{len(acknowledged)} jobs acknowledged: {len(runs)} ran, "
          f"{len(lost)} lost, {twice} ran twice, {reused} ids handed out "
          "twice", flush=True)
    if lost:
        print(f"Lost (acknowledged by the old master, never copied to the "
              f"replica): {', '.join(lost)}", flush=True)


def main(seconds: float, kill_after: float) -> None:
    """Start the servers and a processor, stream jobs, fail over, report."""
    with tempfile.TemporaryDirectory(prefix="ha-") as directory:
        servers = SentinelSet(Path(directory))
        os.environ["REDIS_URL"] = servers.url
        print(f"Master on port {servers.master_port()}, its replica and three "
              f"Sentinels; REDIS_URL={servers.url}", flush=True)
        processor = subprocess.Popen([sys.executable, __file__, "worker"])
        try:
            queue = Queue(QUEUE, connection=connect(**PATIENT),
                          serializer=JSONSerializer)
            acknowledged, _ = produce(queue, seconds, kill_after, servers)
            report(queue, acknowledged)
        finally:
            processor.terminate()
            processor.wait(timeout=30)
            servers.stop()


def work() -> None:
    """The worker: task 7's SimpleWorker settings, on the Sentinels' master."""
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work()


if __name__ == "__main__":
    if sys.argv[1:] == ["worker"]:
        run(work)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="how long jobs are created (default 8)")
    parser.add_argument("--kill-after", type=float, default=3.0,
                        help="when the master is killed (default 3)")
    arguments = parser.parse_args()
    if not 0 < arguments.kill_after < arguments.seconds:
        parser.error("--kill-after must be between 0 and --seconds")
    # run(): its lines and the worker's never merge; Ctrl-C stops it quietly.
    run(lambda: main(arguments.seconds, arguments.kill_after))
