"""The project beside the original stack (Kue 0.11.6, Express, node's redis client), in one
run, on the same Redis server: the workloads a student feels, interleaved, medians.

The Kue side is the curriculum's files written from its task descriptions
(tools/bench/kue/), installed from the npm registry into tools/bench/kue/node_modules
the first time (``make kue``, which ``make test`` and ``make bench`` run first); without
node and npm the comparison is skipped with one line.
"""
import contextlib
import importlib
import json
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.events import JobListener, job_completed, job_failed
from kuestyle.ids import next_ids
from kuestyle.settings import JOB_DATA_OPTIONS
from tools.embedded_redis import free_port
from tools.lesson_processes import (PYTHON, ROOT, AppServer, Lesson, http_get, run_lesson,
                                    wait_for_worker)

KUE = Path(__file__).resolve().parent / "kue"


def flush(client: redis.Redis) -> None:
    """Empty the database now: FLUSHDB SYNC.  Valkey 8+ frees a plain FLUSHDB in the
    background (lazyfree-lazy-user-flush), so memory read next was still falling, and
    memory per job came out negative."""
    client.execute_command("FLUSHDB", "SYNC")


def node_ready() -> str | None:
    """Install the Kue side if node and npm are here; None when ready, else why not."""
    if not (shutil.which("node") and shutil.which("npm")):
        return "node and npm not found"
    stamp = KUE / "node_modules" / ".installed"
    if not stamp.exists() or stamp.stat().st_mtime < (KUE / "package.json").stat().st_mtime:
        proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=KUE, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            return f"npm install failed: {proc.stderr.strip().splitlines()[-1:]}"
        stamp.touch()
    return None


def wait_for_app(url: str, app: Lesson) -> None:
    """Wait until the app at url answers (15 s at most)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            http_get(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline or app.proc.poll() is not None:
                raise TimeoutError(f"{app.name} did not start: {app.errors}")
            time.sleep(0.05)


def task_7_jobs(count: int) -> list[dict]:
    """count of task 7's jobs, cycling through its eleven (two are blacklisted)."""
    jobs = importlib.import_module("7-job_creator").JOBS
    return [jobs[i % len(jobs)] for i in range(count)]


