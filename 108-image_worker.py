#!/usr/bin/env python3
"""Process the images queue that ./108-image_app.py fills."""
import sys

from rq_workers import run_worker

QUEUE = "images"

if __name__ == "__main__":
    sys.exit(run_worker([QUEUE], preload=["108-image_app"]))
