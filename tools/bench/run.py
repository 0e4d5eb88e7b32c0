#!/usr/bin/env python3
"""Measure the queue and the apps on this machine and print a markdown table.

``make bench`` (full, a few minutes) or ``make bench-quick`` (seconds).
Every figure is the median of several repetitions, measured in this one
run against a redis-server that the benchmark starts on a free loopback port
and stops at the end; nothing touches a server you are using.
"""
import argparse
from concurrent.futures import ThreadPoolExecutor
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis
from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.events import JobListener, job_completed, job_failed
from kuestyle.ids import next_ids
from tools import embedded_redis
from tools.bench.beside_kue import Sides, flush, node_ready
from tools.lesson_processes import (PRODUCTION_SERVER, ROOT, THREADED_SERVER, AppServer, Lesson,
                                    SlowClients, http_get, lesson_env, wait_for_worker)

PYTHON = sys.executable
SIZES = {"smoke": {"reps": 1, "enqueue": 100, "jobs": 100, "fork_jobs": 10,
                   "pipeline": 50, "http_seconds": 0.2, "ping": 2_000,
                   "pipeline_jobs": 50},
         "quick": {"reps": 3, "enqueue": 500, "jobs": 400, "fork_jobs": 60,
                   "pipeline": 200, "http_seconds": 2.0, "ping": 20_000,
                   "pipeline_jobs": 200},
         "full": {"reps": 5, "enqueue": 5000, "jobs": 3000, "fork_jobs": 300,
                  "pipeline": 1000, "http_seconds": 10.0, "ping": 200_000,
                  "pipeline_jobs": 1000}}
CONNECTIONS = 50


def create_jobs(queue: Queue, func: str, items: list) -> list:
    """Enqueue func(item) per item as the lessons do: Kue-style ids, one round trip."""
    ids = next_ids(queue.connection, len(items))
    return queue.enqueue_many([Queue.prepare_data(func, (item,), job_id=job_id)
                               for job_id, item in zip(ids, items)])


