#!/usr/bin/env python3
"""Work on the reminders queue with a scheduler: delayed jobs run on time."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import patient_client, redis_errors_in_one_line
from kuestyle.recovery import FINDS_A_LOST_JOB
from kuestyle.registered import EVENT_CALLBACKS, runs_only
from kuestyle.rq_gaps import SaysWhyItStopped
from kuestyle.workers import quiet_rq_logs

QUEUE = "reminders"
# What this worker runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("102-delayed_job.remind", *EVENT_CALLBACKS)


class ReminderWorker(SaysWhyItStopped, SimpleWorker):
    """RQ's SimpleWorker, which never stops silently (kuestyle/rq_gaps.py)."""


if __name__ == "__main__":
    redis_errors_in_one_line()
    connection = patient_client()
    quiet_rq_logs()
    worker = ReminderWorker([QUEUE], connection=connection,
                            serializer=JSONSerializer, job_class=JOBS,
                            **FINDS_A_LOST_JOB)
    # Without the scheduler a delayed job would wait in its registry forever.
    worker.work(with_scheduler=True)
