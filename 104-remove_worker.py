#!/usr/bin/env python3
"""Work on the videos queue with RQ's forking worker, which can stop a job."""
import sys

from rq import Worker

from rq_workers import run_worker

QUEUE = "videos"

if __name__ == "__main__":
    # Each job runs in a child process (the "work horse") that the worker
    # kills when told to stop that job.
    sys.exit(run_worker([QUEUE], preload=["104-remove_job"],
                        worker_class=Worker))