class Sides:
    """Each workload measured on the project and on Kue against one Redis."""

    def __init__(self, url: str, env: dict[str, str], reps: int, jobs: int,
                 http_seconds: float) -> None:
        """Measure against url; reps per figure, jobs for the larger runs."""
        self.url, self.env, self.reps, self.jobs = url, env, reps, jobs
        self.http_seconds = http_seconds
        self.client = redis.Redis.from_url(url)
        self.rows: list[tuple[str, str, str, str]] = []

    def median(self, measure: Callable[[], float]) -> float:
        """measure() reps times on a flushed database; the median."""
        values = []
        for _ in range(self.reps):
            flush(self.client)
            values.append(measure())
        return statistics.median(values)

    def node(self, script: str, *args: str, background: bool = False):
        """Run (or start) one of the Kue side's scripts."""
        argv = ["node", str(KUE / script), *args]
        if background:
            return Lesson(script, argv=argv, env=self.env)
        return subprocess.run(argv, cwd=KUE, env=self.env, capture_output=True, text=True,
                              timeout=600)

    def row(self, what: str, kue: float, project: float, unit: str, fmt: str = "{:,.2f}",
            lower_is_better: bool = True) -> None:
        """One line of the comparison: both figures and how the project compares."""
        ratio = project / kue if kue else float("inf")
        if lower_is_better:  # a time, a count, a size: more is worse
            verdict = f"{ratio:.1f}x more" if ratio > 1 else f"{1 / ratio:.1f}x less"
        else:
            verdict = f"{ratio:.2f}x"
        unit = f" {unit}" if unit else ""
        self.rows.append((what, f"{fmt.format(kue)}{unit}", f"{fmt.format(project)}{unit}",
                          verdict))

    @contextlib.contextmanager
    def processor(self, side: str, number: int) -> Iterator[None]:
        """Task number's processor on one side, listening, for the block."""
        processor = (self.node(f"{number}-job_processor.js", background=True) if side == "kue"
                     else Lesson(f"{number}-job_processor.py", env=self.env))
        try:
            if side == "kue":
                time.sleep(0.5)  # Kue's worker has no registry to wait for; let it poll
            else:
                queue = f"push_notification_code{'' if number == 6 else '_2'}"
                wait_for_worker(self.client, queue, count=1 if number == 6 else 2)
            yield
        finally:
            processor.stop()

    def creator(self, side: str, number: int, *args: str) -> None:
        """Run task number's creator on one side to its end."""
        proc = (self.node(f"{number}-job_creator.js", *args) if side == "kue"
                else run_lesson(f"{number}-job_creator.py", env=self.env, timeout=60))
        assert proc.returncode == 0, proc.stderr

    # Each measure returns seconds (or a count) for one side.
    def creator_exit(self, side: str, number: int) -> float:
        """Seconds from a creator's start to its exit, its processor running."""
        with self.processor(side, number):
            started = time.perf_counter()
            self.creator(side, number)
            return time.perf_counter() - started

    def many_jobs(self, side: str) -> float:
        """Seconds for self.jobs task-7 jobs, from the creator's start to the last outcome."""
        with self.processor(side, 7):
            started = time.perf_counter()
            if side == "kue":
                self.creator(side, 7, str(self.jobs), "quiet")
                return time.perf_counter() - started
            queue = Queue("push_notification_code_2", connection=self.client,
                          serializer=JSONSerializer)
            listener = JobListener(queue, lambda event: None)
            ids = next_ids(self.client, self.jobs)
            listener.watch(ids)
            queue.enqueue_many(self.task_7_data(ids))
            assert listener.wait(timeout=600), "events missing"
            listener.close()
            return time.perf_counter() - started

    def commands_per_job(self, side: str) -> float:
        """Redis commands per job for task 7's eleven jobs (creator, processor, events)."""
        with self.processor(side, 7):
            before = self.client.info("stats")["total_commands_processed"]
            self.creator(side, 7)
            after = self.client.info("stats")["total_commands_processed"]
            return (after - before - 1) / 11  # less the INFO that reads the first count

    def memory_per_job(self, side: str) -> tuple[float, float]:
        """Bytes of Redis memory per queued job, then per finished job (task 7's jobs)."""
        base = self.client.info("memory")["used_memory"]
        creator = None
        if side == "kue":
            creator = self.node("7-job_creator.js", str(self.jobs), "quiet", background=True)
            deadline = time.monotonic() + 60
            while self.client.zcard("q:jobs:push_notification_code_2:inactive") < self.jobs:
                assert time.monotonic() < deadline, "Kue jobs not queued"
                time.sleep(0.05)
        else:
            queue = Queue("push_notification_code_2", connection=self.client,
                          serializer=JSONSerializer)
            queue.enqueue_many(self.task_7_data(next_ids(self.client, self.jobs)))
        queued = (self.client.info("memory")["used_memory"] - base) / self.jobs
        processor = (self.node("7-job_processor.js", background=True) if side == "kue"
                     else Lesson("7-job_processor.py", env=self.env))
        try:
            deadline = time.monotonic() + 600
            while self.ended(side) < self.jobs:
                assert time.monotonic() < deadline, "jobs not finished"
                time.sleep(0.05)
            finished = (self.client.info("memory")["used_memory"] - base) / self.jobs
        finally:
            processor.stop()
            if creator:
                creator.stop()
        return queued, finished

    def ended(self, side: str) -> int:
        """How many task 7 jobs completed or failed."""
        if side == "kue":
            return sum(self.client.zcard(f"q:jobs:push_notification_code_2:{state}")
                       for state in ("complete", "failed"))
        queue = Queue("push_notification_code_2", connection=self.client)
        return queue.finished_job_registry.count + queue.failed_job_registry.count

    def task_7_data(self, ids: list[str]) -> list:
        """Task 7's jobs as 7-job_creator.py enqueues them."""
        return [Queue.prepare_data("7-job_processor.process_notification", (data,),
                                   job_id=job_id, **JOB_DATA_OPTIONS,
                                   on_success=Callback(job_completed),
                                   on_failure=Callback(job_failed))
                for job_id, data in zip(ids, task_7_jobs(len(ids)))]

    def noop_rate(self, side: str) -> float:
        """No-op jobs a second through one worker process (the lessons' processor class)."""
        if side == "kue":
            assert self.node("noop_create.js", str(self.jobs)).returncode == 0
            proc = self.node("noop_worker.js", str(self.jobs))
        else:
            queue = Queue("bench", connection=self.client, serializer=JSONSerializer)
            queue.enqueue_many([Queue.prepare_data("tools.bench.jobs.noop", job_id=job_id)
                                for job_id in next_ids(self.client, self.jobs)])
            proc = subprocess.run([PYTHON, "-m", "tools.bench.worker_rate", "lesson", "1",
                                   "bench"], cwd=ROOT, env=self.env, capture_output=True,
                                  text=True, timeout=600)
        times = json.loads(proc.stdout)
        return self.jobs / (times["end"] - times["start"])

    def seats(self, side: str) -> float:
        """Seconds from /process to the 50th completed seat, 50 reservations queued."""
        if side == "kue":
            port = free_port()
            app = Lesson("100-seat.js", argv=["node", str(KUE / "100-seat.js")],
                         env={**self.env, "PORT": str(port)})
            url = f"http://127.0.0.1:{port}"
            wait_for_app(url + "/available_seats", app)
        else:
            app = AppServer("100-seat.py", env=self.env, ready_path="/available_seats")
            url = app.url("")
        try:
            time.sleep(1)  # the project's consumer starts with the app
            for _ in range(50):
                http_get(url + "/reserve_seat")
            started = time.perf_counter()
            http_get(url + "/process")
            app.wait_for(lambda lines: sum(line.endswith(" completed") for line in lines)
                         >= 50, timeout=60, what="50 seats")
            return time.perf_counter() - started
        finally:
            app.stop()

    def stock(self, side: str) -> tuple[float, int]:
        """9-stock: /list_products/1 requests a second with 50 connections, then how many of
        200 simultaneous reservations of item 1 (4 in stock) were confirmed."""
        port = free_port()
        if side == "kue":
            app = Lesson("9-stock.js", argv=["node", str(KUE / "9-stock.js")],
                         env={**self.env, "PORT": str(port)})
        else:
            app = AppServer("9-stock.py", env=self.env, port=port, ready_path="/list_products")
        try:
            wait_for_app(f"http://127.0.0.1:{port}/list_products", app)
            load = subprocess.run([PYTHON, str(ROOT / "tools" / "bench" / "load.py"), str(port),
                                   "/list_products/1", "50", str(self.http_seconds)],
                                  capture_output=True, text=True, timeout=300)
            result = json.loads(load.stdout)
            url = f"http://127.0.0.1:{port}/reserve_product/1"
            with ThreadPoolExecutor(max_workers=200) as pool:
                answers = list(pool.map(lambda _: http_get(url), range(200)))
            confirmed = sum('"Reservation confirmed"' in body.replace(": ", ":")
                            for _, body, _ in answers)
            return result["requests"] / result["seconds"], confirmed
        finally:
            app.stop()

    def measure(self) -> None:
        """Every workload, the two sides interleaved, rep by rep."""
        for number in (6, 7):
            jobs = "1 job" if number == 6 else "11 jobs"
            kue = self.median(lambda: self.creator_exit("kue", number))
            project = self.median(lambda: self.creator_exit("project", number))
            self.row(f"task {number}, {jobs}, creator start to exit, processor running",
                     kue, project, "s")
        self.row(f"task 7, {self.jobs:,} jobs, creation to the last outcome",
                 self.median(lambda: self.many_jobs("kue")),
                 self.median(lambda: self.many_jobs("project")), "s")
        self.row("Redis commands per job, task 7",
                 self.median(lambda: self.commands_per_job("kue")),
                 self.median(lambda: self.commands_per_job("project")), "", "{:.1f}")
        self.row(f"no-op jobs/s, one worker process ({self.jobs:,} jobs)",
                 self.median(lambda: self.noop_rate("kue")),
                 self.median(lambda: self.noop_rate("project")), "jobs/s", "{:,.0f}",
                 lower_is_better=False)
        kue_memory, project_memory = [], []
        for _ in range(self.reps):
            flush(self.client)
            kue_memory.append(self.memory_per_job("kue"))
            flush(self.client)
            project_memory.append(self.memory_per_job("project"))
        for index, state in enumerate(("queued", "finished")):
            self.row(f"memory per {state} job ({self.jobs:,} task-7 jobs)",
                     statistics.median(m[index] for m in kue_memory) / 1024,
                     statistics.median(m[index] for m in project_memory) / 1024, "KB")
        self.row("100-seat: /process to the 50th seat",
                 1000 * self.median(lambda: self.seats("kue")),
                 1000 * self.median(lambda: self.seats("project")), "ms", "{:,.0f}")
        flush(self.client)
        kue_rate, kue_confirmed = self.stock("kue")
        flush(self.client)
        project_rate, project_confirmed = self.stock("project")
        self.row(f"9-stock /list_products/1, 50 connections, {self.http_seconds:g} s "
                 "(project: development server)", kue_rate, project_rate, "req/s", "{:,.0f}",
                 lower_is_better=False)
        self.rows.append(("9-stock: reservations confirmed of 4 in stock, 200 at once",
                          str(kue_confirmed), str(project_confirmed),
                          "exact" if project_confirmed == 4 else "OVERSOLD"))

    def table(self) -> str:
        """The comparison as a markdown table."""
        lines = ["| workload | Kue / Express | project | project / Kue |", "|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


if __name__ == "__main__":
    WHY_NOT = node_ready()
    if WHY_NOT:
        print(f"Kue + Express: the benchmark will skip them ({WHY_NOT})")
