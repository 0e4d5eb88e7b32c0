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
