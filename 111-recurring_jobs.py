#!/usr/bin/env python3
"""Recurring jobs: a cron expression and a fixed interval, one job per run.

Bull's repeatable jobs (``repeat: {cron}``, ``repeat: {every}``), which Kue
lacks.  The scheduler puts each schedule's next run in the queue's scheduled
registry (RQ's ``create_job`` and ``schedule_job``, the two halves of
``enqueue_at``); a worker with a scheduler (./111-recurring_worker.py) runs it
on time.  Run a scheduler on every host you like: a run's id names its time,
and RQ's ``unique=True`` refuses a second job with that id in one atomic step,
so each run is one job.  Runs due while no scheduler ran are not made up: a
scheduler that starts schedules the next run after now.
``./111-recurring_jobs.py [--runs N]`` stops once each schedule has N runs
scheduled (default: until Ctrl-C).
"""
import argparse
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.recurring import next_cron_run, next_interval_run, run_id
from kuestyle.settings import JOB_TIMEOUT, KEPT, PATIENT

QUEUE = "recurring"
# Nightly would be "0 3 * * *"; croniter reads a sixth field as seconds, so
# the demo cleans up every second.
CLEAN_UP_CRON = "* * * * * *"
DIGEST_EVERY = timedelta(seconds=2)
SCHEDULES: dict[str, Callable[[datetime], datetime]] = {
    "clean_up_inactive_accounts":
        lambda now: next_cron_run(CLEAN_UP_CRON, now),
    "send_digest": lambda now: next_interval_run(DIGEST_EVERY, now),
}


def clean_up_inactive_accounts(run: str) -> None:
    """The nightly job (here, every second)."""
    print(f"Cleaned up inactive accounts (run of {run})", flush=True)


def send_digest(run: str) -> None:
    """The fixed-interval job."""
    print(f"Sent the digest (run of {run})", flush=True)


def schedule(queue: Queue, name: str, when: datetime) -> None:
    """Put the run of name at when in the scheduled registry, unless it is."""
    job = queue.create_job(f"111-recurring_jobs.{name}",
                           args=(f"{when:%H:%M:%S}",),
                           job_id=run_id(name, when), timeout=JOB_TIMEOUT,
                           **KEPT)
    try:  # enqueue_at would drop unique=True (RQ 2.12); schedule_job keeps it
        queue.schedule_job(job, when, unique=True)
    except DuplicateJobError:  # another scheduler was first: one job a run
        return
    print(f"Scheduled {run_id(name, when)}", flush=True)


def main(runs: int | None) -> None:
    """Keep each schedule's next run scheduled; stop after runs of each."""
    queue = Queue(QUEUE, connection=connect(**PATIENT),
                  serializer=JSONSerializer)
    last: dict[str, datetime | None] = dict.fromkeys(SCHEDULES)
    counts = dict.fromkeys(SCHEDULES, 0)  # runs scheduled, by anyone
    while runs is None or min(counts.values()) < runs:
        now = datetime.now(timezone.utc)
        for name, next_run in SCHEDULES.items():
            when = next_run(now)
            if when != last[name] and counts[name] != runs:
                schedule(queue, name, when)
                last[name], counts[name] = when, counts[name] + 1
        soonest = min(next_run(now) for next_run in SCHEDULES.values())
        time.sleep(max(0.0, (soonest - datetime.now(timezone.utc))
                       .total_seconds()) + 0.01)


def count(text: str) -> int:
    """A number of runs, 1 or more."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Schedule recurring jobs.")
    parser.add_argument("--runs", type=count, default=None,
                        help="stop once each schedule has N runs scheduled")
    arguments = parser.parse_args()
    # Ctrl-C or SIGTERM: the runs scheduled stay
    run(lambda: main(arguments.runs))
