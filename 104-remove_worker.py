#!/usr/bin/env python3
"""Work on the videos queue with RQ's forking worker, which can stop a job."""
from rq import Worker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.workers import quiet_rq_logs

QUEUE = "videos"

if __name__ == "__main__":
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    # Each job runs in a child process (the "work horse") that the worker
    # kills when told to stop that job (send_stop_job_command).
    Worker([QUEUE], connection=connection, serializer=JSONSerializer).work()
