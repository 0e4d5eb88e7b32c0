#!/usr/bin/env python3
"""Retry failing jobs with backoff; tell a failed attempt from a final failure.

Kue's ``job.attempts(n).backoff(...)`` becomes RQ's ``Retry(max, interval)``.
A retry that waits is scheduled, so the worker runs with a scheduler
(./103-retry_worker.py).  Run ``./103-retry_job.py fixed`` for a fixed delay
or ``./103-retry_job.py exponential`` (the default) for growing delays.
Retries here are RQ's own ``Retry``: the job's ``on_failure`` callback sees
``job.retries_left > 0`` on an attempt that will be retried.
"""
import argparse
import time

from rq import Callback, Queue, Retry, get_current_job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.events import JobListener, attempt_failed, job_completed
from kuestyle.ids import next_id
from kuestyle.settings import KEPT, PATIENT

QUEUE = "uploads"
BACKOFF = {"fixed": [1, 1, 1], "exponential": [1, 2, 4]}
FAILURES_BEFORE_SUCCESS = 2


def upload(name: str) -> None:
    """The job: fail the first two attempts (every attempt, if broken)."""
    job = get_current_job()
    job.meta["attempts"] = job.meta.get("attempts", []) + [time.time()]
    job.save_meta()
    attempt = len(job.meta["attempts"])
    if name.startswith("broken") or attempt <= FAILURES_BEFORE_SUCCESS:
        raise ConnectionError(f"upload of {name} failed (attempt {attempt})")
    print(f"Uploaded {name} on attempt {attempt}", flush=True)


def main(backoff: str) -> None:
    """Create a job that recovers and one that does not; report attempts."""
    intervals = BACKOFF[backoff]
    connection = connect(**PATIENT)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    failures: dict[str, int] = {}

    def report(event: dict) -> None:
        """Print each failed attempt, then the final outcome."""
        job_id, name = event["id"], event["event"]
        if name == "failed attempt":
            failures[job_id] = failures.get(job_id, 0) + 1
            wait = intervals[min(failures[job_id], len(intervals)) - 1]
            print(f"Job {job_id} failed attempt {failures[job_id]}: "
                  f"{event['error']}; retry in {wait} s", flush=True)
        elif name == "complete":
            print(f"Job {job_id} completed", flush=True)
        elif name == "failed":
            print(f"Job {job_id} failed: {event['error']}", flush=True)

    listener = JobListener(queue, report, attempts=True)
    jobs = []
    with listener.holding():  # the created lines before any attempt's line
        for name, retry in (("report.pdf", Retry(max=3, interval=intervals)),
                            ("broken.pdf", Retry(max=1,
                                                 interval=intervals[:1]))):
            job_id = next_id(connection)
            listener.watch([job_id])
            # attempt_failed: RQ's Retry on any error (other lessons' jobs
            # retry only when their worker dies).
            jobs.append(queue.enqueue("103-retry_job.upload", name,
                                      job_id=job_id, retry=retry, **KEPT,
                                      on_success=Callback(job_completed),
                                      on_failure=Callback(attempt_failed)))
        for job, tries in zip(jobs, (3, 1)):
            retries = "retry" if tries == 1 else "retries"
            print(f"Job {job.id} created: {job.args[0]}, up to {tries} "
                  f"{retries}, {backoff} backoff {intervals[:tries]} s",
                  flush=True)
    listener.wait_for_workers("./103-retry_worker.py")
    for job in jobs:
        job.refresh()
        first = job.meta["attempts"][0]
        starts = ", ".join(f"{t - first:.1f}" for t in job.meta["attempts"])
        print(f"Job {job.id} attempts started at {starts} s", flush=True)
    listener.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Retry failing jobs.")
    parser.add_argument("backoff", nargs="?", choices=sorted(BACKOFF),
                        default="exponential", help="how retries are spaced")
    arguments = parser.parse_args()
    # Ctrl-C: stop waiting; the jobs stay queued
    run(lambda: main(arguments.backoff))
