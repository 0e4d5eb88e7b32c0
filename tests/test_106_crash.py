"""Lesson 106: a SIGKILLed worker's job comes back and completes on another worker."""
import re

import pytest

from tests.helpers import describe, run_lesson

# The README states this bound: heartbeat TTL 3 s + maintenance every 2 s +
# the 2 s job again, with room for a loaded CI machine.
RECOVERY_BOUND = 15.0


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_killed_workers_job_completes_elsewhere_within_the_bound(rq_connection):
    proc = run_lesson("106-crash_recovery.py", timeout=90)
    assert proc.returncode == 0, describe(proc)
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["Job 1 created: render intro.mp4 (2 s)",
                         "Worker running job 1 killed with SIGKILL"], describe(proc)
    assert re.fullmatch(r"Job 1 found abandoned \d+\.\d s after the crash: back on the queue",
                        lines[2]), describe(proc)
    assert re.fullmatch(r"Rendered intro\.mp4 in process \d+", lines[3]), describe(proc)
    completed = re.fullmatch(r"Job 1 completed (\d+\.\d) s after the crash", lines[4])
    assert completed and float(completed.group(1)) < RECOVERY_BOUND, describe(proc)
    assert len(lines) == 5
    from rq.job import Job
    assert Job.fetch("1", connection=rq_connection).get_status().value == "finished"


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_a_frozen_worker_runs_the_job_twice_and_the_receipt_keeps_one_result(r):
    """SIGSTOP longer than the heartbeat looks like a crash: the job is retried elsewhere
    and, once woken, the frozen process finishes it too; the job's receipt keeps the first."""
    proc = run_lesson("106-crash_recovery.py", "--freeze", "6", timeout=90)
    assert proc.returncode == 0, describe(proc)
    lines = proc.stdout.splitlines()
    assert lines[1] == "Worker running job 1 frozen with SIGSTOP for 6 s", describe(proc)
    first = re.fullmatch(r"Rendered intro\.mp4 in process (\d+)", lines[3])
    assert first and lines[5] == "Worker running job 1 woken with SIGCONT", describe(proc)
    again = re.fullmatch(r"Process (\d+) rendered intro\.mp4 again: discarded", lines[6])
    assert again and again.group(1) != first.group(1), describe(proc)
    assert r.get("renders:done:1") == first.group(1)
    assert len(lines) == 7


def test_bad_arguments_exit_2_with_usage():
    proc = run_lesson("106-crash_recovery.py", "--freeze", "soon")
    assert proc.returncode == 2 and "usage:" in proc.stderr, describe(proc)
