"""Fault injection: Redis restarts, killed workers, load, hostile input, exposure."""
import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Queue, Retry
from rq.job import Job

import embedded_redis
from job_events import create_jobs
from tests.helpers import (describe, hammer, import_lesson, lesson_env, listening_address,
                           run_lesson, wait_for_worker)

pytestmark = pytest.mark.slow


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll condition with a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)


@pytest.fixture
def aof_redis(tmp_path):
    """A Redis with the AOF fsynced on every write, that a test may kill and restart."""
    port = embedded_redis.free_port()
    options = dict(appendonly=True, extra=("--appendfsync", "always"))
    server = {"port": port, "url": f"redis://127.0.0.1:{port}/0",
              "pid": embedded_redis.start_server(port, tmp_path, **options)}

    def restart() -> None:
        server["pid"] = embedded_redis.start_server(port, tmp_path, **options)

    server["restart"] = restart
    yield server
    if server["pid"]:
        embedded_redis.stop_server(server["pid"])


def test_redis_killed_mid_run_loses_no_job_and_apps_recover(aof_redis, background, serve_app):
    env = lesson_env(REDIS_URL=aof_redis["url"])
    client = redis.Redis.from_url(aof_redis["url"])
    jobs = create_jobs(Queue("faults", connection=client), "tests.jobs.count_done",
                       ["done"] * 1000, retry=Retry(max=3))
    app = serve_app("9-stock.py", env=env, ready_path="/list_products")
    background("7-job_processor.py", "faults", env=env)
    wait_until(lambda: client.hlen("done") > 100, 30, "a hundred jobs done")

    client.close()
    import os
    os.kill(aof_redis["pid"], signal.SIGKILL)
    os.waitpid(aof_redis["pid"], 0)
    aof_redis["pid"] = None
    status, text, _ = app.get("/list_products/1")
    assert (status, json.loads(text)) == (503, {"status": "Redis unavailable"})
    time.sleep(1)
    aof_redis["restart"]()

    assert app.get("/reserve_product/1")[0] == 200
    client = redis.Redis.from_url(aof_redis["url"])
    assert all(Job.exists(job.id, connection=client) for job in jobs)
    wait_until(lambda: client.hlen("done") == 1000, 60, "all 1000 jobs done")
    statuses = {Job.fetch(job.id, connection=client).get_status().value for job in jobs}
    assert statuses == {"finished"}
    client.close()
