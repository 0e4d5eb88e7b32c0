#!/usr/bin/env python3
"""Serve the lessons' Flask apps: JSON errors, 503 when Redis is down, a clean stop.

* Every error is JSON with a proper status code; no traceback reaches a client.
* Redis unreachable while serving: ``503 {"status": "Redis unavailable"}`` and
  one log line; the next request after Redis is back just works.
* ``serve(app)`` binds HOST (default 127.0.0.1) and PORT, debug off, and stops
  with exit status 0 on Ctrl-C or SIGTERM.
"""
import os
import sys

import redis
from flask import Flask
from werkzeug.exceptions import HTTPException

from shutdown import stop_on_signals

REDIS_DOWN = {"status": "Redis unavailable"}
# An app answers within this many seconds even when Redis stalls.
SOCKET_TIMEOUT = 2.0


def app_client(url: str) -> redis.Redis:
    """Return the bytes client an app uses: short timeouts, no slow retries."""
    return redis.Redis.from_url(url, socket_connect_timeout=SOCKET_TIMEOUT,
                                socket_timeout=SOCKET_TIMEOUT, retry_on_timeout=False,
                                health_check_interval=30)


def install_json_errors(app: Flask) -> None:
    """Answer every error, expected or not, with a JSON body and its status code."""
    app.json.sort_keys = False
    # Werkzeug would answer "//" or a missing trailing slash with an HTML
    # redirect; match paths as they come instead (set before any route).
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[dict, int]:
        """Unknown route, wrong method, ...: the status and its name, as JSON."""
        return {"status": error.name}, error.code

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    def redis_down(error: redis.exceptions.RedisError) -> tuple[dict, int]:
        """Redis is unreachable: say so in one log line and answer 503."""
        app.logger.warning("Redis unavailable: %s", error)
        return REDIS_DOWN, 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[dict, int]:
        """A bug: log it with its traceback, but send the client JSON only."""
        app.logger.exception("unexpected error")
        return {"status": "Internal server error"}, 500


def serve(app: Flask, default_port: int) -> None:
    """Run the development server on HOST:PORT until Ctrl-C or SIGTERM, then exit 0."""
    stop_on_signals()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", default_port))
    try:
        app.run(host=host, port=port, debug=False, threaded=True)
    except KeyboardInterrupt:
        pass
    sys.exit(0)
