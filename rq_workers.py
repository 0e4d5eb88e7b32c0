#!/usr/bin/env python3
"""Run the lessons' RQ workers, and tell whether any worker listens on a queue.

A lesson's processor calls ``run_worker``: it checks Redis (one-line error and
exit 1 if it is unreachable), keeps RQ's log lines off stdout, imports the job
module once up front, and runs ``processes`` non-forking RQ workers
(``LessonWorker``).  One
process runs one job at a time, so ``processes=2`` runs two at a time, like
Kue's ``queue.process(name, 2, ...)``.

Stopping: Ctrl-C or SIGTERM is a warm shutdown (each worker finishes its
running job, then exits 0); a second one within a job is a cold shutdown.
"""
import ctypes
import importlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from types import FrameType

import redis
from rq import Queue, SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from redis_connection import connect, fail_not_connected

LOG_LEVEL_VARIABLE = "RQ_LOG_LEVEL"
PR_SET_PDEATHSIG = 1


def route_rq_logs() -> None:
    """Send RQ's log lines to stderr, quiet unless $RQ_LOG_LEVEL (e.g. INFO) asks for them.

    RQ adds its own stdout handler only when the ``rq`` logger has none, so one
    handler here keeps stdout for the lesson's own lines.
    """
    logger = logging.getLogger("rq")
    if any(getattr(h, "lesson_handler", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.lesson_handler = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
    handler.setLevel(os.environ.get(LOG_LEVEL_VARIABLE, "CRITICAL").upper())
    logger.addHandler(handler)
    logger.propagate = False


class LessonWorker(SimpleWorker):
    """RQ's non-forking worker, renewing its own key at most once a second.

    RQ renews a worker's key (HSET, then EXPIRE: two round trips) three times
    per job, although the key lives ``worker_ttl`` seconds.  Renewing it once
    a second, in one round trip, keeps it just as alive; renewals that ride
    in one of RQ's own pipelines cost nothing and always go through.
    """

    renew_every = 1.0
    _renewed_at = float("-inf")

    def heartbeat(self, timeout: int | None = None, pipeline: object = None) -> None:
        """Renew the worker's key, unless it was renewed less than a second ago."""
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)
            return
        if time.monotonic() - self._renewed_at < self.renew_every:
            return
        self._renewed_at = time.monotonic()
        with self.connection.pipeline() as own:
            super().heartbeat(timeout, own)
            own.execute()


def live_workers(queue: Queue) -> list[Worker]:
    """Return the workers really listening on queue.

    ``Worker.all`` still lists a SIGKILLed worker until its key expires; a live
    worker is one whose command channel has a subscriber.
    """
    workers = Worker.all(queue=queue)
    if not workers:
        return []
    counts = queue.connection.pubsub_numsub(*[w.pubsub_channel_name for w in workers])
    alive = {name.decode() if isinstance(name, bytes) else name
             for name, count in counts if count}
    return [w for w in workers if w.pubsub_channel_name in alive]


def _work(queue_names: list[str], connection: redis.Redis, setup: dict,
          options: dict) -> int:
    """Run one worker until it is stopped; return the exit status."""
    worker = setup["class"](queue_names, connection=connection, **setup["options"])
    try:
        worker.work(**options)
    except redis.exceptions.ConnectionError as error:
        fail_not_connected(error)
    return 0


def _die_with_parent() -> None:
    """Ask Linux to send this child SIGTERM (a warm stop) if its parent dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _run_children(queue_names: list[str], connection: redis.Redis, processes: int,
                  setup: dict, options: dict) -> int:
    """Fork processes workers, pass each stop signal on once, and wait for them all."""
    children = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            # Own process group: a terminal's Ctrl-C reaches only the parent,
            # which passes it on once, so it is never counted twice.
            os.setpgid(0, 0)
            _die_with_parent()
            code = 1
            try:
                code = _work(queue_names, connection, setup, dict(options))
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 0
            finally:
                sys.stdout.flush()
                os._exit(code)
        children.append(pid)

    def forward(signum: int, frame: FrameType | None) -> None:
        """Pass a stop signal on to every worker process."""
        for child in children:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    status = 0
    for child in children:
        _, code = os.waitpid(child, 0)
        status = status or os.waitstatus_to_exitcode(code)
    return 0 if status < 0 else status


def run_worker(queue_names: Iterable[str], preload: Iterable[str] = (),
               processes: int = 1, worker_class: type[Worker] = LessonWorker,
               worker_options: dict | None = None, **options: object) -> int:
    """Work on the queues until stopped and return the exit status for sys.exit.

    preload names the modules the jobs live in ("7-job_processor"), imported
    once here instead of once per job.  worker_class is non-forking by default;
    worker_options go to its constructor (``worker_ttl``, ``maintenance_interval``)
    and options to ``work`` (for example ``with_scheduler=True``).
    """
    setup = {"class": worker_class, "options": worker_options or {}}
    queue_names = list(queue_names)
    connection = connect(decode=False, announce=False)
    route_rq_logs()
    for module in preload:
        importlib.import_module(module)
    sys.stdout.reconfigure(line_buffering=True)
    options.setdefault("logging_level", None)
    if processes == 1:
        try:
            return _work(queue_names, connection, setup, dict(options))
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else 0
    return _run_children(queue_names, connection, processes, setup, options)


class ThreadWorker(LessonWorker):
    """A non-forking RQ worker that can run in a thread of a web app.

    Only the main thread may install signal handlers or use SIGALRM, so this
    worker installs none, times jobs out with a timer, and checks every second
    whether ``stop()`` was called (it then finishes its running job first).
    """

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """Leave signals to the app that hosts this worker."""

    def dequeue_job_and_maintain_ttl(self, timeout: int | None,
                                     max_idle_time: int | None = None):
        """Wait for a job one second at a time, returning None once stop() was called."""
        while not self._stop_requested:
            result = super().dequeue_job_and_maintain_ttl(1, max_idle_time=1)
            if result is not None:
                return result
        return None

    def stop(self) -> None:
        """Ask the worker to stop after its running job (a warm shutdown)."""
        self._stop_requested = True


def start_worker_thread(queue_names: list[str], connection: redis.Redis,
                        timeout: float = 5.0) -> tuple[ThreadWorker, threading.Thread]:
    """Start a ThreadWorker in a daemon thread; return once it listens on its queues."""
    route_rq_logs()
    worker = ThreadWorker(queue_names, connection=connection)
    thread = threading.Thread(target=worker.work, kwargs={"logging_level": None},
                              name=f"rq-{worker.name}", daemon=True)
    thread.start()
    queue = Queue(queue_names[0], connection=connection)
    deadline = time.monotonic() + timeout
    while worker.name not in {w.name for w in live_workers(queue)}:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the worker for {queue_names} did not start")
        time.sleep(0.01)
    return worker, thread
