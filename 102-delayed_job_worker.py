#!/usr/bin/env python3
"""Work on the reminders queue with a scheduler: delayed jobs run on time."""
from rq import SimpleWorker

from kuestyle.connection import connect, run
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "reminders"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("102-delayed_job.remind", *EVENT_CALLBACKS)


def main() -> None:
    """Work on the queue until Ctrl-C or SIGTERM (the running job first)."""
    # Without the scheduler a delayed job would wait in its registry forever.
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work(with_scheduler=True)


if __name__ == "__main__":
    run(main)
