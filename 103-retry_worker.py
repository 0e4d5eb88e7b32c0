#!/usr/bin/env python3
"""Work on the uploads queue with a scheduler, so delayed retries happen."""
import sys

from rq_workers import run_worker

QUEUE = "uploads"

if __name__ == "__main__":
    sys.exit(run_worker([QUEUE], preload=["103-retry_job"],
                        with_scheduler=True))
