#!/usr/bin/env python3
"""Watch queues, jobs and workers in a browser with rq-dashboard, Kue's UI.

Serves rq-dashboard for the Redis at REDIS_URL on 127.0.0.1:9181 (HOST and
PORT override it; rq-dashboard alone would listen on every interface).
``make dashboard`` runs it; then open http://127.0.0.1:9181.
"""
from flask import Flask
from rq_dashboard.cli import make_flask_app

from flask_serving import serve
from redis_connection import connect, redis_url

DEFAULT_PORT = 9181


def create_app(url: str | None = None) -> Flask:
    """Build the dashboard app for the Redis at url (default: REDIS_URL)."""
    app = make_flask_app(None, None, None, "")
    app.config["RQ_DASHBOARD_REDIS_URL"] = [url or redis_url()]
    return app


if __name__ == "__main__":
    connect(announce=False)
    serve(create_app(), DEFAULT_PORT)
