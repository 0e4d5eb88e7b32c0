"""Lesson 103: retries with fixed and exponential backoff; attempts and spacing."""
import re

import pytest

from tests.helpers import describe, run_lesson, wait_for_worker


def attempt_starts(lines: list[str], job_id: str) -> list[float]:
    """Parse 'Job N attempts started at 0.0, 1.1, 3.1 s'."""
    line = next(line for line in lines if line.startswith(f"Job {job_id} attempts"))
    return [float(t) for t in re.findall(r"\d+\.\d", line)]


@pytest.mark.parametrize("backoff,delays", [("exponential", [1, 2]), ("fixed", [1, 1])])
def test_fails_twice_then_succeeds_with_the_right_spacing(backoff, delays, background,
                                                          rq_connection):
    background("103-retry_worker.py")
    wait_for_worker(rq_connection, "uploads")
    proc = run_lesson("103-retry_job.py", backoff, timeout=40)
    assert proc.returncode == 0, describe(proc)
    lines = proc.stdout.splitlines()
    mine = [line for line in lines if line.startswith("Job 1 ") and "attempts" not in line]
    assert mine == [
        f"Job 1 created: report.pdf, up to 3 retries, {backoff} backoff "
        f"{[1, 1, 1] if backoff == 'fixed' else [1, 2, 4]} s",
        f"Job 1 failed attempt 1: upload of report.pdf failed (attempt 1); retry in {delays[0]} s",
        f"Job 1 failed attempt 2: upload of report.pdf failed (attempt 2); retry in {delays[1]} s",
        "Job 1 completed"], describe(proc)
    starts = attempt_starts(lines, "1")
    assert len(starts) == 3
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
    for gap, delay in zip(gaps, delays):
        # RQ keeps a retry's time in whole seconds (up to 1 s early) and its
        # scheduler looks once a second (up to 1 s late), plus rounding.
        assert delay - 1.05 <= gap <= delay + 1.6, (gaps, delays)


def test_a_job_out_of_retries_ends_failed(background, rq_connection):
    background("103-retry_worker.py")
    wait_for_worker(rq_connection, "uploads")
    proc = run_lesson("103-retry_job.py", "fixed", timeout=40)
    mine = [line for line in proc.stdout.splitlines()
            if line.startswith("Job 2 ") and "attempts" not in line]
    assert mine == [
        "Job 2 created: broken.pdf, up to 1 retry, fixed backoff [1] s",
        "Job 2 failed attempt 1: upload of broken.pdf failed (attempt 1); retry in 1 s",
        "Job 2 failed: upload of broken.pdf failed (attempt 2)"], describe(proc)
    assert len(attempt_starts(proc.stdout.splitlines(), "2")) == 2


def test_an_unknown_backoff_is_one_usage_error():
    proc = run_lesson("103-retry_job.py", "foo")
    assert proc.returncode == 2 and proc.stdout == "", describe(proc)
    assert "Traceback" not in proc.stderr and "invalid choice: 'foo'" in proc.stderr
