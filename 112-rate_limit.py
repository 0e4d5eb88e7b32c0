#!/usr/bin/env python3
"""Send notifications through a provider that allows 10 a second, whatever the
number of workers: Bull's ``limiter: {max: 10, duration: 1000}``.

RQ has no limiter, so each job takes a slot at its start
(kuestyle/rate_limit.py: one atomic step in Redis, shared by every worker on
every host); a job over the limit waits for the next slot, and is never
dropped or failed.  ``./112-rate_limit.py [COUNT]`` (default 30) queues COUNT
notifications, waits for ./112-rate_limit_worker.py to send them, and says how
many started in the busiest second.
"""
import argparse

from rq import Callback, Queue, get_current_job
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.events import JobListener, job_completed, job_failed
from kuestyle.ids import next_ids
from kuestyle.rate_limit import Limit, wait_for_a_slot
from kuestyle.settings import JOB_DATA_OPTIONS, PATIENT

QUEUE = "sms_provider"
# Bull: new Queue(name, {limiter: {max: 10, duration: 1000}})
PROVIDER = Limit("sms_provider:starts", limit=10, per_ms=1000)
COUNT = 30


def send_sms(number: int) -> None:
    """The job: wait for a slot, note when it started, send."""
    job = get_current_job()
    job.meta["started_ms"] = wait_for_a_slot(job.connection, PROVIDER, job.id)
    job.save_meta()
    print(f"Sent notification {number}", flush=True)


def busiest_second(starts: list[int]) -> int:
    """The most starts within any 1,000 ms."""
    starts, most, first = sorted(starts), 0, 0
    for last, start in enumerate(starts):
        while start - starts[first] >= 1000:
            first += 1
        most = max(most, last - first + 1)
    return most


def main(count: int) -> None:
    """Queue count notifications, wait for them, report their start times."""
    connection = connect(**PATIENT)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    outcomes: list[str] = []  # "complete" or "failed", one per job
    listener = JobListener(queue,
                           lambda event: outcomes.append(event["event"]))
    job_ids = next_ids(connection, count)
    listener.watch(job_ids)
    queue.enqueue_many([
        Queue.prepare_data("112-rate_limit.send_sms", (number,), job_id=job_id,
                           **JOB_DATA_OPTIONS,
                           on_success=Callback(job_completed),
                           on_failure=Callback(job_failed))
        for number, job_id in enumerate(job_ids, start=1)])
    print(f"{count} notifications queued, at most {PROVIDER.limit} a second",
          flush=True)
    listener.wait_for_workers("./112-rate_limit_worker.py")
    listener.close()
    jobs = Job.fetch_many(job_ids, connection, serializer=JSONSerializer)
    starts = [job.meta["started_ms"] for job in jobs if job
              and "started_ms" in job.meta]
    took = (max(starts) - min(starts)) / 1000 if starts else 0.0
    print(f"{outcomes.count('complete')} sent, {outcomes.count('failed')} "
          f"failed; first to last start {took:.1f} s, at most "
          f"{busiest_second(starts)} in any one second", flush=True)


def count(text: str) -> int:
    """A number of notifications, 1 to 100,000."""
    value = int(text)
    if not 1 <= value <= 100_000:
        raise ValueError(text)
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Send rate-limited jobs.")
    parser.add_argument("count", nargs="?", type=count, default=COUNT,
                        help="how many notifications (default 30)")
    arguments = parser.parse_args()
    # Ctrl-C: stop waiting; the jobs stay queued
    run(lambda: main(arguments.count))
