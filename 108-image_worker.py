#!/usr/bin/env python3
"""Process the images queue that ./108-image_app.py fills."""
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from kuestyle.connection import connect
from kuestyle.workers import quiet_rq_logs

QUEUE = "images"

if __name__ == "__main__":
    connection = connect(announce=False, patient=True)
    quiet_rq_logs()
    SimpleWorker([QUEUE], connection=connection, serializer=JSONSerializer,
                 maintenance_interval=30, worker_ttl=45).work()
