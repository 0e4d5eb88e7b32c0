"""Lesson 101: Kue's priority levels as RQ queues in a fixed order."""
from tests.helpers import describe, run_lesson

EXPECTED = """Job 1 created with priority low
Job 2 created with priority normal
Job 3 created with priority medium
Job 4 created with priority high
Job 5 created with priority critical
The worker takes jobs from: critical, high, medium, normal, low
Job 5 (critical) runs: email to critical@example.com
Job 4 (high) runs: email to high@example.com
Job 3 (medium) runs: email to medium@example.com
Job 2 (normal) runs: email to normal@example.com
Job 1 (low) runs: email to low@example.com
"""


def test_critical_job_created_last_runs_first():
    proc = run_lesson("101-job_priority.py")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, EXPECTED, ""), describe(proc)


def test_every_priority_queue_is_empty_afterwards(rq_connection):
    from rq import Queue
    run_lesson("101-job_priority.py")
    for level in ("critical", "high", "medium", "normal", "low"):
        assert Queue(f"email:{level}", connection=rq_connection).count == 0
