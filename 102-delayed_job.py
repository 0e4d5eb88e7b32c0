#!/usr/bin/env python3
"""Schedule a job to run later, watch it wait, then see it run on time.

Kue's ``job.delay(ms)`` becomes RQ's ``enqueue_at`` (or ``enqueue_in``): the
job waits in the queue's scheduled registry until a scheduler moves it onto
the queue, so the worker must run with ``with_scheduler=True``
(./102-delayed_job_worker.py).  ``./102-delayed_job.py [SECONDS]`` (default 2).
"""
import argparse
import math
import time
from datetime import datetime, timezone

from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.events import JobListener, job_completed, job_failed
from kuestyle.ids import next_id
from kuestyle.settings import KEPT, PATIENT

QUEUE = "reminders"
DELAY_SECONDS = 2


def remind(text: str) -> None:
    """The job: print the reminder."""
    print(f"Reminder: {text}", flush=True)


def main(delay: float) -> None:
    """Schedule a reminder delay seconds ahead and report when it ran."""
    connection = connect(**PATIENT)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    created = time.monotonic()

    def report(event: dict) -> None:
        """Print the outcome with the time it took."""
        if event["event"] in ("complete", "failed"):
            waited = time.monotonic() - created
            outcome = "completed" if event["event"] == "complete" else "failed"
            print(f"Job {event['id']} {outcome} {waited:.1f} seconds "
                  "after it was created", flush=True)

    listener = JobListener(queue, report)
    job_id = next_id(connection)
    listener.watch([job_id])
    # RQ keeps scheduled times in whole seconds, dropping the fraction
    # (enqueue_in could run the job up to a second early): round up instead.
    run_at = datetime.fromtimestamp(math.ceil(time.time() + delay),
                                    timezone.utc)
    with listener.holding():  # these lines first, whatever the worker does
        job = queue.enqueue_at(run_at, "102-delayed_job.remind",
                               "call the dentist", job_id=job_id, **KEPT,
                               on_success=Callback(job_completed),
                               on_failure=Callback(job_failed))
        unit = "second" if delay == 1 else "seconds"
        print(f"Job {job.id} created: runs in {delay:g} {unit}", flush=True)
        print(f"Job {job.id} is {job.get_status().value}", flush=True)
        # >>> Job 1 is scheduled
    listener.wait_for_workers("./102-delayed_job_worker.py")
    listener.close()


def seconds(text: str) -> float:
    """A number of seconds from 0 to a day."""
    value = float(text)
    if not 0 <= value <= 86400:  # also refuses nan
        raise ValueError(text)
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Schedule a delayed job.")
    parser.add_argument("delay", nargs="?", type=seconds,
                        default=DELAY_SECONDS,
                        help="seconds from now, 0 to 86400 (default 2)")
    arguments = parser.parse_args()
    # Ctrl-C: stop waiting; the job stays scheduled
    run(lambda: main(arguments.delay))
