"""Lesson 102: a delayed job waits in the scheduled registry, then runs on time."""
import re

from rq import Queue

from tests.helpers import describe, import_lesson, run_lesson, wait_for_worker


def test_delayed_job_is_scheduled_not_queued(rq_connection):
    job_events = import_lesson("job_events")
    queue = Queue("reminders", connection=rq_connection)
    job = job_events.create_job(queue, "102-delayed_job.remind", "x", delay=60)
    assert job.get_status().value == "scheduled"
    assert queue.count == 0
    assert queue.scheduled_job_registry.get_job_ids() == [job.id]


def test_job_runs_after_its_delay_with_a_scheduler(background, rq_connection):
    worker = background("102-delayed_job_worker.py")
    wait_for_worker(rq_connection, "reminders")
    proc = run_lesson("102-delayed_job.py", "1.5", timeout=30)
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["Job 1 created: runs in 1.5 seconds", "Job 1 is scheduled"], \
        describe(proc)
    waited = float(re.fullmatch(r"Job 1 completed (\d+\.\d) seconds after it was created",
                                lines[2]).group(1))
    # Not before its time; the scheduler looks once a second.
    assert 1.5 <= waited < 1.5 + 2.0, waited
    worker.wait_for_line("Reminder: call the dentist")


def test_without_a_worker_the_job_waits(rq_connection):
    proc = run_lesson("102-delayed_job.py")
    assert proc.returncode == 0 and "./102-delayed_job_worker.py" in proc.stderr
    queue = Queue("reminders", connection=rq_connection)
    assert queue.scheduled_job_registry.get_job_ids() == ["1"]
