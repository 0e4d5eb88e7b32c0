"""Lesson 104: cancel and delete a queued job; stop a running one the right way."""
import signal

from rq import Queue
from rq.serializers import JSONSerializer

from tests.helpers import describe, run_lesson, wait_for_worker

EXPECTED = """Job 1 created: holiday.mp4
Job 2 created: party.mp4, queued behind it
Job 1 is started
Job 2 cancelled: canceled, still queued: False
Job 2 deleted: exists: False
Job 1 stop requested while running
Job 1 is stopped
"""


def test_queued_job_removed_and_running_job_stopped(background, rq_connection):
    worker = background("104-remove_worker.py")
    wait_for_worker(rq_connection, "videos")
    proc = run_lesson("104-remove_job.py", timeout=40)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, EXPECTED, ""), describe(proc)
    worker.stop()
    assert not any(line.startswith("Encoded") for line in worker.lines), worker


def test_without_a_worker_it_waits_and_ctrl_c_removes_its_jobs(background, rq_connection):
    creator = background("104-remove_job.py")
    creator.wait_for(lambda _: creator.errors, what="the hint on stderr")
    assert "./104-remove_worker.py" in creator.errors[0]
    creator.signal(signal.SIGINT)
    assert creator.wait() == 0
    assert creator.lines == EXPECTED.splitlines()[:2]
    assert Queue("videos", connection=rq_connection, serializer=JSONSerializer).count == 0
