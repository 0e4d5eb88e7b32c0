#!/usr/bin/env python3
"""Sell a fixed number of seats with Flask, Redis and RQ, never oversold."""
import atexit
import os
import subprocess
import sys

import redis
from flask import Flask
from rq import Callback, Queue, Retry, SimpleWorker, get_current_job
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import QUICK, client_for, connect, redis_url, run
from kuestyle.events import job_failed
from kuestyle.ids import next_id
from kuestyle.liveness import live_workers
from kuestyle.registered import runs_only
from kuestyle.settings import KEPT, PATIENT, WORKER_SETTINGS
from kuestyle.web import answers_like_express, serve

SEATS_KEY = "available_seats"
QUEUE = "reserve_seat"
# What the consumer runs, whatever a job in Redis names (Kue: queue.process).
JOBS = runs_only("100-seat.take_seat", "100-seat.seat_not_reserved")
# One atomic step: a seat if one is left, once per job (a rerun: its receipt).
TAKE_SEAT = """
local taken = redis.call('GET', KEYS[2])
if taken then return tonumber(taken) end
local seats = tonumber(redis.call('GET', KEYS[1]) or '0')
if seats <= 0 then return -1 end
redis.call('SET', KEYS[2], seats - 1, 'EX', 86400)
return redis.call('DECR', KEYS[1])
"""
client = client_for(redis_url(), **QUICK)  # a server's, or Sentinels' master


def reserve_seat(number: int, connection: redis.Redis = client) -> None:
    """Set the number of available seats."""
    connection.set(SEATS_KEY, number)


def get_current_available_seats(connection: redis.Redis = client) -> int:
    """Return the number of available seats (0 when unset)."""
    return int(connection.get(SEATS_KEY) or 0)


def put_seats_on_sale(resume: bool = False) -> None:
    """At launch: 50 seats; resume (or RESUME_SEATS=1): keep the count."""
    client.set(SEATS_KEY, 50, nx=resume or os.getenv("RESUME_SEATS") == "1")


def take_seat() -> int:
    """The job: take one seat atomically and return how many are left."""
    job = get_current_job()
    left = job.connection.eval(TAKE_SEAT, 2, SEATS_KEY, f"{QUEUE}:{job.id}")
    if left < 0:
        raise RuntimeError("Not enough seats available")
    print(f"Seat reservation job {job.id} completed")  # the server's terminal
    return left


def seat_not_reserved(job: Job, *failure: object) -> None:
    """RQ failure callback: final, unless its consumer was lost (retried)."""
    job_failed(job, *failure)  # Kue's events, and its one attempt
    if not job.retries_left:
        print(f"Seat reservation job {job.id} failed: {job.meta['error']}")


def create_app(url: str | None = None) -> Flask:
    """Build the seat app on the Redis at url (default: REDIS_URL)."""
    app = answers_like_express(Flask(__name__), {"reserve", "process"},
                               {"reserve": "Reservation failed"})
    connection = client_for(url, **QUICK) if url else client
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)

    @app.get("/available_seats")
    def available_seats() -> dict:
        """How many seats are left (a string, as in the curriculum)."""
        seats = get_current_available_seats(connection)
        return {"numberOfAvailableSeats": str(seats)}

    @app.get("/reserve_seat")
    def reserve() -> tuple[dict, int]:
        """Queue a reservation while seats remain."""
        if get_current_available_seats(connection) <= 0:
            return {"status": "Reservation are blocked"}, 409
        queue.enqueue("100-seat.take_seat", job_id=next_id(connection),
                      job_timeout=5, retry=Retry(max=3), **KEPT,
                      on_failure=Callback("100-seat.seat_not_reserved"))
        return {"status": "Reservation in process"}, 202

    @app.get("/process")
    def process() -> dict:
        """Start the queue's consumer, unless one listens or is starting."""
        if not live_workers(queue) and connection.set(  # until it listens
                "reserve_seat:starting", 1, nx=True, ex=30):
            consumer = subprocess.Popen([sys.executable, __file__, "consume"],
                                        start_new_session=True)
            atexit.register(consumer.wait)  # at exit, last: its job ends
            atexit.register(consumer.terminate)  # first: RQ's warm shutdown
        return {"status": "Queue processing"}

    return app


def main() -> None:
    """Launch: put seats on sale and serve; or be the queue's consumer."""
    if sys.argv[1:] == ["consume"]:
        client.delete("reserve_seat:starting")  # listening: /process may tell
        return SimpleWorker([QUEUE], connection=connect(**PATIENT),
                            job_class=JOBS, **WORKER_SETTINGS).work()
    if sys.argv[1:] not in ([], ["--resume"]):
        sys.exit("usage: ./100-seat.py [--resume]  (--resume: keep the count)")
    put_seats_on_sale(resume=sys.argv[1:] == ["--resume"])
    serve(create_app(), 1245)


if __name__ == "__main__":
    run(main)
