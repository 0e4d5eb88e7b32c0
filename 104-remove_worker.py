#!/usr/bin/env python3
"""Work on the videos queue with RQ's forking worker, which can stop a job."""
from rq import Worker

from kuestyle.connection import connect, run
from kuestyle.registered import runs_only
from kuestyle.settings import PATIENT, WORKER_SETTINGS

QUEUE = "videos"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("104-remove_job.encode_video")


def main() -> None:
    """Work on the queue until Ctrl-C or SIGTERM (the running job first)."""
    # Each job runs in a child process (the "work horse") that the worker
    # kills when told to stop that job (send_stop_job_command).
    Worker([QUEUE], connection=connect(**PATIENT), job_class=JOBS,
           **WORKER_SETTINGS).work()


if __name__ == "__main__":
    run(main)
