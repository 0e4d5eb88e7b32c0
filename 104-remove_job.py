#!/usr/bin/env python3
"""Remove a queued job before it runs, and stop a job that is already running.

``job.cancel()`` takes a queued job off its queue; ``job.delete()`` also
erases it.  Neither touches a job that is running: that needs the worker's
stop command, ``send_stop_job_command``, which RQ's forking worker obeys by
killing the process running the job (./104-remove_worker.py).
"""
import sys
import time

from rq import Queue
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation
from rq.job import Job

from job_events import create_job, report_progress
from redis_connection import connect

QUEUE = "videos"
STEPS = 40
DEADLINE = 20.0


def encode_video(name: str) -> None:
    """The job: a long encoding, in small steps that report progress."""
    for step in range(STEPS):
        report_progress(100 * step // STEPS)
        time.sleep(0.25)
    print(f"Encoded {name}", flush=True)


def wait_for_status(job: Job, wanted: str) -> str:
    """Poll the job's status until it is wanted or the deadline passes."""
    deadline = time.monotonic() + DEADLINE
    while (status := job.get_status(refresh=True).value) != wanted:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return status


def main() -> int:
    """Queue two long jobs, remove the waiting one, stop the running one."""
    connection = connect(decode=False, announce=False)
    queue = Queue(QUEUE, connection=connection)
    running = create_job(queue, "104-remove_job.encode_video", "holiday.mp4")
    waiting = create_job(queue, "104-remove_job.encode_video", "party.mp4")
    print(f"Job {running.id} created: holiday.mp4", flush=True)
    print(f"Job {waiting.id} created: party.mp4, queued behind it", flush=True)
    if wait_for_status(running, "started") != "started":
        print("No worker started the job: start ./104-remove_worker.py")
        return 1
    print(f"Job {running.id} is started", flush=True)

    waiting.cancel()
    status = waiting.get_status(refresh=True).value
    print(f"Job {waiting.id} cancelled: {status}, "
          f"still queued: {waiting.id in queue.job_ids}", flush=True)
    waiting.delete()
    print(f"Job {waiting.id} deleted: exists: "
          f"{Job.exists(waiting.id, connection=connection)}", flush=True)

    try:
        send_stop_job_command(connection, running.id)
    except InvalidJobOperation as error:
        print(f"Job {running.id} could not be stopped: {error}", flush=True)
        return 1
    print(f"Job {running.id} stop requested while running", flush=True)
    print(f"Job {running.id} is {wait_for_status(running, 'stopped')}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
