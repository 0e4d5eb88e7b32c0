#!/usr/bin/env python3
"""Recover from a crash: a killed worker's job comes back and completes.

A killed worker cannot report anything, so its job stays "started" until a
live worker notices that the job's heartbeat expired and puts it back on the
queue (it needs a Retry to be re-run).  With RQ's defaults that takes about
13 minutes; the settings below bring it down to a few seconds.
``./106-crash_recovery.py`` runs two workers, kills the one running the job,
and measures the time; ``./106-crash_recovery.py worker`` is one such worker.
"""
import os
import signal
import subprocess
import sys
import time

import redis
from rq import Queue, Retry, Worker, get_current_job
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.ids import next_id
from kuestyle.rq_gaps import heartbeat_grace
from kuestyle.workers import live_workers, quiet_rq_logs

QUEUE = "renders"
HEARTBEAT_INTERVAL = 1     # a worker renews its job's heartbeat every second
HEARTBEAT_GRACE = 2        # a heartbeat not renewed expires 2 s late (RQ: 60)
MAINTENANCE_INTERVAL = 2   # live workers look for expired jobs every 2 s
WORKER_TTL = 16            # so an idle worker wakes up every second to look
RENDER_SECONDS = 2.0
RETRIES = 2
DEADLINE = 30.0


def render(name: str) -> None:
    """The job: note which process runs it, then render for a while."""
    job = get_current_job()
    job.meta["pid"] = os.getpid()
    job.save_meta()
    time.sleep(RENDER_SECONDS)
    print(f"Rendered {name} in process {os.getpid()}", flush=True)


def start_workers(queue: Queue, count: int) -> list[subprocess.Popen]:
    """Start count workers and wait until they all listen."""
    workers = [subprocess.Popen([sys.executable, __file__, "worker"])
               for _ in range(count)]
    deadline = time.monotonic() + DEADLINE
    while len(live_workers(queue)) < count and time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            for worker in workers:
                worker.terminate()
            raise TimeoutError("a worker exited before it listened")
        time.sleep(0.05)
    return workers


def crash_worker_running(job: Job) -> None:
    """SIGKILL the worker running job, and the process running the job."""
    deadline = time.monotonic() + DEADLINE
    while "pid" not in job.meta and time.monotonic() < deadline:
        time.sleep(0.02)
        job.refresh()
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix +
                                job.worker_name, connection=job.connection)
    os.kill(worker.pid, signal.SIGKILL)
    os.kill(job.meta["pid"], signal.SIGKILL)


def follow(job: Job, crashed_at: float) -> None:
    """Watch RQ's record of the job: its retry, then its end."""
    retried = False
    while time.monotonic() - crashed_at < DEADLINE:
        job.refresh()
        since = time.monotonic() - crashed_at
        if not retried and job.retries_left < RETRIES:
            retried = True
            print(f"Job {job.id} found abandoned {since:.1f} s after the "
                  "crash: back on the queue", flush=True)
        status = job.get_status()
        if status in ("finished", "failed"):
            outcome = "completed" if status == "finished" else "failed"
            print(f"Job {job.id} {outcome} {since:.1f} s after the crash",
                  flush=True)
            return
        time.sleep(0.02)


def main() -> None:
    """Crash the worker running a job and time how long the job takes back."""
    connection = connect(announce=False, patient=True)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    workers = start_workers(queue, 2)
    # A killed worker's job is retried only if it has retries left.
    job = queue.enqueue("106-crash_recovery.render", "intro.mp4",
                        job_id=next_id(connection), retry=Retry(max=RETRIES))
    print(f"Job {job.id} created: render intro.mp4 ({RENDER_SECONDS:g} s)",
          flush=True)
    crash_worker_running(job)
    crashed_at = time.monotonic()
    print(f"Worker running job {job.id} killed with SIGKILL", flush=True)
    follow(job, crashed_at)
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=DEADLINE)


def work() -> None:
    """One worker: RQ's forking Worker with quick crash-recovery settings."""
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    # RQ's documented settings, and a job heartbeat that expires
    # HEARTBEAT_GRACE seconds late instead of 60 (see kuestyle/rq_gaps.py).
    worker_class = heartbeat_grace(Worker, HEARTBEAT_GRACE)
    worker_class([QUEUE], connection=connection, serializer=JSONSerializer,
                 job_monitoring_interval=HEARTBEAT_INTERVAL,
                 maintenance_interval=MAINTENANCE_INTERVAL,
                 worker_ttl=WORKER_TTL).work()


if __name__ == "__main__":
    if sys.argv[1:] == ["worker"]:
        work()
        sys.exit(0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        main()
    except KeyboardInterrupt:
        pass
    except (TimeoutError, redis.exceptions.RedisError) as error:
        print(f"The demo stopped: {error}", file=sys.stderr)
        sys.exit(1)
