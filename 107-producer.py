#!/usr/bin/env python3
"""Add a job every second from one of several producers sharing one queue.

Run several producers and several workers (./107-worker.py) at once: every
job is run exactly once, by whichever worker is free.
``./107-producer.py [NAME] [COUNT] [INTERVAL]`` adds COUNT jobs (default 5),
one every INTERVAL seconds (default 1), named NAME-1, NAME-2, ... (default A).
"""
import os
import sys
import time

from rq import Queue, get_current_job

from job_events import create_job
from redis_connection import connect

QUEUE = "emails"
RUNS_KEY = "emails:runs"
WORK_SECONDS = 0.3


def send_email(name: str) -> None:
    """The job: count this run and say which worker process ran it."""
    job = get_current_job()
    job.connection.hincrby(RUNS_KEY, name)
    time.sleep(WORK_SECONDS)
    print(f"Worker process {os.getpid()} sent email {name}", flush=True)


def produce(producer: str, count: int, interval: float) -> None:
    """Add count jobs named after the producer, one every interval seconds."""
    queue = Queue(QUEUE, connection=connect(decode=False, announce=False))
    for number in range(1, count + 1):
        name = f"{producer}-{number}"
        job = create_job(queue, "107-producer.send_email", name)
        print(f"Producer {producer} created job {job.id}: email {name}",
              flush=True)
        if number < count:
            time.sleep(interval)


if __name__ == "__main__":
    arguments = sys.argv[1:] + ["A", "5", "1"][len(sys.argv) - 1:]
    produce(arguments[0], int(arguments[1]), float(arguments[2]))
