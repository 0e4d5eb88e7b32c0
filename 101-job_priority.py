#!/usr/bin/env python3
"""Run urgent jobs first: Kue's priority levels as RQ queues in a fixed order.

Kue keeps one queue per job type and sorts it by priority (low 10, normal 0,
medium -5, high -10, critical -15).  RQ queues are plain lists, so each level
is its own queue and the worker listens on them most urgent first: it always
takes from the first queue that has a job.
"""
import redis
from rq import Queue, SimpleWorker, get_current_job
from rq.serializers import JSONSerializer

from kuestyle.connection import connect, run
from kuestyle.ids import next_id
from kuestyle.registered import runs_only
from kuestyle.settings import KEPT, PATIENT

PRIORITIES = ["critical", "high", "medium", "normal", "low"]
JOB_TYPE = "email"
# What the worker runs, whatever a job in Redis names (Kue: queue.process).
EmailJob = runs_only("101-job_priority.send_email")


def queue_for(priority: str, connection: redis.Redis) -> Queue:
    """Return the queue that holds this job type's jobs of one priority."""
    return Queue(f"{JOB_TYPE}:{priority}", connection=connection,
                 serializer=JSONSerializer, job_class=EmailJob)


def send_email(to: str) -> None:
    """The job: print which job runs, with the priority it was queued at."""
    job = get_current_job()
    priority = job.origin.split(":")[1]
    print(f"Job {job.id} ({priority}) runs: email to {to}", flush=True)


def main() -> None:
    """Queue one job per level, least urgent first, then run them all."""
    connection = connect(**PATIENT)
    for priority in reversed(PRIORITIES):
        job = queue_for(priority, connection).enqueue(
            "101-job_priority.send_email", f"{priority}@example.com",
            job_id=next_id(connection), **KEPT)
        print(f"Job {job.id} created with priority {priority}", flush=True)
    print("The worker takes jobs from: " + ", ".join(PRIORITIES), flush=True)
    queues = [queue_for(priority, connection) for priority in PRIORITIES]
    # burst: work until every queue is empty, then return.
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer,
                 job_class=EmailJob).work(burst=True)


if __name__ == "__main__":
    run(main)
