#!/usr/bin/env python3
"""Remove a queued job before it runs, and stop a job that is already running.

``job.cancel()`` takes a queued job off its queue; ``job.delete()`` also
erases it.  Neither touches a job that is running: that needs the worker's
stop command, ``send_stop_job_command``, which RQ's forking worker obeys by
killing the process running the job (./104-remove_worker.py).
"""
import sys
import time

from rq import Queue, get_current_job
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.ids import next_id
from kuestyle.liveness import live_workers
from kuestyle.settings import KEPT, PATIENT

QUEUE = "videos"
STEPS = 40


def encode_video(name: str) -> None:
    """The job: a long encoding, in small steps that save their progress."""
    job = get_current_job()
    for step in range(STEPS):
        job.meta["progress"] = 100 * step // STEPS
        job.save_meta()
        time.sleep(0.25)
    print(f"Encoded {name}", flush=True)


def wait_for_status(job: Job, wanted: str) -> None:
    """Poll the job's status until it is wanted."""
    while job.get_status(refresh=True).value != wanted:
        time.sleep(0.05)


def main(queue: Queue, jobs: list[Job]) -> int:
    """Queue two long jobs, remove the waiting one, stop the running one."""
    for name in ("holiday.mp4", "party.mp4"):
        jobs.append(queue.enqueue("104-remove_job.encode_video", name,
                                  job_id=next_id(queue.connection),
                                  **KEPT))
    running, waiting = jobs
    print(f"Job {running.id} created: holiday.mp4", flush=True)
    print(f"Job {waiting.id} created: party.mp4, queued behind it", flush=True)
    if not live_workers(queue):
        print("No worker is listening on videos: start one with "
              "./104-remove_worker.py (Ctrl-C stops waiting and removes "
              "both jobs)", file=sys.stderr, flush=True)
    wait_for_status(running, "started")
    print(f"Job {running.id} is started", flush=True)

    waiting.cancel()
    print(f"Job {waiting.id} cancelled: {waiting.get_status().value}, "
          f"still queued: {waiting.id in queue.job_ids}", flush=True)
    waiting.delete()
    print(f"Job {waiting.id} deleted: exists: "
          f"{Job.exists(waiting.id, connection=queue.connection)}", flush=True)
    try:
        send_stop_job_command(queue.connection, running.id)
    except InvalidJobOperation as error:
        print(f"Job {running.id} could not be stopped: {error}",
              file=sys.stderr, flush=True)
        return 1
    print(f"Job {running.id} stop requested while running", flush=True)
    wait_for_status(running, "stopped")
    print(f"Job {running.id} is stopped", flush=True)
    return 0


def demo() -> int:
    """Run the lesson; on Ctrl-C, delete its jobs (they would delay the next
    run)."""
    videos = Queue(QUEUE, connection=connect(**PATIENT),
                   serializer=JSONSerializer)
    created: list[Job] = []
    try:
        return main(videos, created)
    except KeyboardInterrupt:
        for job in created:
            job.delete()
        return 0


if __name__ == "__main__":
    run(demo)
