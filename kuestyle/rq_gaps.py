"""The one place for what RQ and rq-dashboard do not offer publicly; tests pin both versions.

RQ lets a job's heartbeat expire ``job_monitoring_interval + 60`` seconds after
its last renewal, so a killed worker's job is noticed a minute late at best.
Only ``Worker.get_heartbeat_ttl`` decides that number; it takes ``(job)`` in
RQ 2.12 and ``(job, working_time)`` in the next release, so the override takes
both.  ``tests/test_layout.py`` pins the versions this was checked against.
"""
from typing import Any

from rq import Worker


def short_heartbeat(worker_class: type[Worker], ttl: int) -> type[Worker]:
    """Return worker_class whose running job's heartbeat expires ttl seconds after renewal."""
    class ShortHeartbeat(worker_class):
        """{worker_class} with a job heartbeat of ttl seconds."""

        def get_heartbeat_ttl(self, job: Any, *args: Any, **kwargs: Any) -> int:
            """Let a running job's heartbeat expire ttl seconds after each renewal."""
            return ttl

    ShortHeartbeat.__name__ = ShortHeartbeat.__qualname__ = f"ShortHeartbeat{worker_class.__name__}"
    return ShortHeartbeat


def dashboard_reads_json(app: Any) -> None:
    """rq-dashboard 0.9.0 reads a job with pickle on its job page and on delete, whatever
    serializer it is given: serve those two views reading JSON (same page, same answer)."""
    from flask import abort, current_app, render_template, url_for
    from rq.job import Job
    from rq.serializers import JSONSerializer
    from rq_dashboard import web

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

    def delete_job_view(job_id: str, registry: Any = None) -> dict:
        """Delete a job, reading it as JSON."""
        Job.fetch(job_id, connection=current_app.redis_conn, serializer=JSONSerializer).delete()
        return {"status": "OK"}

    app.view_functions["rq_dashboard.job_view"] = job_view
    app.view_functions["rq_dashboard.delete_job_view"] = delete_job_view
