#!/usr/bin/env python3
"""Work on the uploads queue with a scheduler, so delayed retries happen."""
from rq import SimpleWorker

from kuestyle.connection import connect, run
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "uploads"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("103-retry_job.upload", *EVENT_CALLBACKS)


def main() -> None:
    """Work on the queue until Ctrl-C or SIGTERM (the running job first)."""
    # A retry with an interval is scheduled: the scheduler puts it back.
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work(with_scheduler=True)


if __name__ == "__main__":
    run(main)
