#!/usr/bin/env python3
"""Watch queues, jobs and workers in a browser with rq-dashboard, Kue's UI.

Serves rq-dashboard for the Redis at REDIS_URL on 127.0.0.1:9181 (HOST and
PORT override it; rq-dashboard alone would listen on every interface).  It is
read-only unless started with ``--write``: then deleting, requeueing and
emptying are allowed, but only from the dashboard's own pages.  A request for
any other Host is refused, so a web page cannot reach it by DNS rebinding.
"""
import argparse
import re

from flask import Flask, request
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.serializers import JSONSerializer
from rq_dashboard.cli import make_flask_app
from rq_dashboard.web import config as dashboard_config, setup_rq_connection

from kuestyle.connection import QUICK, connect, redis_url, run
from kuestyle.rq_dashboard_gaps import dashboard_reads_json
from kuestyle.web import serve

DEFAULT_PORT = 9181
LOOPBACK_HOST = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:\d+)?")
CHANGES = re.compile(r".*/(delete|requeue|empty|compact)(/|$).*")


def refusal(write: bool) -> tuple[str, int] | None:
    """Why this request is refused (a 403), or None to serve it."""
    host = request.host
    if not LOOPBACK_HOST.fullmatch(host):
        return "Unknown host: this dashboard answers for 127.0.0.1 only", 403
    if request.method in ("GET", "HEAD") and not CHANGES.match(request.path):
        return None
    if not write:
        return "Read-only: start it with --write to change jobs", 403
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin or not re.match(rf"https?://{re.escape(host)}(/|$)", origin):
        return "Changes are accepted from the dashboard's own pages only", 403
    return None


def create_app(url: str | None = None, write: bool = False) -> Flask:
    """Build the dashboard app for the Redis at url (default: REDIS_URL)."""
    # The lessons' jobs are JSON: the dashboard reads them the same way
    # (rq-dashboard's --json), so no job data is ever unpickled.
    dashboard_config.serializer = JSONSerializer
    app = make_flask_app(None, None, None, "")
    app.config["RQ_DASHBOARD_REDIS_URL"] = [url or redis_url()]
    app.config["RQ_DASHBOARD_DISABLE_DELETE"] = not write
    setup_rq_connection(app)  # as rq-dashboard's own command does
    app.before_request(lambda: refusal(write))
    dashboard_reads_json(app, write)
    # A job whose data is not JSON (someone wrote it by hand) is refused.
    for error in (DeserializationError, ValueError):
        app.register_error_handler(
            error, lambda _: ("Job data is not valid JSON: not shown", 422))
    # A job deleted or expired since the page was drawn.
    app.register_error_handler(NoSuchJobError, lambda _: ("No such job", 404))
    return app


def main(write: bool) -> None:
    """Check that Redis answers, then serve the dashboard until Ctrl-C."""
    connect(**QUICK)
    serve(create_app(write=write), DEFAULT_PORT)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="rq-dashboard on loopback.")
    parser.add_argument("--write", action="store_true",
                        help="allow deleting, requeueing and emptying")
    arguments = parser.parse_args()
    run(lambda: main(arguments.write))
