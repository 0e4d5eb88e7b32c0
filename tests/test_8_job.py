"""Task 8: create_push_notifications_jobs, the port of the curriculum's tests.

As in Kue's test mode, no worker runs unless a test starts a burst worker.
"""
import signal

import pytest
from rq import Queue, SimpleWorker

from rq.serializers import JSONSerializer
from tests.helpers import import_lesson

JOBS = [{"phoneNumber": "4153518780",
         "message": "This is the code 1234 to verify your account"},
        {"phoneNumber": "4153518743",
         "message": "This is the code 4321 to verify your account"}]
QUEUE = "push_notification_code_3"


@pytest.fixture
def lesson():
    """The 8-job module; every listener it starts is stopped after the test."""
    module = import_lesson("8-job")
    yield module
    module.stop_listening()


@pytest.fixture
def queue(rq_connection):
    """The queue the caller passes in (its connection is what matters)."""
    return Queue(QUEUE, connection=rq_connection, serializer=JSONSerializer)


@pytest.mark.parametrize("not_a_list", ["jobs", {"phoneNumber": "1"}, None,
                                        42, tuple(JOBS)])
def test_not_a_list_raises_type_error(lesson, queue, not_a_list):
    with pytest.raises(TypeError) as error:
        lesson.create_push_notifications_jobs(not_a_list, queue)
    assert str(error.value) == "Jobs is not an array"
    assert queue.count == 0


def test_two_jobs_land_with_exactly_the_given_data(lesson, queue, capsys):
    jobs = lesson.create_push_notifications_jobs(JOBS, queue)
    assert [job.id for job in jobs] == ["1", "2"]
    assert queue.job_ids == ["1", "2"]
    stored = [queue.fetch_job(job_id).args for job_id in queue.job_ids]
    assert stored == [[JOBS[0]], [JOBS[1]]]
    assert all(job.origin == QUEUE for job in jobs)
    assert capsys.readouterr().out == ("Notification job created: 1\n"
                                       "Notification job created: 2\n")


def test_jobs_go_to_push_notification_code_3_whatever_the_queue_name(
        lesson, rq_connection):
    other = Queue("some_other_queue", connection=rq_connection,
                  serializer=JSONSerializer)
    lesson.create_push_notifications_jobs(JOBS[:1], other)
    assert other.count == 0
    assert Queue(QUEUE, connection=rq_connection).count == 1


def test_empty_list_creates_nothing(lesson, queue, capsys):
    assert lesson.create_push_notifications_jobs([], queue) == []
    assert queue.count == 0
    assert capsys.readouterr().out == ""


def test_completed_and_failed_lines_appear_with_a_burst_worker(lesson, queue,
                                                               capsys):
    jobs = lesson.create_push_notifications_jobs(JOBS, queue)
    handlers = (signal.getsignal(signal.SIGINT),
                signal.getsignal(signal.SIGTERM))
    try:
        SimpleWorker([queue], connection=queue.connection,
                     serializer=JSONSerializer).work(burst=True,
                                                     logging_level="CRITICAL")
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert lesson.wait_for_outcomes(jobs, timeout=10)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Notification job created: 1",
                         "Notification job created: 2"]
    sent = ("Sending notification to 4153518743, with message: "
            "This is the code 4321 to verify your account")
    assert sorted(lines[2:]) == sorted([
        "Notification job 1 0% complete",
        "Notification job 1 failed: Phone number 4153518780 is blacklisted",
        "Notification job 2 0% complete", "Notification job 2 50% complete",
        "Notification job 2 completed", sent])
    blacklisted = "failed: Phone number 4153518780 is blacklisted"
    for job_id, ends in (("1", blacklisted), ("2", "completed")):
        prefix = f"Notification job {job_id} "
        own = [line for line in lines if line.startswith(prefix)]
        assert own[-1] == prefix + ends, lines
    statuses = [job.get_status(refresh=True) for job in jobs]
    assert statuses == ["failed", "finished"]
    assert len(jobs[0].results()) == 1, "a blacklisted number is tried once"


def test_wait_for_outcomes_times_out_without_a_worker(lesson, queue):
    jobs = lesson.create_push_notifications_jobs(JOBS, queue)
    assert lesson.wait_for_outcomes(jobs, timeout=0.2) is False


def test_one_listener_whatever_the_number_of_calls(lesson, queue,
                                                   rq_connection):
    for _ in range(150):
        lesson.create_push_notifications_jobs(JOBS[:1], queue)
    assert len(lesson.listeners) == 1
    channel = f"q:events:{QUEUE}"
    subscribers = dict(rq_connection.pubsub_numsub(channel))
    assert subscribers[channel.encode()] == 1
