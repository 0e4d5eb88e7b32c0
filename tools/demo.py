#!/usr/bin/env python3
"""Run every lesson in order, as a student would, and show each one's real output.

Uses the Redis at REDIS_URL if one answers; otherwise starts the embedded
redis-server on that port (127.0.0.1:6379 by default) loaded with a copy of
dump.rdb, and stops it at the end.  Two-process lessons run their worker (or
subscriber, or app) in the background and the other side in the foreground.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import redis
from rq.registry import FinishedJobRegistry

from tools import embedded_redis
from kuestyle.connection import redis_url
from tools.lesson_processes import (PYTHON, ROOT, AppServer, Lesson, http_post, lesson_env,
                                    run_lesson, wait_for_worker)

APP_PORT = int(os.environ.get("PORT", 1245))
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
REQUEST_LOG = re.compile(r'"(GET|POST|HEAD) /')
FRESH = {"own server": False}


def heading(title: str) -> None:
    """Print a task's heading."""
    print(f"\n=== {title} ===", flush=True)


def show(command: str, lines: list[str], errors: list[str] = ()) -> None:
    """Print a command and what it printed, stderr lines marked as such."""
    print(f"$ {command}")
    for line in lines:
        print(f"  {line}")
    for line in errors:
        print(f"  [stderr] {ANSI_COLOUR.sub('', line)}")
    sys.stdout.flush()


def run(name: str, *args: str) -> None:
    """Run a lesson to completion and show its output."""
    proc = run_lesson(name, *args, timeout=60)
    show(" ".join([f"./{name}", *args]), proc.stdout.splitlines(), proc.stderr.splitlines())


def stop(lesson: Lesson, command: str) -> None:
    """Stop a background lesson with Ctrl-C (SIGINT) and show what it printed."""
    if lesson.proc.poll() is None:
        lesson.signal(signal.SIGINT)
    status = lesson.wait(timeout=20)
    show(f"{command}   # in the other terminal, then Ctrl-C (exit status {status})",
         lesson.lines, [line for line in lesson.errors
                        if not REQUEST_LOG.search(ANSI_COLOUR.sub("", line))])


def with_worker(processor: str, connection: redis.Redis, queue: str, workers: int,
                body: Callable[[], None], *args: str, copies: int = 1) -> None:
    """Run body while copies of processor work on queue in the background (workers live
    in all), then stop them."""
    lessons = [Lesson(processor, *args) for _ in range(copies)]
    try:
        wait_for_worker(connection, queue, count=workers)
        body()
    finally:
        for lesson in lessons:
            stop(lesson, " ".join([f"./{processor}", *args]))


def fresh(connection: redis.Redis) -> None:
    """On the demo's own server, start a task from a clean database (ids from 1, as in the
    README); on a server the student already uses, nothing is erased and ids go on."""
    if FRESH["own server"]:
        connection.flushdb()
        connection.set("Holberton", "School")


def creator_first(title: str, connection: redis.Redis, creator: str, processor: str,
                  queue: str, *args: str) -> None:
    """The curriculum's order: the creator in terminal 1, then the processor in terminal 2."""
    heading(title)
    fresh(connection)
    waiting = Lesson(creator)
    waiting.wait_for(lambda _: waiting.errors, timeout=20, what="the creator's hint")
    worker = Lesson(processor, *args)
    try:
        status = waiting.wait(timeout=60)
        show(f"./{creator}   # terminal 1 (exit status {status})", waiting.lines,
             waiting.errors)
    finally:
        stop(worker, f"./{processor}")


def pair(title: str, connection: redis.Redis, worker: tuple[str, str, int], creator: str,
         *args: str) -> None:
    """Show a lesson pair: worker (script, queue, processes) in the background, creator run."""
    heading(title)
    fresh(connection)
    script, queue, processes = worker
    with_worker(script, connection, queue, processes, lambda: run(creator, *args))


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Wait for condition with a deadline."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def curl(app: AppServer, path: str) -> None:
    """GET path on the app and show it the way curl would."""
    status, text, _ = app.get(path)
    print(f"$ curl localhost:{app.port}{path} ; echo \"\"   # HTTP {status}\n  {text}",
          flush=True)


def task_5() -> None:
    """Subscriber in the background, publisher in the foreground."""
    heading("Task 5: pub/sub (two terminals)")
    subscriber = Lesson("5-subscriber.py")
    subscriber.wait_for_line("Redis client connected to the server")
    run("5-publisher.py")
    subscriber.wait(timeout=10)
    show("./5-subscriber.py   # in the other terminal", subscriber.lines, subscriber.errors)


