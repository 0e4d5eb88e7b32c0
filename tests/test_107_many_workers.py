"""Lesson 107: several producers and several workers share one queue."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import describe, run_lesson, wait_for_worker

SENT = re.compile(r"Worker process (\d+) sent email (\S+)")


def test_every_job_runs_exactly_once_spread_over_workers(background, rq_connection):
    workers = [background("107-worker.py") for _ in range(2)]
    wait_for_worker(rq_connection, "emails", count=4)
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda name: run_lesson("107-producer.py", name, "6", "0.1"),
                             ["A", "B", "C"]))
    assert all(proc.returncode == 0 for proc in runs)
    created = [line for proc in runs for line in proc.stdout.splitlines()]
    assert len(created) == 18
    for worker in workers:
        worker.wait_for(lambda _: sum(len(w.lines) for w in workers) >= 18, timeout=20,
                        what="18 emails sent")
    sent = [line for w in workers for line in w.lines]
    odd = [line for line in sent if not SENT.fullmatch(line)]
    assert odd == [], f"unexpected worker output: {odd}"
    names = [SENT.fullmatch(line).group(2) for line in sent]
    assert sorted(names) == sorted(f"{p}-{n}" for p in "ABC" for n in range(1, 7))
    counts = rq_connection.hgetall("emails:runs")
    assert len(counts) == 18 and set(counts.values()) == {b"1"}
    processes = {SENT.fullmatch(line).group(1) for line in sent}
    assert len(processes) >= 3, f"load not spread: {processes}"
    assert all(any(line for line in w.lines) for w in workers), "one worker did nothing"


@pytest.mark.parametrize("arguments", [["A", "x"], ["A", "0"], ["A", "3", "-1"],
                                       ["A", "3", "nan"], ["A", "3", "inf"]])
def test_bad_arguments_are_one_usage_error(arguments):
    proc = run_lesson("107-producer.py", *arguments)
    assert proc.returncode == 2 and proc.stdout == "", describe(proc)
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("usage: ")
