"""Flask answering as the curriculum's Express apps do: ``answers_like_express(app)`` makes
every body exactly the JSON (keys in order, no newline after) and every error JSON (Redis
down or refusing writes: 503 with the reason); ``serve(app, port)`` runs it on HOST:PORT,
finishing the requests in flight on Ctrl-C or SIGTERM."""
import os
import signal
import sys
import threading
import time
from typing import Any

import redis
from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from flask.cli import show_server_banner
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server


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


def answers_like_express(app: Flask, changes_state: set[str] = frozenset(),
                         when_redis_fails: dict[str, str] | None = None) -> Flask:
    """The app, its answers (errors included) all JSON; a HEAD to the GET views named in
    changes_state (they change something, as the curriculum's do) is refused; a Redis error
    in a view named in when_redis_fails is a 503 with that status alone."""
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
        if request.endpoint in (when_redis_fails or {}):
            return {"status": when_redis_fails[request.endpoint]}, 503
        return {**REDIS_DOWN, "reason": str(error)}, 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[dict, int]:
        """A bug: logged with its traceback; the client gets JSON only."""
        app.logger.exception("unexpected error")
        return {"status": "Internal server error"}, 500

    return app


class NoAccessLog(WSGIRequestHandler):
    """Werkzeug's request handler, logging no line per request (Express logs none either):
    the server's terminal shows the lesson's own lines; errors are still logged."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Log nothing for a request that was answered."""


def drain(timeout: float = 5) -> None:
    """Let every connection already accepted finish its request (an idle keep-alive one
    holds the exit for at most timeout seconds)."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():  # socketserver's, one per connection
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0, deadline - time.monotonic()))


def serve(app: Flask, default_port: int) -> None:
    """Run the development server on HOST:PORT until Ctrl-C or SIGTERM, then drain, exit 0."""
    server = make_server(os.environ.get("HOST", "127.0.0.1"),
                         int(os.environ.get("PORT", default_port)), app, threaded=True,
                         request_handler=NoAccessLog)

    def stop(signum: int, frame: Any) -> None:
        """Stop accepting (between two connections, never inside one); again: quit now."""
        for again in (signal.SIGINT, signal.SIGTERM):
            signal.signal(again, signal.default_int_handler)
        threading.Thread(target=server.shutdown).start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    show_server_banner(False, app.name)  # what app.run() prints
    server.log_startup()
    try:
        server.serve_forever()  # returns after shutdown(), its socket closed
        drain()
    except KeyboardInterrupt:  # a second Ctrl-C: quit now
        pass
    sys.exit(0)
