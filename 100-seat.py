#!/usr/bin/env python3
"""Sell a fixed number of seats with Flask, Redis and RQ, never oversold."""
import atexit
import os
import sys
import threading
import uuid

import redis
from flask import Flask
from rq import Queue, get_current_job

from flask_serving import app_client, install_json_errors, serve
from job_events import JobListener, create_job, describe
from redis_connection import connect, get_client, redis_url
from rq_workers import live_workers, start_worker_thread

SEATS_KEY = "available_seats"
INITIAL_SEATS = 50
QUEUE = "reserve_seat"
RESET_VARIABLE = "RESET_SEATS"
CONSUMER_LOCK = "reserve_seat:starting"
# One atomic step: take a seat if one is left. Decrementing after a separate
# read would let two jobs both see "1 seat" and both take it.
TAKE_SEAT = """
local seats = tonumber(redis.call('GET', KEYS[1]) or '0')
if seats <= 0 then
  return -1
end
return redis.call('DECR', KEYS[1])
"""


def reserve_seat(number: int, client: redis.Redis | None = None) -> None:
    """Set the number of available seats."""
    (client or get_client()).set(SEATS_KEY, number)


def get_current_available_seats(client: redis.Redis | None = None) -> int:
    """Return the number of available seats (0 when unset)."""
    return int((client or get_client()).get(SEATS_KEY) or 0)


def take_seat() -> int:
    """The job: take one seat atomically and return how many are left."""
    left = get_current_job().connection.eval(TAKE_SEAT, 1, SEATS_KEY)
    if left < 0:
        raise RuntimeError("Not enough seats available")
    return left


def print_outcome(event: dict) -> None:
    """Print a seat job's outcome in the server's terminal."""
    if event["event"] != "progress":
        print(describe(event, "Seat reservation job"), flush=True)


def init_seats(client: redis.Redis, reset: bool = False) -> None:
    """Put INITIAL_SEATS on sale unless seats are there already (or reset)."""
    client.set(SEATS_KEY, INITIAL_SEATS, nx=not reset)


class SeatProcessing:
    """The one consumer of the reserve_seat queue, started by /process."""

    def __init__(self, connection: redis.Redis) -> None:
        """Nothing runs until start() is called."""
        self.connection = connection
        self.queue = Queue(QUEUE, connection=connection)
        self.lock = threading.Lock()
        self.worker = None
        self.thread = None
        self.listener = None

    def start(self) -> None:
        """Start a worker in this process, unless one already works anywhere.

        A short Redis lock makes simultaneous calls, in one app process or
        several, agree on who starts it; a live worker on the queue (in this
        process or another) means nothing more is started.
        """
        with self.lock:
            token = uuid.uuid4().hex
            if not self.connection.set(CONSUMER_LOCK, token, nx=True, ex=10):
                return
            try:
                if live_workers(self.queue):
                    return
                if self.listener is not None:  # left by a worker that died
                    self.listener.close()
                self.listener = JobListener(self.connection, QUEUE,
                                            print_outcome)
                self.listener.watch_all()
                self.worker, self.thread = start_worker_thread(
                    [QUEUE], self.connection)
            finally:
                if self.connection.get(CONSUMER_LOCK) == token.encode():
                    self.connection.delete(CONSUMER_LOCK)

    def stop(self) -> None:
        """Let the running job finish, then stop the worker and listener."""
        if self.worker is not None:
            self.worker.stop()
            self.thread.join(timeout=10)
        if self.listener is not None:
            self.listener.close()


def create_app(url: str | None = None, reset: bool = False) -> Flask:
    """Build the seat app on the Redis at url (default: REDIS_URL)."""
    app = Flask(__name__)
    install_json_errors(app)
    connection = app_client(url or redis_url())
    init_seats(connection, reset or os.environ.get(RESET_VARIABLE) == "1")
    processing = SeatProcessing(connection)
    app.extensions["seat_processing"] = processing
    # A server process that exits (gunicorn's workers do) finishes its job.
    atexit.register(processing.stop)

    @app.get("/available_seats")
    def available_seats() -> dict:
        """How many seats are left (a string, as in the curriculum)."""
        seats = get_current_available_seats(connection)
        return {"numberOfAvailableSeats": str(seats)}

    @app.get("/reserve_seat")
    def reserve() -> tuple[dict, int]:
        """Queue a reservation while seats remain."""
        try:
            if get_current_available_seats(connection) <= 0:
                return {"status": "Reservation are blocked"}, 409
            create_job(processing.queue, "100-seat.take_seat", None)
        except redis.exceptions.RedisError as error:
            app.logger.warning("Reservation failed: %s", error)
            return {"status": "Reservation failed"}, 503
        return {"status": "Reservation in process"}, 202

    @app.get("/process")
    def process() -> dict:
        """Start processing the queue in the background (once)."""
        processing.start()
        return {"status": "Queue processing"}

    return app


if __name__ == "__main__":
    connect(announce=False)
    serve(create_app(reset="--reset" in sys.argv[1:]), 1245)
