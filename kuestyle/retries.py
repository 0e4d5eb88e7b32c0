"""Kue's one attempt on RQ: a job that raises fails at once; only a lost worker's job is retried.

A lesson gives its jobs ``Retry(max=1)`` so that a job whose worker died (killed, its host
lost) runs once more, and its failure callback calls ``only_a_lost_job_is_retried``: RQ runs
``on_failure`` before it decides to retry (``job.retries_left`` is what it reads), so an
exception the job raised itself ends it there.  A job a Redis crash stranded between queue
and worker is retried by RQ without a callback, so it keeps its Retry too.
"""
from rq.exceptions import AbandonedJobError
from rq.job import Job


def only_a_lost_job_is_retried(job: Job, exc_type: type) -> None:
    """In an on_failure callback: withdraw the job's retries unless its worker was lost."""
    if exc_type is not AbandonedJobError:
        job.retries_left = 0
