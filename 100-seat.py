#!/usr/bin/env python3
"""Sell a fixed number of seats with Flask, Redis and RQ, never oversold."""
import argparse
import multiprocessing
import os
import threading
import time
import uuid
from signal import SIGTERM, pthread_kill
from typing import Any

import redis
from flask import Flask
from rq import Callback, Queue, Retry, SimpleWorker, get_current_job
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import (client, fail_fast_client,
                                 redis_errors_in_one_line)
from kuestyle.ids import next_id
from kuestyle.web import create_json_app, serve
from kuestyle.liveness import live_workers
from kuestyle.recovery import FINDS_A_LOST_JOB, KEPT
from kuestyle.registered import runs_only
from kuestyle.retries import only_a_lost_job_is_retried
from kuestyle.workers import PromptRecovery, quiet_rq_logs

SEATS_KEY = "available_seats"
INITIAL_SEATS = 50  # each launch; --resume or RESUME_SEATS=1 keeps the count
QUEUE = "reserve_seat"
CONSUMER_LOCK = "reserve_seat:starting"
# What the consumer runs, whatever a job in Redis names (Kue: queue.process).
SeatJob = runs_only("100-seat.take_seat", "100-seat.seat_reserved",
                    "100-seat.seat_not_reserved")
STANDBY: dict[str, Any] = {}  # ./100-seat.py's consumer, waiting for /process


class SeatWorker(PromptRecovery, SimpleWorker):
    """RQ's SimpleWorker, finding a dead consumer's job in seconds and never
    stopping silently (kuestyle/recovery.py)."""


# One atomic step: take a seat if one is left, once per job.  A job that runs
# again (its worker died before RQ recorded the outcome) finds its receipt and
# takes no second seat.
TAKE_SEAT = """
local taken = redis.call('GET', KEYS[2])
if taken then return tonumber(taken) end
local seats = tonumber(redis.call('GET', KEYS[1]) or '0')
if seats == nil then
  return redis.error_reply(KEYS[1] .. ' does not hold a count') end
if seats <= 0 then return -1 end
local left = redis.call('DECR', KEYS[1])
redis.call('SET', KEYS[2], left, 'EX', 86400)
return left
"""


def reserve_seat(number: int, connection: redis.Redis | None = None) -> None:
    """Set the number of available seats."""
    (connection or client()).set(SEATS_KEY, number)


def get_current_available_seats(connection: redis.Redis | None = None) -> int:
    """Return the number of available seats (0 when unset)."""
    value = (connection or client()).get(SEATS_KEY) or 0
    try:
        return int(value)
    except ValueError:
        raise redis.exceptions.DataError(f"{SEATS_KEY} holds {value!r}")


def take_seat() -> int:
    """The job: take one seat atomically and return how many are left."""
    job = get_current_job()
    left = job.connection.eval(TAKE_SEAT, 2, SEATS_KEY, f"{QUEUE}:{job.id}")
    if left < 0:
        raise RuntimeError("Not enough seats available")
    return left


def seat_reserved(job: Job, connection: redis.Redis, result: int,
                  *args: object, **kwargs: object) -> None:
    """RQ success callback, in the server's terminal."""
    print(f"Seat reservation job {job.id} completed", flush=True)


def seat_not_reserved(job: Job, connection: redis.Redis, exc_type: type,
                      exc_value: BaseException, traceback: object) -> None:
    """RQ failure callback, in the server's terminal: no seat is final; a job
    whose consumer died (kill -9) is retried."""
    only_a_lost_job_is_retried(job, exc_type)
    if not job.retries_left:
        reason = exc_value or exc_type.__name__  # AbandonedJobError: no text
        print(f"Seat reservation job {job.id} failed: {reason}", flush=True)


def process_queue(url: str | None, go: Any = None) -> None:
    """The consumer, in a process of its own: an RQ worker, working once go
    (an event) is set, or at once."""
    def stop_with_app() -> None:
        """Once the app is gone, even by kill -9, stop warmly."""
        multiprocessing.parent_process().join()
        pthread_kill(threading.main_thread().ident, SIGTERM)  # RQ's handler
    threading.Thread(target=stop_with_app, daemon=True).start()
    quiet_rq_logs()
    # A job whose consumer died (kill -9) is retried within about 30 s
    # (kuestyle/recovery.py); TAKE_SEAT says why that is safe.
    worker = SeatWorker([QUEUE], connection=client(patient=True, url=url),
                        serializer=JSONSerializer, job_class=SeatJob,
                        **FINDS_A_LOST_JOB)
    try:
        if go is not None:
            go.wait()
    except KeyboardInterrupt:  # Ctrl-C in the app's terminal before /process
        return
    worker.work()


def start_standby(url: str | None) -> None:
    """Start the consumer with the app, waiting: /process then costs no
    interpreter start (a fresh one, spawn, not a fork of the threaded app)."""
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Event()
    standby = spawn.Process(target=process_queue, args=(url, go), daemon=True)
    standby.start()
    STANDBY.update(process=standby, go=go)


def start_consumer(queue: Queue, url: str | None) -> None:
    """Start one consumer unless one works (here or in any app)."""
    # A Redis lock, held until the new worker listens, makes calls agree.
    token = uuid.uuid4().hex
    if not queue.connection.set(CONSUMER_LOCK, token, nx=True, ex=20):
        return
    try:
        if live_workers(queue):
            return
        standby, go = STANDBY.pop("process", None), STANDBY.pop("go", None)
        if standby and standby.is_alive():
            go.set()  # the consumer started with the app starts working
        else:  # a fresh interpreter (spawn), not a fork of the threaded app
            spawn = multiprocessing.get_context("spawn")
            spawn.Process(target=process_queue, args=(url,),
                          daemon=True).start()
        deadline = time.monotonic() + 15
        while not live_workers(queue) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        if queue.connection.get(CONSUMER_LOCK) == token.encode():
            queue.connection.delete(CONSUMER_LOCK)


def create_app(url: str | None = None, resume: bool = False) -> Flask:
    """Build the seat app on the Redis at url (default: REDIS_URL)."""
    app = create_json_app(__name__, changes_state={"reserve", "process"})
    connection = client(url=url)  # quick: a 503 at once when Redis is down
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)
    if resume or os.environ.get("RESUME_SEATS") == "1":
        connection.set(SEATS_KEY, INITIAL_SEATS, nx=True)
    else:
        reserve_seat(INITIAL_SEATS, connection)

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
            # KEPT: a day if it failed (RQ: a year, its result for ever),
            # 500 s if it succeeded; a box office leaves no key for good.
            queue.enqueue("100-seat.take_seat", job_id=next_id(connection),
                          job_timeout=10, retry=Retry(max=3), **KEPT,
                          on_success=Callback("100-seat.seat_reserved"),
                          on_failure=Callback("100-seat.seat_not_reserved"))
        except redis.exceptions.RedisError as error:
            app.logger.warning("Reservation failed: %s", error)
            return {"status": "Reservation failed"}, 503
        return {"status": "Reservation in process"}, 202

    @app.get("/process")
    def process() -> dict:
        """Start processing the queue in the background (once)."""
        start_consumer(queue, url)
        return {"status": "Queue processing"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resume", action="store_true",
                        help="keep the seat count an earlier run left")
    arguments = parser.parse_args()
    redis_errors_in_one_line()
    fail_fast_client()
    app = create_app(resume=arguments.resume)
    start_standby(None)
    serve(app, 1245)
