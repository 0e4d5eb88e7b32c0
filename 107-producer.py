#!/usr/bin/env python3
"""Add a job every second from one of several producers sharing one queue.

Run several producers and several workers (./107-worker.py) at once: every
job is run exactly once, by whichever worker is free.
``./107-producer.py [name] [count] [interval]`` adds count jobs (default 5),
one every interval seconds (default 1), named name-1, name-2, ... (default A).
"""
import argparse
import os
import time

from rq import Queue, get_current_job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.ids import next_id
from kuestyle.settings import JOB_TIMEOUT, KEPT, PATIENT

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
    queue = Queue(QUEUE, connection=connect(**PATIENT),
                  serializer=JSONSerializer)
    for number in range(1, count + 1):
        name = f"{producer}-{number}"
        job = queue.enqueue("107-producer.send_email", name,
                            job_id=next_id(queue.connection),
                            job_timeout=JOB_TIMEOUT, **KEPT)
        print(f"Producer {producer} created job {job.id}: email {name}",
              flush=True)
        if number < count:
            time.sleep(interval)


def positive(kind: type) -> object:
    """An argparse type: a finite number of kind that is more than 0."""
    def parse(text: str) -> int | float:
        """Parse text, refusing 0, negative numbers, nan and inf."""
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}")
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
        return value
    return parse


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Add jobs to emails.")
    parser.add_argument("name", nargs="?", default="A", help="producer name")
    parser.add_argument("count", nargs="?", type=positive(int), default=5)
    parser.add_argument("interval", nargs="?", type=positive(float),
                        default=1.0,
                        help="seconds between two jobs")
    arguments = parser.parse_args()
    # Ctrl-C: the jobs added stay queued
    run(lambda: produce(arguments.name, arguments.count, arguments.interval))
