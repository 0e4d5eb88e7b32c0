"""Lesson 112: at most 10 job starts in any second, across worker processes."""
import re
import signal
import time

import pytest
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.rate_limit import Limit, wait_for_a_slot
from tests.helpers import describe, lesson_env, run_lesson, wait_for_worker
from tools import embedded_redis

SENT = re.compile(r"Sent notification (\d+)")
SUMMARY = re.compile(r"(\d+) sent, (\d+) failed; first to last start (\d+\.\d) s, "
                     r"at most (\d+) in any one second")


def start_times(connection, count: int) -> list[int]:
    """Each job's start (ms, Redis's clock), as the job itself recorded it."""
    jobs = Job.fetch_many([str(n) for n in range(1, count + 1)], connection,
                          serializer=JSONSerializer)
    assert all(job and job.get_status().value == "finished" for job in jobs), \
        [job and (job.id, job.get_status()) for job in jobs if not job or not job.is_finished]
    return sorted(job.meta["started_ms"] for job in jobs)


def assert_never_more_than_ten_in_a_second(starts: list[int]) -> None:
    """Any 11 consecutive starts span at least 1,000 ms: no window of 1 s holds 11."""
    crowded = [(a, b) for a, b in zip(starts, starts[10:]) if b - a < 1000]
    assert crowded == [], f"11 starts within a second: {crowded[:3]}"


def assert_each_sent_once(workers, count: int) -> None:
    sent = sorted(int(SENT.fullmatch(line).group(1)) for w in workers for line in w.lines)
    assert sent == list(range(1, count + 1)), sent


def test_over_the_limit_a_start_waits_for_the_oldest_to_leave_the_window(rq_connection):
    limit = Limit("test:starts", limit=3, per_ms=400)
    began = time.monotonic()
    starts = [wait_for_a_slot(rq_connection, limit, f"job-{n}") for n in range(7)]
    assert all(b - a >= 400 for a, b in zip(starts, starts[3:])), starts
    assert time.monotonic() - began >= 0.8  # 7 starts at 3 per 400 ms: two full waits
    assert 0 < rq_connection.pttl("test:starts") <= 400  # the log expires with its window


@pytest.mark.slow
def test_two_hundred_jobs_two_workers_ten_a_second(background, rq_connection):
    workers = [background("112-rate_limit_worker.py") for _ in range(2)]
    wait_for_worker(rq_connection, "sms_provider", count=2)
    proc = run_lesson("112-rate_limit.py", "200", timeout=90)
    assert proc.returncode == 0 and proc.stderr == "", describe(proc)
    summary = SUMMARY.fullmatch(proc.stdout.splitlines()[-1])
    assert summary and summary.group(1, 2, 4) == ("200", "0", "10"), describe(proc)
    starts = start_times(rq_connection, 200)
    assert_never_more_than_ten_in_a_second(starts)
    assert starts[9] - starts[0] < 1000  # the first ten at once, within the first second
    # 200 starts at 10 a second: the first 10 at once, the last 19 s later at the least.
    assert 19.0 <= (starts[-1] - starts[0]) / 1000 < 30, starts[-1] - starts[0]
    for worker in workers:
        worker.wait_for(lambda _: sum(len(w.lines) for w in workers) >= 200, timeout=10,
                        what="200 lines")
    assert_each_sent_once(workers, 200)
    assert all(w.lines for w in workers), "one worker sent nothing"
    queue = Queue("sms_provider", connection=rq_connection, serializer=JSONSerializer)
    assert queue.failed_job_registry.count == 0


@pytest.mark.slow
def test_a_redis_restart_mid_run_loses_nothing(background, tmp_path):
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, tmp_path, appendonly=True)
    env = lesson_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    try:
        import redis
        connection = redis.Redis(port=port)
        workers = [background("112-rate_limit_worker.py", env=env) for _ in range(2)]
        wait_for_worker(connection, "sms_provider", count=2)
        creator = background("112-rate_limit.py", "60", env=env)
        workers[0].wait_for(lambda _: sum(len(w.lines) for w in workers) >= 20, timeout=20,
                            what="20 sent")
        embedded_redis.stop_server(pid)  # a restart: the server saves, stops, starts again
        pid = embedded_redis.start_server(port, tmp_path, appendonly=True)
        try:
            status = creator.wait(timeout=60)
        except Exception:
            jobs = Job.fetch_many([str(n) for n in range(1, 61)], connection,
                                  serializer=JSONSerializer)
            raise AssertionError(f"{creator}\n{workers}\n" + str(
                [(j.id, j.get_status().value) for j in jobs if j and not j.is_finished]))
        assert status == 0, creator
        summary = SUMMARY.fullmatch(creator.lines[-1])
        assert summary and summary.group(1, 2) == ("60", "0"), creator
        assert_never_more_than_ten_in_a_second(start_times(connection, 60))
        workers[0].wait_for(lambda _: sum(len(w.lines) for w in workers) >= 60, timeout=10,
                            what="60 sent")
        assert_each_sent_once(workers, 60)
        assert any(line.startswith("Redis connection lost") for w in workers
                   for line in w.errors), "the restart came after the run had ended"
        for worker in workers:
            worker.signal(signal.SIGTERM)
            assert worker.wait() == 0, worker
        connection.close()
    finally:
        embedded_redis.stop_server(pid)


def test_with_no_worker_it_says_so_and_ctrl_c_leaves_the_jobs_queued(
        background, rq_connection):
    creator = background("112-rate_limit.py", "3")
    creator.wait_for(lambda _: creator.errors, what="the hint on stderr")
    creator.signal(signal.SIGINT)
    assert creator.wait() == 0, creator
    assert creator.lines == ["3 notifications queued, at most 10 a second"]
    assert "./112-rate_limit_worker.py" in creator.errors[0]
    queue = Queue("sms_provider", connection=rq_connection, serializer=JSONSerializer)
    assert queue.job_ids == ["1", "2", "3"]


@pytest.mark.parametrize("argument", ["0", "-3", "x", "100001"])
def test_a_bad_count_is_one_usage_error(argument):
    proc = run_lesson("112-rate_limit.py", argument)
    assert proc.returncode == 2 and proc.stdout == "", describe(proc)
    assert "Traceback" not in proc.stderr and "invalid count value" in proc.stderr
