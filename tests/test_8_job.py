"""Task 8: create_push_notifications_jobs, the port of the curriculum's test file.

As in Kue's test mode, no worker runs unless a test starts a burst worker.
"""
import signal

import pytest
from rq import Queue, SimpleWorker

from kuestyle.workers import quiet_rq_logs
from rq.serializers import JSONSerializer
from tests.helpers import import_lesson

JOBS = [{"phoneNumber": "4153518780", "message": "This is the code 1234 to verify your account"},
        {"phoneNumber": "4153518743", "message": "This is the code 4321 to verify your account"}]


@pytest.fixture
def lesson():
    """The 8-job module; every listener it starts is stopped after the test."""
    module = import_lesson("8-job")
    yield module
    module.stop_listening()


@pytest.fixture
def queue(rq_connection):
    """The queue the caller passes in (its connection is what matters)."""
    return Queue("push_notification_code_3", connection=rq_connection, serializer=JSONSerializer)


@pytest.mark.parametrize("not_a_list", ["jobs", {"phoneNumber": "1"}, None, 42, tuple(JOBS)])
def test_not_a_list_raises_type_error(lesson, queue, not_a_list):
    with pytest.raises(TypeError) as error:
        lesson.create_push_notifications_jobs(not_a_list, queue)
    assert str(error.value) == "Jobs is not an array"
    assert queue.count == 0


def test_two_jobs_land_with_exactly_the_given_data(lesson, queue, capsys):
    jobs = lesson.create_push_notifications_jobs(JOBS, queue)
    assert [job.id for job in jobs] == ["1", "2"]
    assert queue.job_ids == ["1", "2"]
    assert [queue.fetch_job(job_id).args for job_id in queue.job_ids] == [[JOBS[0]], [JOBS[1]]]
    assert all(job.origin == "push_notification_code_3" for job in jobs)
    assert capsys.readouterr().out == ("Notification job created: 1\n"
                                       "Notification job created: 2\n")


def test_jobs_go_to_push_notification_code_3_whatever_the_queue_name(lesson, rq_connection):
    other = Queue("some_other_queue", connection=rq_connection, serializer=JSONSerializer)
    lesson.create_push_notifications_jobs(JOBS[:1], other)
    assert other.count == 0
    assert Queue("push_notification_code_3", connection=rq_connection).count == 1


def test_empty_list_creates_nothing(lesson, queue, capsys):
    assert lesson.create_push_notifications_jobs([], queue) == []
    assert queue.count == 0
    assert capsys.readouterr().out == ""


def test_completed_and_failed_lines_appear_with_a_burst_worker(lesson, queue, capsys):
    jobs = lesson.create_push_notifications_jobs(JOBS, queue)
    quiet_rq_logs()
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        SimpleWorker([queue], connection=queue.connection,
                     serializer=JSONSerializer).work(burst=True)
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert lesson.wait_for_outcomes(jobs, timeout=10)
    lines = capsys.readouterr().out.splitlines()
    assert "Notification job 1 failed: Phone number 4153518780 is blacklisted" in lines
    assert "Notification job 2 completed" in lines
    assert lines.index("Notification job 2 0% complete") \
        < lines.index("Notification job 2 50% complete") \
        < lines.index("Notification job 2 completed")
    assert [job.get_status(refresh=True) for job in jobs] == ["failed", "finished"]


def test_wait_for_outcomes_times_out_without_a_worker(lesson, queue):
    jobs = lesson.create_push_notifications_jobs(JOBS, queue)
    assert lesson.wait_for_outcomes(jobs, timeout=0.2) is False


def test_one_listener_whatever_the_number_of_calls(lesson, queue, rq_connection):
    for _ in range(150):
        lesson.create_push_notifications_jobs(JOBS[:1], queue)
    assert len(lesson._listeners) == 1
    subscribers = dict(rq_connection.pubsub_numsub("q:events:push_notification_code_3"))
    assert subscribers[b"q:events:push_notification_code_3"] == 1