def task_8(connection: redis.Redis) -> None:
    """Drive create_push_notifications_jobs from Python with task 7's processor."""
    heading("Task 8: create_push_notifications_jobs (with ./7-job_processor.py)")
    fresh(connection)
    snippet = ("import importlib, rq, kuestyle.connection\n"
               "job = importlib.import_module('8-job')\n"
               "queue = rq.Queue('push_notification_code_3',\n"
               "                 connection=kuestyle.connection.connect())\n"
               "jobs = job.create_push_notifications_jobs([\n"
               "    {'phoneNumber': '4153518780', 'message': 'This is the code 1234'},\n"
               "    {'phoneNumber': '4153518743', 'message': 'This is the code 4321'}],"
               " queue)\n"
               "job.wait_for_outcomes(jobs, timeout=20)\n")

    def create() -> None:
        """Create the two jobs from a separate Python process and wait for them."""
        result = subprocess.run([PYTHON, "-c", snippet], cwd=ROOT, env=lesson_env(),
                                capture_output=True, text=True, timeout=60)
        show("python3 -c \"...create_push_notifications_jobs(two jobs, queue)...\"",
             result.stdout.splitlines(), result.stderr.splitlines())

    with_worker("7-job_processor.py", connection, "push_notification_code_3", 2, create,
                "push_notification_code_3")


def task_9() -> None:
    """Start the stock app, exercise every route, stop it."""
    heading("Task 9: the stock app (./9-stock.py in one terminal, curl in the other)")
    app = AppServer("9-stock.py", port=APP_PORT, ready_path="/list_products")
    try:
        for path in ("/list_products", "/list_products/1", "/list_products/12",
                     "/reserve_product/12", "/reserve_product/1", "/reserve_product/1",
                     "/list_products/1", "/reserve_product/3", "/reserve_product/3",
                     "/reserve_product/3"):
            curl(app, path)
    finally:
        stop(app, "./9-stock.py")


def task_100(connection: redis.Redis) -> None:
    """Start the seat app (50 seats), reserve, process, show the log lines."""
    fresh(connection)
    heading("Task 100: the seat app (./100-seat.py in one terminal, curl in the other)")
    app = AppServer("100-seat.py", port=APP_PORT, ready_path="/available_seats")
    try:
        for path in ("/available_seats", "/reserve_seat", "/reserve_seat", "/process"):
            curl(app, path)
        app.wait_for(lambda lines: sum("Seat reservation job" in line for line in lines) >= 2,
                     timeout=20, what="both jobs' outcomes")
        curl(app, "/available_seats")
    finally:
        stop(app, "./100-seat.py")


def task_107(connection: redis.Redis) -> None:
    """Two producers and two workers (two processes each) on one queue."""
    heading("Lesson 107: two producers, two workers of two processes each")
    fresh(connection)

    def produce() -> None:
        """Both producers at once, then their six emails sent."""
        producers = [Lesson("107-producer.py", name, "3", "0.5") for name in "AB"]
        for producer, name in zip(producers, "AB"):
            producer.wait(timeout=30)
            show(f"./107-producer.py {name} 3 0.5", producer.lines, producer.errors)
        finished = FinishedJobRegistry("emails", connection=connection)
        wait_until(lambda: finished.count >= 6)
    with_worker("107-worker.py", connection, "emails", 4, produce, copies=2)


def task_108(connection: redis.Redis) -> None:
    """Post an image id, get 202 and a status URL, poll it until finished."""
    heading("Lesson 108: 202 Accepted (./108-image_app.py and ./108-image_worker.py)")
    fresh(connection)

    def hand_off() -> None:
        """Post, then follow the status URL."""
        app = AppServer("108-image_app.py", port=APP_PORT, ready_path="/")
        try:
            status, text, _ = http_post(app.url("/upload-image"), {"imageId": "cat-42"})
            print(f"$ curl -X POST -H 'Content-Type: application/json' "
                  f"-d '{{\"imageId\": \"cat-42\"}}' "
                  f"localhost:{app.port}/upload-image   # HTTP {status}\n  {text}")
            status_url = json.loads(text)["statusUrl"]
            wait_until(lambda: '"finished"' in app.get(status_url)[1])
            curl(app, status_url)
            status, text, _ = http_post(app.url("/upload-image"), {"imageId": 42})
            print(f"$ curl -X POST -H 'Content-Type: application/json' "
                  f"-d '{{\"imageId\": 42}}' "
                  f"localhost:{app.port}/upload-image   # HTTP {status}\n  {text}")
        finally:
            stop(app, "./108-image_app.py")

    with_worker("108-image_worker.py", connection, "images", 1, hand_off)


