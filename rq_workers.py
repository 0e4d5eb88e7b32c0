#!/usr/bin/env python3
"""Run the lessons' RQ workers, and tell whether any worker listens on a queue.

A lesson's processor calls ``run_worker``: it checks Redis (one-line error and
exit 1 if it is unreachable), keeps RQ's log lines off stdout, imports the job
module once up front, and runs ``processes`` non-forking RQ workers
(``LessonWorker``).  One process runs one job at a time, so ``processes=2``
runs two at a time, like Kue's ``queue.process(name, 2, ...)``.  If Redis
goes away, the workers wait for it and hand back the jobs it caught in flight.

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
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.timeouts import TimerDeathPenalty
from rq.utils import as_text

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


class LessonQueue(Queue):
    """RQ's queue, able to hand back a job that a Redis outage caught in flight.

    A worker takes a job in two steps: LMOVE moves its id to an in-flight
    list, then the job is fetched.  The id is noted at the first step, so if
    Redis goes away before the job's outcome is recorded (even between the two
    steps, where RQ itself would leave it stuck), ``hand_back`` can return it.
    """

    last_taken: str | None = None
    interrupted = False

    @classmethod
    def lmove(cls, connection: redis.Redis, queue_key: str, timeout: int | None):
        """Move the next job id to the in-flight list, and note it."""
        result = super().lmove(connection, queue_key, timeout)
        if result is not None:
            LessonQueue.last_taken = as_text(result[1])
        return result

    @classmethod
    def dequeue_any(cls, *args: object, **kwargs: object):
        """Dequeue as RQ does; first hand back a job an outage left in flight."""
        try:
            if LessonQueue.interrupted:
                hand_back(kwargs["connection"], args[0])
            return super().dequeue_any(*args, **kwargs)
        except redis.exceptions.ConnectionError:
            LessonQueue.interrupted = True
            raise


def hand_back(connection: redis.Redis, queues: list[Queue]) -> None:
    """After a Redis outage, return the jobs it caught in flight to their queues.

    First the job this process last took, if Redis never got its outcome;
    then any job left in a queue's in-flight list that no worker started.
    """
    job_id, LessonQueue.last_taken = LessonQueue.last_taken, None
    LessonQueue.interrupted = False
    if job_id is not None:
        _hand_back_job(connection, job_id)
    for queue in queues:
        _hand_back_unstarted(connection, queue)


def _hand_back_job(connection: redis.Redis, job_id: str) -> None:
    """Return a job this process took whose outcome Redis never recorded.

    A job that never started (status still queued, even if RQ had already
    put it in the started registry) leaves the in-flight list and the
    registry and goes back to the front of its queue.  A job that started is
    given an expired entry in the started registry, and RQ's own clean-up does
    what it does for a crashed worker's job: the failure callback, then a
    retry if the job has retries left, else failed.  So it may run again:
    delivery is at least once.
    """
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return
    queue = Queue(job.origin, connection=connection)
    status = job.get_status()
    if status not in (JobStatus.QUEUED, JobStatus.STARTED) \
            or connection.lpos(queue.key, job.id) is not None:
        return
    registry = job.started_job_registry
    mine = [member for member in connection.zrange(registry.key, 0, -1)
            if member.decode().startswith(f"{job.id}:")]
    removed = connection.lrem(queue.intermediate_queue_key, 0, job.id)
    if status == JobStatus.QUEUED:
        if mine:
            connection.zrem(registry.key, *mine)
        if removed or mine:
            queue.push_job_id(job.id, at_front=True)
        return
    connection.zadd(registry.key, {member: 0 for member in mine or [f"{job.id}:interrupted"]})
    registry.cleanup()


def _hand_back_unstarted(connection: redis.Redis, queue: Queue, settle: float = 1.0) -> None:
    """Requeue ids that stay in the queue's in-flight list, unstarted, for settle seconds.

    A worker whose LMOVE ran but whose reply an outage lost never learns the
    id.  RQ requeues such ids after seeing them stuck for a minute; a job a
    live worker just took is started within milliseconds, so a second look
    after settle seconds tells the two apart.  Only the process whose LREM
    removed an id pushes it back, so several processes can do this at once.
    """
    def unstarted() -> set[bytes]:
        started = {member.split(b":")[0]
                   for member in connection.zrange(queue.started_job_registry.key, 0, -1)}
        return set(connection.lrange(queue.intermediate_queue_key, 0, -1)) - started

    suspects = unstarted()
    if not suspects:
        return
    time.sleep(settle)
    for job_id in suspects & unstarted():
        if connection.lrem(queue.intermediate_queue_key, 0, job_id):
            queue.push_job_id(job_id.decode(), at_front=True)


class LessonWorker(SimpleWorker):
    """RQ's non-forking worker, renewing its own key at most once a second.

    RQ renews a worker's key (HSET, then EXPIRE: two round trips) three times
    per job, although the key lives ``worker_ttl`` seconds.  Renewing it once
    a second, in one round trip, keeps it just as alive; renewals that ride
    in one of RQ's own pipelines cost nothing and always go through.
    """

    queue_class = LessonQueue
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
    """Run a worker until it is stopped; return the exit status.

    RQ's worker quits when Redis goes away in the middle of its loop.  Unless
    it was asked to stop, wait for Redis to come back, hand the job it was
    running back (``hand_back``), and start a fresh worker: a restart of Redis is
    something to ride out, not a reason for a processor to die.
    """
    while True:
        worker = setup["class"](queue_names, connection=connection, **setup["options"])
        try:
            worker.work(**options)
        except redis.exceptions.ConnectionError:
            pass
        except SystemExit as stop:  # RQ's cold shutdown
            return stop.code if isinstance(stop.code, int) else 0
        if worker._shutdown_requested_date or worker._stop_requested or options.get("burst"):
            return 0
        if not _wait_for_redis(connection):
            return 0
        hand_back(connection, worker.queues)


def _wait_for_redis(connection: redis.Redis) -> bool:
    """Wait until Redis answers again (True), or until Ctrl-C or SIGTERM (False)."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print("Redis connection lost: waiting for the server to come back", file=sys.stderr,
          flush=True)
    while not stop.wait(0.5):
        try:
            connection.ping()
            return True
        except redis.exceptions.ConnectionError:
            continue
    return False


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
    # One write per line, even under PYTHONUNBUFFERED (which writes a line's
    # text and its newline separately): worker processes share stdout, and
    # separate writes from two of them can interleave mid-line.
    sys.stdout.reconfigure(line_buffering=True, write_through=False)
    if processes == 1:
        return _work(queue_names, connection, setup, dict(options))
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
