"""The one place that works around rq-dashboard 0.9.0; a test pins the version.

Whatever serializer it is given, rq-dashboard reads jobs with pickle in six views: the job
page, delete, requeue, requeue-all, empty (which calls delete for each job) and the workers
list (each worker's current job).  Reading a planted job there would run code.  These views
are served again here, reading and writing JSON, with the same routes and answers; and
compact, which answers 500 on an empty queue.
"""
from typing import Any

from flask import Flask, abort, current_app, render_template, url_for
from rq import Queue, Worker
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job
from rq.registry import (CanceledJobRegistry, DeferredJobRegistry, FailedJobRegistry,
                         FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry)
from rq.serializers import JSONSerializer
from rq_dashboard import web

NO_STORE = {"Cache-Control": "no-store"}
REGISTRIES = {"failed": FailedJobRegistry, "deferred": DeferredJobRegistry,
              "started": StartedJobRegistry, "finished": FinishedJobRegistry,
              "canceled": CanceledJobRegistry, "scheduled": ScheduledJobRegistry}
# Buttons of actions a read-only dashboard refuses (delete and empty it hides itself).
WRITE_BUTTONS = "#compact-btn, #requeue-all-btn, #requeue-job-btn, [data-role=requeue-job-btn]"
READ_ONLY_NOTE = (f"<style>{WRITE_BUTTONS} {{display: none !important}}</style>"
                  '<p class="container text-muted small" id="read-only-note">Read-only: '
                  "start ./109-dashboard.py --write to requeue, delete or empty.</p>")


def fetch(job_id: str) -> Job:
    """A job read as JSON (DeserializationError if it holds anything else)."""
    return Job.fetch(job_id, connection=current_app.redis_conn, serializer=JSONSerializer)


def requeue(job_id: str) -> None:
    """Put a failed job back on its queue, written as JSON again (RQ keeps meta it could not
    read as raw bytes, which JSON cannot write: such a job is refused, left as it is)."""
    try:
        fetch(job_id).requeue()
    except TypeError:
        raise DeserializationError(f"job {job_id} holds data that is not JSON") from None


def forget(job_id: str, registry: Any = None) -> None:
    """Delete a job that cannot be read (or is gone) by its keys alone."""
    if registry is not None:
        registry.remove(job_id)
    current_app.redis_conn.delete(Job.key_for(job_id))


def dashboard_reads_json(app: Flask, write: bool) -> None:
    """Serve those views reading JSON; read-only, show no button that would be refused."""

    def job_view(instance_number: int, job_id: str) -> str:
        """The job page: it shows no job data itself (its script asks for JSON)."""
        if not Job.exists(job_id, connection=current_app.redis_conn):
            abort(404)
        return render_template(
            "rq_dashboard/job.html", current_instance=instance_number, id=job_id,
            instance_list=web.escape_format_instance_list(
                current_app.config.get("RQ_DASHBOARD_REDIS_URL")),
            rq_url_prefix=url_for(".queues_overview"), rq_version=web.rq_version,
            rq_dashboard_version=web.rq_dashboard_version, deprecation_options_usage=False,
            enable_delete=not current_app.config.get("RQ_DASHBOARD_DISABLE_DELETE"))

    def delete_job_view(job_id: str, registry: Any = None) -> tuple[dict, dict]:
        """Delete a job, reading it as JSON."""
        fetch(job_id).delete()
        return {"status": "OK"}, NO_STORE

    def requeue_job_view(job_id: str) -> tuple[dict, dict]:
        """Put a failed job back on its queue; it stays a JSON job."""
        requeue(job_id)
        return {"status": "OK"}, NO_STORE

    def requeue_all(queue_name: str) -> tuple[dict, dict]:
        """Requeue every failed job of a queue that reads as JSON; count them."""
        failed = FailedJobRegistry(queue_name, connection=current_app.redis_conn,
                                   serializer=JSONSerializer)
        count = 0
        for job_id in failed.get_job_ids(cleanup=False):
            try:
                requeue(job_id)
                count += 1
            except (DeserializationError, NoSuchJobError, ValueError):
                continue  # not a JSON job: left where it is
        return {"status": "OK", "count": count}, NO_STORE

    def empty_queue(queue_name: str, registry_name: str) -> tuple[dict, dict]:
        """Empty a queue, or delete every job of one of its registries."""
        connection = current_app.redis_conn
        if registry_name == "queued":
            Queue(queue_name, connection=connection, serializer=JSONSerializer).empty()
        elif registry_name in REGISTRIES:
            registry = REGISTRIES[registry_name](queue_name, connection=connection,
                                                 serializer=JSONSerializer)
            for job_id in registry.get_job_ids(cleanup=False):
                try:
                    fetch(job_id).delete()
                except (DeserializationError, NoSuchJobError, ValueError):
                    forget(job_id, registry)
        return {"status": "OK"}, NO_STORE

    def compact_queue(queue_name: str) -> tuple[dict, dict]:
        """Drop the ids of deleted jobs from a queue (an empty queue has none: RQ's compact
        would fail renaming a key that does not exist)."""
        queue = Queue(queue_name, connection=current_app.redis_conn, serializer=JSONSerializer)
        if queue.count:
            queue.compact()
        return {"status": "OK"}, NO_STORE

    def current_job(worker: Worker) -> Any:
        """What a worker is doing, its job read as JSON."""
        try:
            return web.serialize_current_job(worker.get_current_job())
        except (DeserializationError, NoSuchJobError, ValueError):
            return "a job that is not JSON"

    def list_workers(instance_number: int) -> tuple[dict, dict]:
        """The workers, as the Workers tab polls them (rq-dashboard's fields)."""
        workers = [
            {"name": worker.name, "pid": worker.pid, "queues": [q.name for q in worker.queues],
             "state": str(worker.get_state()), "current_job": current_job(worker),
             "last_heartbeat": worker.last_heartbeat, "birth_date": worker.birth_date,
             "successful_job_count": worker.successful_job_count,
             "failed_job_count": worker.failed_job_count,
             "total_working_time": worker.total_working_time,
             "version": getattr(worker, "version", ""),
             "python_version": getattr(worker, "python_version", "")}
            for worker in Worker.all(connection=current_app.redis_conn,
                                     serializer=JSONSerializer)]
        workers.sort(key=lambda w: (w["state"], w["queues"], w["name"]))
        return {"workers": workers}, NO_STORE

    for view in (job_view, delete_job_view, requeue_job_view, requeue_all, empty_queue,
                 compact_queue, list_workers):
        app.view_functions[f"rq_dashboard.{view.__name__}"] = view
    if not write:
        app.after_request(say_read_only)


def say_read_only(response: Any) -> Any:
    """On a read-only dashboard's pages: hide the buttons it would refuse, and say why."""
    if response.mimetype == "text/html" and b"</body>" in response.get_data():
        response.set_data(response.get_data().replace(
            b"</body>", READ_ONLY_NOTE.encode() + b"</body>", 1))
    return response
