"""Flask the way the curriculum's Express apps answer: exact JSON bodies, JSON errors, 503.

* A body is exactly the JSON, keys in the order written and no newline after
  it (Flask sorts keys and adds a newline unless told not to).
* Every error is JSON with its status code; no traceback reaches a client.
  Redis unreachable or refusing writes: ``503 {"status": "Redis unavailable", "reason": ...}``.
* ``serve(app, port)`` binds HOST (default 127.0.0.1) and PORT, debug off, and
  exits 0 on Ctrl-C or SIGTERM.
"""
import os
import signal
import sys
from typing import Any

import redis
from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException


REDIS_DOWN = {"status": "Redis unavailable"}


class ExpressJSON(DefaultJSONProvider):
    """Flask's JSON, compact, in the order written, and nothing after the closing bracket."""

    sort_keys = False
    compact = True

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Flask's response without its trailing newline."""
        answer = super().response(*args, **kwargs)
        answer.set_data(answer.get_data().rstrip(b"\n"))
        return answer


def create_json_app(name: str, changes_state: set[str] = frozenset()) -> Flask:
    """A Flask app whose answers, errors included, are all JSON.

    changes_state names the GET views that change something (as the
    curriculum's routes do): a HEAD to them is refused, since Flask would run them.
    """
    app = Flask(name)
    app.json = ExpressJSON(app)
    # Werkzeug would answer "//" or a missing trailing slash with an HTML redirect.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False

    @app.before_request
    def head_changes_nothing() -> tuple[dict, int] | None:
        """Refuse a HEAD that would run a view that changes state."""
        if request.method == "HEAD" and request.endpoint in changes_state:
            return {"status": "Method Not Allowed"}, 405
        return None

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[dict, int]:
        """Unknown route, wrong method, body too large...: the status name, as JSON."""
        return {"status": error.name}, error.code

    @app.errorhandler(redis.exceptions.RedisError)
    def redis_down(error: redis.exceptions.RedisError) -> tuple[dict, int]:
        """Redis unreachable, out of memory or read-only: one log line, 503."""
        app.logger.warning("Redis unavailable: %s", error)
        return {**REDIS_DOWN, "reason": str(error)}, 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[dict, int]:
        """A bug: logged with its traceback; the client gets JSON only."""
        app.logger.exception("unexpected error")
        return {"status": "Internal server error"}, 500

    return app


def serve(app: Flask, default_port: int) -> None:
    """Run the development server on HOST:PORT until Ctrl-C or SIGTERM, then exit 0."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    try:
        app.run(host=os.environ.get("HOST", "127.0.0.1"),
                port=int(os.environ.get("PORT", default_port)), debug=False, threaded=True)
    except KeyboardInterrupt:
        pass
    sys.exit(0)