class Bench:
    """The measurements, their Redis server and the rows of the table."""

    def __init__(self, size: str, url: str) -> None:
        """Measure against url with the given size of run."""
        self.size = SIZES[size]
        self.url = url
        self.env = lesson_env(REDIS_URL=url)
        os.environ["REDIS_URL"] = url
        self.client = redis.Redis.from_url(url)
        self.rows: list[tuple[str, str, str]] = []
        self.figures: dict[str, float] = {}

    def row(self, key: str, what: str, command: str, value: float, unit: str,
            extra: str = "") -> None:
        """Record one figure for the table."""
        self.figures[key] = value
        self.rows.append((what, f"`{command}`", f"{value:,.0f} {unit}{extra}"))

    def median(self, measure: Callable[[], float]) -> float:
        """Run measure reps times on a clean database; return the median."""
        values = []
        for _ in range(self.size["reps"]):
            flush(self.client)
            values.append(measure())
        return statistics.median(values)

    def enqueue_rates(self) -> None:
        """One enqueue per round trip vs one pipelined enqueue_many."""
        n = self.size["enqueue"]
        queue = Queue("bench", connection=self.client, serializer=JSONSerializer)

        def one_by_one() -> float:
            started = time.perf_counter()
            for _ in range(n):
                queue.enqueue("tools.bench.jobs.noop")
            return n / (time.perf_counter() - started)

        def pipelined() -> float:
            started = time.perf_counter()
            queue.enqueue_many([Queue.prepare_data("tools.bench.jobs.noop") for _ in range(n)])
            return n / (time.perf_counter() - started)

        self.row("enqueue", f"enqueue, one at a time ({n} jobs)", "queue.enqueue(f)",
                 self.median(one_by_one), "jobs/s")
        self.row("enqueue_many", f"enqueue_many, pipelined ({n} jobs)",
                 "queue.enqueue_many([...])", self.median(pipelined), "jobs/s")

    def worker_rate(self, mode: str, processes: int, jobs: int) -> float:
        """Queue jobs no-op jobs, run the worker set-up on them, return jobs/s."""
        def measure() -> float:
            if mode in ("lesson", "json"):  # the same Kue-style JSON jobs
                queue = Queue("bench", connection=self.client, serializer=JSONSerializer)
                create_jobs(queue, "tools.bench.jobs.noop", [None] * jobs)
            else:
                queue = Queue("bench", connection=self.client)
                queue.enqueue_many([Queue.prepare_data("tools.bench.jobs.noop")
                                    for _ in range(jobs)])
            runs = [subprocess.Popen([PYTHON, "-m", "tools.bench.worker_rate", mode,
                                      str(processes if mode == "lesson" else 1), "bench"],
                                     cwd=ROOT, env=self.env, stdout=subprocess.PIPE, text=True)
                    for _ in range(1 if mode == "lesson" else processes)]
            times = [json.loads(run.communicate(timeout=600)[0]) for run in runs]
            assert queue.count == 0, "jobs left behind"
            return jobs / (max(t["end"] for t in times) - min(t["start"] for t in times))
        return self.median(measure)

    def worker_rates(self) -> None:
        """No-op jobs through RQ's workers and through the project's set-up."""
        n, forks = self.size["jobs"], self.size["fork_jobs"]
        cases = [("fork", "RQ default forking Worker, 1 process", "rq worker (Worker)", 1, forks),
                 ("simple", "RQ SimpleWorker (no fork), 1 process", "rq worker -w SimpleWorker",
                  1, n),
                 ("simple2", "RQ SimpleWorker, 2 processes", "2 x rq worker -w SimpleWorker",
                  2, n),
                 ("json", "RQ SimpleWorker, JSON, 1 process", "rq worker --burst -w "
                  "rq.worker.SimpleWorker --serializer rq.serializers.JSONSerializer", 1, n),
                 ("lesson", "lessons' processor (SimpleWorker, **WORKER_SETTINGS, runs_only), "
                  "1 process", "SimpleWorker([...], **WORKER_SETTINGS).work()", 1, n),
                 ("lesson2", "lessons' processors, 2 processes (as 7-job_processor.py)",
                  "WorkerPool([...], num_workers=2)", 2, n)]
        for key, what, command, processes, jobs in cases:
            rate = self.worker_rate(key.rstrip("2"), processes, jobs)
            self.row(f"worker_{key}", f"{what} ({jobs} no-op jobs)", command, rate, "jobs/s")
        f = self.figures
        self.rows.append(("lessons' processor / RQ SimpleWorker, JSON, same jobs", "ratio",
                          f"{f['worker_lesson'] / f['worker_json']:.2f}x (target >= 0.9x)"))

    def notification_pipeline(self) -> None:
        """Jobs from creation to their last event through ./7-job_processor.py."""
        n = self.size["pipeline_jobs"]

        def measure() -> float:
            processor = Lesson("7-job_processor.py", env=self.env)
            try:
                wait_for_worker(self.client, "push_notification_code_2", count=2)
                queue = Queue("push_notification_code_2", connection=self.client,
                              serializer=JSONSerializer)
                listener = JobListener(queue, lambda event: None)
                items = [{"phoneNumber": f"41500{i:05d}", "message": "bench"}
                         for i in range(n)]
                started = time.perf_counter()
                ids = next_ids(self.client, n)
                listener.watch(ids)
                queue.enqueue_many([Queue.prepare_data(
                    "7-job_processor.process_notification", (item,), job_id=job_id,
                    on_success=Callback(job_completed), on_failure=Callback(job_failed))
                    for job_id, item in zip(ids, items)])
                assert listener.wait(timeout=600), "events missing"
                elapsed = time.perf_counter() - started
                listener.close()
                return n / elapsed
            finally:
                processor.stop()
        self.row("pipeline", f"notification pipeline, creator to last event ({n} jobs)",
                 "./7-job_processor.py + enqueue_many", self.median(measure), "jobs/s")

    def http(self, label: str, app: AppServer, path: str) -> dict:
        """Load one path for the configured time and return the summary."""
        load = str(ROOT / "tools" / "bench" / "load.py")
        run = subprocess.run([PYTHON, load, str(app.port), path,
                              str(CONNECTIONS), str(self.size["http_seconds"])],
                             capture_output=True, text=True, timeout=300)
        result = json.loads(run.stdout)
        result["rate"] = result["requests"] / result["seconds"]
        return result

    def slow_clients(self, key: str, command: str, app: AppServer) -> None:
        """20 ordinary requests while 40 clients trickle their headers a byte a second."""
        slow = SlowClients(app.port, 40)
        try:
            time.sleep(1.5)
            with ThreadPoolExecutor(max_workers=20) as pool:
                answers = list(pool.map(lambda _: self.timed_get(app, "/list_products/1"),
                                        range(20)))
        finally:
            slow.close()
        answered = [seconds for seconds in answers if seconds is not None]
        self.rows.append(("/list_products/1 x 20 beside 40 slow clients", f"`{command}`",
                          f"{len(answered)}/20 answered within 5 s, slowest "
                          f"{1000 * max(answered, default=0):.0f} ms"))
        self.figures[f"slow_{key}"] = len(answered)

    @staticmethod
    def timed_get(app: AppServer, path: str) -> float | None:
        """Seconds to answer path, or None if not answered within 5 s."""
        started = time.perf_counter()
        try:
            http_get(app.url(path), timeout=5)
        except OSError:
            return None
        return time.perf_counter() - started

    def http_load(self) -> None:
        """Dev server vs gunicorn for /list_products/1 and /reserve_product/1."""
        production = f"gunicorn {' '.join(PRODUCTION_SERVER)} '9-stock:create_app()'"
        for key, command in (("dev", "python3 9-stock.py"), ("prod", production)):
            flush(self.client)
            app = AppServer("9-stock.py", env=self.env, ready_path="/list_products",
                            production=key == "prod")
            try:
                self.slow_clients(key, command, app)
                for path in ("/list_products/1", "/reserve_product/1"):
                    result = self.http(key, app, path)
                    confirmed = result["statuses"].get("200", 0)
                    extra = (f", p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms")
                    if path.startswith("/reserve"):
                        reserved = int(self.client.get("item.1") or 0)
                        oversold = max(0, confirmed - 4) + max(0, reserved - 4)
                        extra += f", confirmed {confirmed}, oversold {oversold}"
                        self.figures[f"oversold_{key}"] = oversold
                    self.row(f"http_{key}_{path.split('/')[1]}",
                             f"{path}, {CONNECTIONS} connections, {self.size['http_seconds']:g} s",
                             command, result["rate"], "req/s", extra)
            finally:
                app.stop()
        threaded = f"gunicorn {' '.join(THREADED_SERVER)} '9-stock:create_app()'"
        app = AppServer("9-stock.py", env=self.env, ready_path="/list_products",
                        production=THREADED_SERVER)
        try:  # the threaded workers the README used before: why gevent
            self.slow_clients("threaded", threaded, app)
        finally:
            app.stop()
        f = self.figures
        self.rows.append(("production / dev, /list_products/1", "ratio",
                          f"{f['http_prod_list_products'] / f['http_dev_list_products']:.1f}x"
                          " (goal >= 2.5x; production p99 goal < 50 ms)"))

    def redis_ceiling(self) -> None:
        """The Redis server itself: one round trip per command, then pipelined."""
        n = self.size["ping"]
        client = redis.Redis.from_url(self.url)  # redis-py as installed (hiredis's parser)
        started = time.perf_counter()
        for _ in range(n // 20):
            client.incr("bench:counter")
        self.row("incr", f"INCR, one round trip each ({n // 20} commands)", "redis.incr(k)",
                 (n // 20) / (time.perf_counter() - started), "ops/s")
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for count in range(1, n + 1):
            pipe.ping()
            if count % self.size["pipeline"] == 0:
                pipe.execute()
        self.row("ping", f"PING, pipelined by {self.size['pipeline']} ({n} commands)",
                 "pipeline.ping()", n / (time.perf_counter() - started), "ops/s")

    def table(self) -> str:
        """Return the results as a markdown table."""
        lines = ["| measurement | command | result |", "|---|---|---|"]
        lines += [f"| {what} | {command} | {value} |" for what, command, value in self.rows]
        return "\n".join(lines)


def server_name(info: dict) -> str:
    """The server measured: Valkey says its own version beside the Redis one it matches."""
    if "valkey_version" in info:
        return f"valkey-server {info['valkey_version']}"
    return f"redis-server {info['redis_version']}"


def main() -> int:
    """Start a throwaway Redis, run every measurement, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run of seconds, not minutes")
    parser.add_argument("--smoke", action="store_true", help="tiny counts: does it all run?")
    args = parser.parse_args()
    size = "smoke" if args.smoke else "quick" if args.quick else "full"
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, Path(tempfile.mkdtemp(prefix="bench-redis-")))
    bench = Bench(size, f"redis://127.0.0.1:{port}/0")
    try:
        info = bench.client.info("server")
        print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{server_name(info)}, {size} run "
              f"(median of {bench.size['reps']})\n", flush=True)
        for measure in (bench.enqueue_rates, bench.worker_rates, bench.notification_pipeline,
                        bench.http_load, bench.redis_ceiling):
            measure()
        print(bench.table())
        why_not = node_ready()
        if why_not:
            print(f"\nKue + Express: skipped ({why_not})")
        else:
            sides = Sides(bench.url, bench.env, bench.size["reps"], bench.size["pipeline_jobs"],
                          bench.size["http_seconds"])
            sides.measure()
            print("\nBeside the original stack, Kue 0.11.6 + Express + node's redis client "
                  "(tools/bench/kue/), same run, same server:\n")
            print(sides.table())
    finally:
        bench.client.close()
        embedded_redis.stop_server(pid)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
