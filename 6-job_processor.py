#!/usr/bin/env python3
"""Process the notification jobs of one queue with an RQ worker, Kue-style."""
import sys

from rq_workers import run_worker

QUEUE = "push_notification_code"


def send_notification(phone_number: str, message: str) -> None:
    """Print that a notification is being sent to phone_number."""
    print(f"Sending notification to {phone_number}, with message: {message}")


def process_notification(data: dict) -> None:
    """Run one job: its data is Kue's job.data, {"phoneNumber", "message"}."""
    send_notification(data["phoneNumber"], data["message"])


if __name__ == "__main__":
    # A worker on the queue until Ctrl-C; jobs left by earlier runs go first.
    sys.exit(run_worker([QUEUE], preload=["6-job_processor"]))
