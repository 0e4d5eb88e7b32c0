#!/usr/bin/env python3
"""Stop a worker gracefully: one SIGTERM lets the running job finish.

A warm shutdown (first SIGINT or SIGTERM) waits for the running job, then
the worker exits 0.  A cold shutdown (a second signal, more than a second
later) stops at once: the job is interrupted.  ``./105-graceful_shutdown.py``
shows both with a worker it starts; ``./105-graceful_shutdown.py worker``
is that worker alone.
"""
import signal
import subprocess
import sys
import time

import redis
from rq import Queue
from rq.job import Job

from job_events import create_job
from redis_connection import connect
from rq_workers import live_workers, run_worker

QUEUE = "shutdown_demo"
DEADLINE = 15.0


def long_task(seconds: float) -> None:
    """The job: work for a few seconds, then say so."""
    time.sleep(seconds)
    print(f"Task finished after {seconds:g} seconds", flush=True)


def wait_until(condition: object, what: str) -> None:
    """Poll condition() until it is true; fail loudly after the deadline."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.02)


def start_worker(queue: Queue) -> subprocess.Popen:
    """Start this lesson's worker as a process and wait until it listens."""
    worker = subprocess.Popen([sys.executable, __file__, "worker"])
    wait_until(lambda: live_workers(queue), "the worker")
    return worker


def shutdown(queue: Queue, seconds: float, signals: int) -> None:
    """Run a job of seconds, send SIGTERM signals times, report the result."""
    worker = start_worker(queue)
    job = create_job(queue, "105-graceful_shutdown.long_task", seconds)
    print(f"Job {job.id} created: a {seconds:g}-second task", flush=True)
    wait_until(lambda: job.get_status(refresh=True) == "started", "the job")
    worker.send_signal(signal.SIGTERM)
    if signals == 1:
        print("SIGTERM sent: warm shutdown, the job finishes first",
              flush=True)
    else:
        time.sleep(1.2)  # RQ ignores a repeat within one second
        worker.send_signal(signal.SIGTERM)
        print("SIGTERM sent twice: cold shutdown, the job is interrupted",
              flush=True)
    status = worker.wait(timeout=DEADLINE)
    state = Job.fetch(job.id, connection=queue.connection).get_status()
    print(f"Worker exited with status {status}; job {job.id} is "
          f"{state.value}", flush=True)


def main() -> None:
    """Show a warm shutdown, then a cold one."""
    connection = connect(decode=False, announce=False)
    queue = Queue(QUEUE, connection=connection)
    shutdown(queue, 2, signals=1)
    shutdown(queue, 3, signals=2)


if __name__ == "__main__":
    if sys.argv[1:] == ["worker"]:
        sys.exit(run_worker([QUEUE], preload=["105-graceful_shutdown"]))
    try:
        main()
    except (TimeoutError, redis.exceptions.ConnectionError) as error:
        print(f"The demo stopped: {error}", file=sys.stderr)
        sys.exit(1)
