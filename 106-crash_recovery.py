#!/usr/bin/env python3
"""Recover from a crash: a killed worker's job comes back and completes.

A killed worker reports nothing: its job stays "started" until a live worker
sees its heartbeat expired and requeues it (a Retry).  RQ lets a heartbeat
live a minute past when it was due (``job_monitoring_interval`` + 60 s), and
tidies up every ``maintenance_interval``: with RQ's defaults, about 13
minutes; with the settings below, 61-63 s.  Runs two workers and kills the
one running the job (``--freeze 70``: freezes it for 70 s, a pause that looks
like a crash: the job runs twice).  ``worker``: one such worker.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

from rq import Queue, Retry, Worker, get_current_job
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.ids import next_id
from kuestyle.liveness import live_workers
from kuestyle.registered import runs_only
from kuestyle.settings import KEPT, PATIENT

QUEUE = "renders"
HEARTBEAT_INTERVAL = 1     # a worker renews its job's heartbeat every second
MAINTENANCE_INTERVAL = 2   # live workers look for expired jobs every 2 s
WORKER_TTL = 16            # so an idle worker wakes up every second to look
RENDER_SECONDS = 2.0
RETRIES = 2
DEADLINE = 90.0
# What the workers run, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("106-crash_recovery.render")


def render(name: str) -> None:
    """The job: note which process runs it, render, keep the first result."""
    job = get_current_job()
    job.meta["pid"] = os.getpid()
    job.save_meta()
    time.sleep(RENDER_SECONDS)
    # Idempotent: a frozen worker that wakes up runs the job a second time,
    # so only the first run to finish keeps its result (one receipt per job).
    if job.connection.set(f"{QUEUE}:done:{job.id}", os.getpid(), nx=True):
        print(f"Rendered {name} in process {os.getpid()}")  # line-buffered
    else:
        print(f"Process {os.getpid()} rendered {name} again: discarded")


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


def signal_worker_running(job: Job, signum: int) -> list[int]:
    """Signal the worker running job, and the process running the job."""
    deadline = time.monotonic() + DEADLINE
    while "pid" not in job.meta and time.monotonic() < deadline:
        time.sleep(0.02)
        job.refresh()
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix +
                                job.worker_name, connection=job.connection)
    for pid in (worker.pid, job.meta["pid"]):
        os.kill(pid, signum)
    return [worker.pid, job.meta["pid"]]


def follow(job: Job, crashed_at: float) -> None:
    """Watch RQ's record of the job: its retry, then its end."""
    retried = False
    while time.monotonic() - crashed_at < DEADLINE:
        job.refresh()
        since = time.monotonic() - crashed_at
        if not retried and job.retries_left < RETRIES:
            retried = True
            print(f"Job {job.id} found abandoned {since:.1f} s after the "
                  "crash: back on the queue")
        status = job.get_status()
        if status in ("finished", "failed"):
            outcome = "completed" if status == "finished" else "failed"
            print(f"Job {job.id} {outcome} {since:.1f} s after the crash")
            return
        time.sleep(0.02)


def crash(queue: Queue, freeze: float) -> None:
    """Crash (or freeze) the worker running a job; time its job's return."""
    # A killed worker's job is retried only if it has retries left.
    job = queue.enqueue("106-crash_recovery.render", "intro.mp4",
                        job_id=next_id(queue.connection),
                        retry=Retry(max=RETRIES), **KEPT)
    print(f"Job {job.id} created: render intro.mp4 ({RENDER_SECONDS:g} s)")
    sig, how = ((signal.SIGSTOP, f"frozen with SIGSTOP for {freeze:g} s")
                if freeze else (signal.SIGKILL, "killed with SIGKILL"))
    frozen = signal_worker_running(job, sig)
    crashed_at = time.monotonic()
    print(f"Worker running job {job.id} {how}")
    follow(job, crashed_at)
    if freeze:
        time.sleep(max(0.0, freeze - (time.monotonic() - crashed_at)))
        # Said first: once woken, its render may end at once (its sleep ended).
        print(f"Worker running job {job.id} woken with SIGCONT")
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        time.sleep(RENDER_SECONDS + 1)  # its render ends: discarded


def main(freeze: float) -> None:
    """Start two workers, crash one, and stop them all, whatever happens."""
    queue = Queue(QUEUE, connection=connect(**PATIENT),
                  serializer=JSONSerializer)
    workers = start_workers(queue, 2)
    try:
        crash(queue, freeze)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=DEADLINE)


def work() -> None:
    """One worker: RQ's forking Worker, with RQ's settings for a quick
    recovery (shorter than the lessons' own, kuestyle/settings.py)."""
    Worker([QUEUE], connection=connect(**PATIENT), serializer=JSONSerializer,
           job_class=JOBS, job_monitoring_interval=HEARTBEAT_INTERVAL,
           maintenance_interval=MAINTENANCE_INTERVAL,
           worker_ttl=WORKER_TTL).work()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", nargs="?", choices=["worker"])
    parser.add_argument("--freeze", type=float, default=0, metavar="SECONDS",
                        help="freeze the worker instead of killing it")
    arguments = parser.parse_args()
    run(work if arguments.role == "worker" else
        lambda: main(arguments.freeze))
