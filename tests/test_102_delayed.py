"""Lesson 102: a delayed job waits in the scheduled registry, then runs on time."""
import re
import signal
from datetime import timedelta

import pytest

from rq import Queue
from rq.serializers import JSONSerializer

from tests.helpers import describe, run_lesson, wait_for_worker


def test_delayed_job_is_scheduled_not_queued(rq_connection):
    queue = Queue("reminders", connection=rq_connection, serializer=JSONSerializer)
    job = queue.enqueue_in(timedelta(seconds=60), "102-delayed_job.remind", "x")
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


def test_without_a_worker_it_waits_and_ctrl_c_leaves_the_job_scheduled(background,
                                                                       rq_connection):
    creator = background("102-delayed_job.py")
    creator.wait_for(lambda _: creator.errors, what="the hint on stderr")
    creator.signal(signal.SIGINT)
    assert creator.wait() == 0 and "./102-delayed_job_worker.py" in creator.errors[0]
    queue = Queue("reminders", connection=rq_connection, serializer=JSONSerializer)
    assert queue.scheduled_job_registry.get_job_ids() == ["1"]


@pytest.mark.parametrize("argument", ["abc", "-1", "nan", "1e9"])
def test_a_bad_delay_is_one_usage_error(argument):
    proc = run_lesson("102-delayed_job.py", argument)
    assert proc.returncode == 2 and proc.stdout == "", describe(proc)
    assert "Traceback" not in proc.stderr and "invalid seconds value" in proc.stderr
