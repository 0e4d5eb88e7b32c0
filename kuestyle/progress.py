"""Job events, sent from the worker: JSON on ``q:events:<queue>`` (see ``kuestyle.events``)."""
import json
from typing import Any

import redis
from rq import get_current_job
from rq.job import Job


def publish(connection: redis.Redis, job: Job, event: str, **fields: Any) -> None:
    """Publish one event about job on its queue's channel."""
    connection.publish(f"q:events:{job.origin}",
                       json.dumps({"id": job.id, "event": event, **fields}))


def report_progress(percent: int) -> None:
    """In a job: save its progress and tell its creator (Kue's ``job.progress``)."""
    job = get_current_job()
    if job is not None:  # called directly, outside a job, there is no one to tell
        job.meta["progress"] = percent
        job.save_meta()
        publish(job.connection, job, "progress", progress=percent)
