"""The job's side of Kue's events on RQ: ``publish`` an event about a job on its queue's
channel (``{"id": "3", "event": "progress", "progress": 50}``), and ``report_progress``,
Kue's ``job.progress()``, from inside a job.  events.py is the creator's side."""
import json
from typing import Any

from rq import get_current_job
from rq.job import Job


def publish(job: Job, event: str, **fields: Any) -> None:
    """Publish one event about job on its queue's channel."""
    job.connection.publish(f"q:events:{job.origin}",
                           json.dumps({"id": job.id, "event": event, **fields}))


def report_progress(percent: int) -> None:
    """Kue's ``job.progress()``, in a job: kept in ``job.meta``, published as an event."""
    job = get_current_job()
    if job is not None:  # None when called directly, outside a job
        job.meta["progress"] = percent
        job.save_meta()
        publish(job, "progress", progress=percent)
