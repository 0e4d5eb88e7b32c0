#!/usr/bin/env python3
"""Stop a worker gracefully: one SIGTERM lets the running job finish.

A warm shutdown (first SIGINT or SIGTERM) waits for the running job, then
the worker exits 0.  A cold shutdown (a second signal, more than a second
later) stops at once: RQ kills the process running the job and leaves the job
"started"; a live worker's clean-up finds it once its heartbeat expires and
fails it, or retries it if it has retries left (lesson 106).
``./105-graceful_shutdown.py``
shows both with a worker it starts; ``./105-graceful_shutdown.py worker``
is that worker alone.
"""
import signal
import subprocess
import sys
import time

import redis
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.ids import next_id
from kuestyle.liveness import live_workers
from kuestyle.registered import runs_only
from kuestyle.settings import KEPT, PATIENT, WORKER_SETTINGS

QUEUE = "shutdown_demo"
DEADLINE = 15.0
# What the worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("105-graceful_shutdown.long_task")


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


def start_worker(queue: Queue, workers: list) -> subprocess.Popen:
    """Start this lesson's worker as a process and wait until it listens."""
    worker = subprocess.Popen([sys.executable, __file__, "worker"])
    workers.append(worker)
    wait_until(lambda: live_workers(queue) or worker.poll() is not None,
               "the worker")
    if worker.poll() is not None:
        raise TimeoutError(f"the worker exited ({worker.returncode})")
    return worker


def shutdown(queue: Queue, seconds: float, signals: int,
             workers: list) -> None:
    """Run a job of seconds, send SIGTERM signals times, report the result."""
    worker = start_worker(queue, workers)
    job = queue.enqueue("105-graceful_shutdown.long_task", seconds,
                        job_id=next_id(queue.connection), **KEPT)
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
    state = job.get_status(refresh=True)
    print(f"Worker exited with status {status}; job {job.id} is "
          f"{state.value}", flush=True)


def work() -> None:
    """The worker: RQ's forking Worker; its signal handlers do the rest."""
    Worker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
           **WORKER_SETTINGS).work()


def main(workers: list) -> None:
    """Show a warm shutdown, then a cold one."""
    connection = connect(**PATIENT)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    shutdown(queue, 2, 1, workers)
    shutdown(queue, 3, 2, workers)


def demo() -> None:
    """Run main(); Ctrl-C or SIGTERM (a process manager's stop) stops the
    demo's worker warmly too and waits for it: no worker outlives the demo."""
    started: list[subprocess.Popen] = []
    try:
        main(started)
    except KeyboardInterrupt:
        for process in started:
            process.send_signal(signal.SIGINT)
            process.wait()
    except (TimeoutError, redis.exceptions.RedisError):
        for process in started:
            process.terminate()
        raise  # run(): one line on stderr, exit status 1


if __name__ == "__main__":
    run(work if sys.argv[1:] == ["worker"] else demo)
