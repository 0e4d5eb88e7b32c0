#!/usr/bin/env python3
"""Run the recurring jobs: its scheduler moves each due run onto the queue.

RQ's scheduler (``with_scheduler=True``) looks at the scheduled registry once
a second.  A run that falls due while no worker runs waits there, and runs
once, late, when a worker is back.
"""
from rq import SimpleWorker

from kuestyle.connection import connect, run
from kuestyle.registered import runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "recurring"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("111-recurring_jobs.clean_up_inactive_accounts",
                 "111-recurring_jobs.send_digest")


def main() -> None:
    """Work on the queue until Ctrl-C or SIGTERM (the running job first)."""
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work(with_scheduler=True)


if __name__ == "__main__":
    run(main)
