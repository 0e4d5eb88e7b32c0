"""Task 6: a job creator and a job processor on push_notification_code."""
import signal

from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from tests.helpers import describe, import_lesson, run_lesson, wait_for_worker, wait_until

QUEUE = "push_notification_code"
DATA = {"phoneNumber": "4153518780", "message": "This is the code to verify your account"}
SENDING = ("Sending notification to 4153518780, with message: "
           "This is the code to verify your account")


def test_creator_without_worker_waits_and_ctrl_c_leaves_the_job_queued(background,
                                                                       rq_connection):
    creator = background("6-job_creator.py")
    creator.wait_for_line("Notification job created: 1")
    creator.wait_for(lambda _: creator.errors, what="the hint on stderr")
    creator.signal(signal.SIGINT)
    assert creator.wait() == 0
    assert creator.lines == ["Notification job created: 1"]
    assert len(creator.errors) == 1 and "./6-job_processor.py" in creator.errors[0], creator
    queue = Queue(QUEUE, connection=rq_connection, serializer=JSONSerializer)
    assert queue.job_ids == ["1"]
    assert queue.fetch_job("1").args == [DATA]


def test_creator_first_then_processor_prints_the_outcome(background, rq_connection):
    """The curriculum's order: terminal 1 creates, terminal 2 processes."""
    creator = background("6-job_creator.py")
    creator.wait_for(lambda _: creator.errors, what="the hint on stderr")
    processor = background("6-job_processor.py")
    assert creator.wait(timeout=20) == 0, creator
    assert creator.lines == ["Notification job created: 1", "Notification job completed"]
    processor.wait_for_line(SENDING)


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


def leave_a_job_queued(background) -> None:
    """Run the creator with no worker, then Ctrl-C it: its job stays queued."""
    creator = background("6-job_creator.py")
    creator.wait_for(lambda _: creator.errors, what="the hint on stderr")
    creator.signal(signal.SIGINT)
    assert creator.wait() == 0


def test_processor_drains_jobs_left_by_earlier_runs(background, rq_connection):
    leave_a_job_queued(background)
    leave_a_job_queued(background)
    processor = background("6-job_processor.py")
    processor.wait_for(lambda lines: len(lines) == 2, what="two Sending lines")
    assert processor.lines == [SENDING, SENDING]
    # The job prints its line, then RQ records it finished: wait for that record.
    wait_until(lambda: Job.fetch("2", connection=rq_connection).get_status() == "finished",
               10, "RQ recorded job 2 finished")


def test_job_ids_are_small_integers_from_one_counter(background, rq_connection):
    background("6-job_processor.py")
    wait_for_worker(rq_connection, QUEUE)
    for expected in ("1", "2", "3"):
        proc = run_lesson("6-job_creator.py")
        assert proc.stdout == (f"Notification job created: {expected}\n"
                               "Notification job completed\n"), describe(proc)


def test_send_notification_prints_the_line(capsys):
    import_lesson("6-job_processor").send_notification(
        "4153518780", "This is the code to verify your account")
    assert capsys.readouterr().out == SENDING + "\n"


def test_ctrl_c_lets_the_running_job_finish(background, rq_connection, r):
    processor = background("6-job_processor.py", probes=True)
    wait_for_worker(rq_connection, QUEUE)
    job = Queue(QUEUE, connection=rq_connection, serializer=JSONSerializer).enqueue(
        "tests.jobs.slow_job", "slow", 1.0)
    processor.wait_for(lambda _: r.get("slow") == "started", what="job started")
    processor.signal(signal.SIGINT)
    assert processor.wait(timeout=15) == 0
    assert r.get("slow") == "finished"
    assert processor.lines == ["slow job finished"]
    assert processor.errors == []
    assert job.get_status(refresh=True) == "finished"


def test_sigterm_is_a_warm_shutdown_too(background, rq_connection, r):
    processor = background("6-job_processor.py", probes=True)
    wait_for_worker(rq_connection, QUEUE)
    Queue(QUEUE, connection=rq_connection,
          serializer=JSONSerializer).enqueue("tests.jobs.slow_job", "slow", 0.5)
    processor.wait_for(lambda _: r.get("slow") == "started", what="job started")
    processor.signal(signal.SIGTERM)
    assert processor.wait(timeout=15) == 0
    assert r.get("slow") == "finished"
