"""Task 6: a job creator and a job processor on push_notification_code."""
import signal

from rq import Queue
from rq.job import Job

from tests.helpers import describe, import_lesson, run_lesson, wait_for_worker

QUEUE = "push_notification_code"
DATA = {"phoneNumber": "4153518780", "message": "This is the code to verify your account"}
SENDING = ("Sending notification to 4153518780, with message: "
           "This is the code to verify your account")


def test_creator_without_worker_leaves_the_job_queued(rq_connection):
    proc = run_lesson("6-job_creator.py")
    assert (proc.returncode, proc.stdout) == (0, "Notification job created: 1\n"), \
        describe(proc)
    hint = proc.stderr.splitlines()
    assert len(hint) == 1 and "./6-job_processor.py" in hint[0], describe(proc)
    queue = Queue(QUEUE, connection=rq_connection)
    assert queue.job_ids == ["1"]
    assert queue.fetch_job("1").args == (DATA,)


def test_processor_then_creator(background, rq_connection):
    processor = background("6-job_processor.py")
    wait_for_worker(rq_connection, QUEUE)
    creator = run_lesson("6-job_creator.py")
    assert (creator.returncode, creator.stdout, creator.stderr) == (
        0, "Notification job created: 1\nNotification job completed\n", ""), \
        describe(creator)
    processor.wait_for_line(SENDING)
    processor.signal(signal.SIGINT)
    assert processor.wait() == 0
    assert processor.lines == [SENDING]
    assert processor.errors == []


def test_processor_drains_jobs_left_by_earlier_runs(background, rq_connection):
    run_lesson("6-job_creator.py")
    run_lesson("6-job_creator.py")
    processor = background("6-job_processor.py")
    processor.wait_for(lambda lines: len(lines) == 2, what="two Sending lines")
    assert processor.lines == [SENDING, SENDING]
    assert Job.fetch("2", connection=rq_connection).get_status() == "finished"


def test_job_ids_are_small_integers_from_one_counter(rq_connection):
    for expected in ("1", "2", "3"):
        proc = run_lesson("6-job_creator.py")
        assert proc.stdout == f"Notification job created: {expected}\n"


def test_send_notification_prints_the_line(capsys):
    import_lesson("6-job_processor").send_notification(
        "4153518780", "This is the code to verify your account")
    assert capsys.readouterr().out == SENDING + "\n"


def test_ctrl_c_lets_the_running_job_finish(background, rq_connection, r):
    processor = background("6-job_processor.py")
    wait_for_worker(rq_connection, QUEUE)
    job = Queue(QUEUE, connection=rq_connection).enqueue(
        "tests.jobs.slow_job", "slow", 1.0)
    processor.wait_for(lambda _: r.get("slow") == "started", what="job started")
    processor.signal(signal.SIGINT)
    assert processor.wait(timeout=15) == 0
    assert r.get("slow") == "finished"
    assert processor.lines == ["slow job finished"]
    assert processor.errors == []
    assert job.get_status(refresh=True) == "finished"


def test_sigterm_is_a_warm_shutdown_too(background, rq_connection, r):
    processor = background("6-job_processor.py")
    wait_for_worker(rq_connection, QUEUE)
    Queue(QUEUE, connection=rq_connection).enqueue("tests.jobs.slow_job", "slow", 0.5)
    processor.wait_for(lambda _: r.get("slow") == "started", what="job started")
    processor.signal(signal.SIGTERM)
    assert processor.wait(timeout=15) == 0
    assert r.get("slow") == "finished"
