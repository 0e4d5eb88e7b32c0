"""Job functions the tests enqueue; real worker processes import them from here."""
import os
import time

from rq import get_current_job


def wait_for_twin(key: str, deadline: float = 5.0) -> int:
    """Count in at key, then wait until a second job has counted in too.

    Both jobs complete only if they run at the same time; one at a time, the
    first fails after deadline seconds.
    """
    connection = get_current_job().connection
    connection.incr(key)
    stop = time.monotonic() + deadline
    while int(connection.get(key)) < 2:
        if time.monotonic() > stop:
            raise TimeoutError("my twin never ran beside me")
        time.sleep(0.01)
    return 2


def slow_job(key: str, seconds: float) -> str:
    """Mark key as started, work for seconds, then print and return 'finished'."""
    connection = get_current_job().connection
    connection.set(key, "started")
    time.sleep(seconds)
    connection.set(key, "finished")
    print("slow job finished", flush=True)
    return "finished"


def count_done(key: str, seconds: float = 0.0) -> None:
    """Work for seconds, then count this job as done once more in the hash key."""
    job = get_current_job()
    job.connection.hset(f"{key}:pids", job.id, os.getpid())
    time.sleep(seconds)
    job.connection.hincrby(key, job.id)


def exit_process(code: int = 3) -> None:
    """End the process running the job at once, as a crash in a C extension would."""
    os._exit(code)
