#!/usr/bin/env python3
"""Schedule a job to run later, watch it wait, then see it run on time.

Kue's ``job.delay(ms)`` becomes RQ's ``enqueue_in``: the job waits in the
queue's scheduled registry until a scheduler moves it onto the queue, so the
worker must run with ``with_scheduler=True`` (./102-delayed_job_worker.py).
"""
import sys
import time

from rq import Queue

from job_events import JobListener, create_job
from redis_connection import connect

QUEUE = "reminders"
DELAY_SECONDS = 2


def remind(text: str) -> None:
    """The job: print the reminder."""
    print(f"Reminder: {text}", flush=True)


def main(delay: float) -> None:
    """Schedule a reminder delay seconds ahead and report when it ran."""
    connection = connect(decode=False, announce=False)
    queue = Queue(QUEUE, connection=connection)
    created = time.monotonic()

    def report(event: dict) -> None:
        """Print the outcome with the time it took."""
        if event["event"] in ("complete", "failed"):
            waited = time.monotonic() - created
            outcome = "completed" if event["event"] == "complete" else "failed"
            print(f"Job {event['id']} {outcome} {waited:.1f} seconds "
                  "after it was created", flush=True)

    listener = JobListener(connection, QUEUE, report)
    job = create_job(queue, "102-delayed_job.remind", "call the dentist",
                     delay=delay)
    unit = "second" if delay == 1 else "seconds"
    print(f"Job {job.id} created: runs in {delay:g} {unit}", flush=True)
    print(f"Job {job.id} is {job.get_status().value}", flush=True)
    listener.watch([job.id])
    listener.wait_while_worked(queue, "./102-delayed_job_worker.py")
    listener.close()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else DELAY_SECONDS)
