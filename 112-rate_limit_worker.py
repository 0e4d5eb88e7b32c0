#!/usr/bin/env python3
"""Work on the sms_provider queue; start as many as you like, on any host.

However many run, at most 10 notifications start a second: each job waits for
its slot in Redis (112-rate_limit.py).
"""
from rq import SimpleWorker

from kuestyle.connection import connect, run
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "sms_provider"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("112-rate_limit.send_sms", *EVENT_CALLBACKS)


def main() -> None:
    """Work on the queue until Ctrl-C or SIGTERM (the running job first)."""
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work()


if __name__ == "__main__":
    run(main)
