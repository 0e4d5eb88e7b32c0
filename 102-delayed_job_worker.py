#!/usr/bin/env python3
"""Work on the reminders queue with a scheduler: delayed jobs run on time."""
import sys

from rq_workers import run_worker

QUEUE = "reminders"

if __name__ == "__main__":
    # Without the scheduler a delayed job would wait in its registry forever.
    sys.exit(run_worker([QUEUE], preload=["102-delayed_job"],
                        with_scheduler=True))
