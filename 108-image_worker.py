#!/usr/bin/env python3
"""Process the images queue that ./108-image_app.py fills."""
from rq import SimpleWorker

from kuestyle.connection import connect, run
from kuestyle.registered import runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "images"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("108-image_app.process_image")


def main() -> None:
    """Work on the queue until Ctrl-C or SIGTERM (the running job first)."""
    SimpleWorker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
                 **WORKER_SETTINGS).work()


if __name__ == "__main__":
    run(main)