def task_109() -> None:
    """Start the dashboard, read its queues JSON, stop it."""
    heading("Lesson 109: the dashboard (make dashboard, http://127.0.0.1:9181)")
    app = AppServer("109-dashboard.py", port=9181, ready_path="/0/data/queues.json")
    try:
        queues = json.loads(app.get("/0/data/queues.json")[1])["queues"]
        print(f"$ curl localhost:{app.port}/0/data/queues.json   # name: queued, finished")
        for queue in queues:
            print(f"  {queue['name']}: {queue['count']}, "
                  f"{queue['finished_job_registry_count']}")
    finally:
        app.stop()


def task_111(connection: redis.Redis) -> None:
    """A scheduler that stops after two runs of each schedule, and the worker that runs them."""
    heading("Lesson 111: recurring jobs, a cron expression and a fixed interval")
    fresh(connection)
    finished = FinishedJobRegistry("recurring", connection=connection)

    def schedule_then_run() -> None:
        run("111-recurring_jobs.py", "--runs", "2")
        wait_until(lambda: finished.count == 4)  # the last runs are due within 2 s
    with_worker("111-recurring_worker.py", connection, "recurring", 1, schedule_then_run)


def task_112(connection: redis.Redis) -> None:
    """Two workers under one limit of 10 starts a second."""
    heading("Lesson 112: a rate limit, 10 starts a second across two workers")
    fresh(connection)
    with_worker("112-rate_limit_worker.py", connection, "sms_provider", 2,
                lambda: run("112-rate_limit.py"), copies=2)


def beyond(connection: redis.Redis) -> None:
    """Run the fast lessons on the rest of Kue (106, the slow one, has its own target)."""
    heading("Lesson 101: priority levels as ordered queues")
    fresh(connection)
    run("101-job_priority.py")
    pair("Lesson 102: a delayed job (./102-delayed_job_worker.py has a scheduler)",
         connection, ("102-delayed_job_worker.py", "reminders", 1), "102-delayed_job.py", "1")
    pair("Lesson 103: retries with exponential backoff",
         connection, ("103-retry_worker.py", "uploads", 1), "103-retry_job.py")
    pair("Lesson 104: cancel a queued job, stop a running one",
         connection, ("104-remove_worker.py", "videos", 1), "104-remove_job.py")
    heading("Lesson 105: warm and cold shutdown")
    fresh(connection)
    run("105-graceful_shutdown.py")
    task_107(connection)
    task_108(connection)
    task_109()
    task_111(connection)
    task_112(connection)
    print("\n(Lesson 106, crash recovery, takes about 65 s: make crash-demo)")


def lessons(connection: redis.Redis) -> None:
    """Run every lesson in the curriculum's order."""
    heading("Task 0: is the server up?")
    run("0-redis_client.py")
    heading("Task 1: SET and GET")
    run("1-redis_op.py")
    heading("Task 2: the same with async/await")
    run("2-redis_op_async.py")
    heading("Task 4: a hash, field by field (run twice: the second run replies 0)")
    run("4-redis_advanced_op.py")
    run("4-redis_advanced_op.py")
    task_5()

    creator_first("Task 6: the creator first (its job waits), then the processor",
                  connection, "6-job_creator.py", "6-job_processor.py", "push_notification_code")
    creator_first("Task 7: eleven jobs, then the processor, two at a time",
                  connection, "7-job_creator.py", "7-job_processor.py", "push_notification_code_2")
    task_8(connection)
    task_9()
    task_100(connection)
    beyond(connection)


def main() -> int:
    """Find or start Redis, run the lessons, stop whatever was started."""
    url = redis_url()
    pid = None
    if embedded_redis.answers(url):
        print(f"Using the Redis server that answers at {url}")
    else:
        parsed = urlparse(url)
        if parsed.hostname not in ("127.0.0.1", "localhost"):
            print(f"No Redis answers at {url}", file=sys.stderr)
            return 1
        data = Path(tempfile.mkdtemp(prefix="queuing-demo-"))
        pid = embedded_redis.start_server(parsed.port or 6379, data, load_dump=True,
                                          password=parsed.password)
        FRESH["own server"] = True
        print(f"Started the embedded Redis ({embedded_redis.find_server_binary()}) on "
              f"127.0.0.1:{parsed.port or 6379}, loaded with dump.rdb")
    connection = redis.Redis.from_url(url)
    try:
        lessons(connection)
    finally:
        connection.close()
        if pid:
            embedded_redis.stop_server(pid)
            shutil.rmtree(data, ignore_errors=True)
            print("\nStopped the embedded Redis")
    return 0


if __name__ == "__main__":
    sys.exit(main())
