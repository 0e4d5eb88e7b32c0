#!/usr/bin/env python3
"""Run two jobs at a time on the shared emails queue; start several."""
import sys

from rq_workers import run_worker

QUEUE = "emails"

if __name__ == "__main__":
    sys.exit(run_worker([QUEUE], preload=["107-producer"], processes=2))
