"""The one place that works around rq-dashboard 0.9.0; a test pins the version.

Its job page and its delete view read a job with pickle, whatever serializer the
dashboard is given: reading a planted job would run code.
"""
from typing import Any

from flask import abort, current_app, render_template, url_for
from rq.job import Job
from rq.serializers import JSONSerializer
from rq_dashboard import web


def dashboard_reads_json(app: Any) -> None:
    """Serve those two views reading JSON (same page, same answer)."""

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
