#!/usr/bin/env python3
"""Process notification jobs two at a time, reporting progress and failures."""
import sys

from job_events import report_progress
from rq_workers import run_worker

QUEUE = "push_notification_code_2"
BLACKLISTED_NUMBERS = ["4153518780", "4153518781"]


def send_notification(phone_number: str, message: str) -> None:
    """Send a notification, failing the job if phone_number is blacklisted."""
    report_progress(0)
    if phone_number in BLACKLISTED_NUMBERS:
        raise ValueError(f"Phone number {phone_number} is blacklisted")
    report_progress(50)
    print(f"Sending notification to {phone_number}, with message: {message}")


def process_notification(data: dict) -> None:
    """Run one job: its data is Kue's job.data, {"phoneNumber", "message"}."""
    send_notification(data["phoneNumber"], data["message"])


if __name__ == "__main__":
    # Two worker processes: two jobs at a time. Other queues may be named,
    # e.g. ./7-job_processor.py push_notification_code_3 for task 8.
    queues = sys.argv[1:] or [QUEUE]
    sys.exit(run_worker(queues, preload=["7-job_processor"], processes=2))
