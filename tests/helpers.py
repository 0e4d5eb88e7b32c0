"""Helpers for the tests: lessons run as processes, imported, and described on failure."""
import importlib
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

from tools.lesson_processes import (PYTHON, ROOT, AppServer, Lesson, SlowClients,  # noqa: F401
                                    http_get, lesson_env, run_lesson, wait_for_worker)


def import_lesson(name: str) -> ModuleType:
    """Import a numbered lesson file (for example "1-redis_op") by its file name."""
    return importlib.import_module(name)


def describe(proc: subprocess.CompletedProcess) -> str:
    """Say what was run and what came back, for a failure message."""
    return (f"ran: {' '.join(map(str, proc.args))}\nexit: {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")


def hammer(urls: list[str], concurrency: int = 50) -> list[tuple[int, str, str]]:
    """GET every url, concurrency at a time, and return the answers in order."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(http_get, urls))


def listening_address(pid: int, port: int) -> str | None:
    """Return the address the process pid listens on at port, if any."""
    import psutil
    for connection in psutil.Process(pid).net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            return connection.laddr.ip
    return None


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll condition with a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)


def expire_heartbeats(connection, queue_name: str, job_ids=None) -> int:
    """Make the running jobs of the queue (those of job_ids, or all) look as if their
    heartbeat had expired, as it would RQ's minute later (docs/RECOVERY.md): their entries
    in RQ 2.12's started registry, a sorted set scored by expiry time (``<job id>:<run>``),
    are scored 1 s after the epoch.  For a test whose point is what happens after that
    minute, not the minute itself, which other tests measure."""
    from rq import Queue
    key = Queue(queue_name, connection=connection).started_job_registry.key
    entries = [entry for entry in connection.zrange(key, 0, -1) if job_ids is None
               or entry.decode().partition(":")[0] in job_ids]
    if entries:
        connection.zadd(key, dict.fromkeys(entries, 1), xx=True)
    return len(entries)


def age_stranded_jobs(connection, queue_name: str, seen: dict) -> None:
    """Make a job a crash stranded in RQ's in-flight list (its BLMOVE reply lost: taken,
    never started) look as if a tidy-up first saw it a minute ago, so that the next tidy-up
    hands it back (docs/RECOVERY.md; tests/test_faults.py's in-flight test measures the
    minute itself).  Only an id found in the list twice, 2 s apart, counts as stranded: a
    worker moves a job it got out of the list at once.  seen: id -> when first found."""
    from rq import Queue
    in_flight = Queue(queue_name, connection=connection).intermediate_queue
    now = time.monotonic()
    for job_id in in_flight.get_job_ids():
        if now - seen.setdefault(job_id, now) >= 2:
            connection.set(in_flight.get_first_seen_key(job_id), time.time() - 120, ex=86400)
