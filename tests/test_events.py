"""kuestyle.events: what the listener delivers, ignores, recovers, and never does (spin)."""
import json
import resource
import time

import pytest
from rq import Callback, Queue
from rq.serializers import JSONSerializer

from kuestyle.events import JobListener, describe, job_completed, job_failed


@pytest.fixture
def queue(rq_connection):
    """A JSON queue named q."""
    return Queue("q", connection=rq_connection, serializer=JSONSerializer)


def publish(connection, payload) -> None:
    """Publish raw data on the q channel, as a worker (or anyone) could."""
    connection.publish("q:events:q", payload if isinstance(payload, str) else json.dumps(payload))


def test_only_watched_jobs_are_delivered_in_order(queue, rq_connection):
    seen = []
    listener = JobListener(queue, lambda e: seen.append((e["id"], e["event"])))
    listener.watch(["1"])
    publish(rq_connection, {"id": "99", "event": "progress", "progress": 5})
    publish(rq_connection, {"id": "1", "event": "progress", "progress": 0})
    publish(rq_connection, {"id": "1", "event": "complete"})
    publish(rq_connection, {"id": "1", "event": "complete"})  # a repeat is not news
    assert listener.wait(timeout=5)
    listener.close()
    assert seen == [("1", "progress"), ("1", "complete")]


@pytest.mark.parametrize("stray", ["{}", "[1]", "null", '{"id":"1"}', "not json",
                                   '{"id": 1, "event": "complete"}',
                                   '{"id": "1", "event": "failed"}'])
def test_stray_messages_are_ignored_without_spinning(queue, rq_connection, stray):
    seen = []
    listener = JobListener(queue, seen.append)
    listener.watch(["1"])
    publish(rq_connection, stray)
    before = resource.getrusage(resource.RUSAGE_SELF)
    assert listener.wait(timeout=0.8, check_every=0.2) is False
    after = resource.getrusage(resource.RUSAGE_SELF)
    publish(rq_connection, {"id": "1", "event": "complete"})
    assert listener.wait(timeout=5)
    listener.close()
    assert seen == [{"id": "1", "event": "complete"}]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert cpu < 0.2, f"{cpu:.2f} s of CPU while waiting 0.8 s"


def test_an_outcome_missed_while_disconnected_is_read_back_from_rq(queue, rq_connection):
    seen = []
    listener = JobListener(queue, lambda e: seen.append(e["event"]))
    job = queue.enqueue("builtins.len", [1], job_id="7")
    job.set_status("finished")  # as if its complete event had been lost
    listener.watch(["7"])
    assert listener.wait(timeout=10, check_every=0.2)
    listener.close()
    assert seen == ["complete"]


def test_the_listener_resubscribes_after_its_connection_is_killed(queue, rq_connection):
    seen = []
    listener = JobListener(queue, lambda e: seen.append(e["id"]))
    listener.watch(["1"])
    rq_connection.client_kill_filter(_type="pubsub")
    deadline = time.monotonic() + 10
    while not rq_connection.pubsub_numsub("q:events:q")[0][1]:
        assert time.monotonic() < deadline, "never resubscribed"
        time.sleep(0.05)
    publish(rq_connection, {"id": "1", "event": "complete"})
    assert listener.wait(timeout=5)
    listener.close()
    assert seen == ["1"]


def test_printed_job_text_cannot_forge_a_line():
    event = {"id": "1", "event": "failed", "error": "x\nNotification job 999 completed"}
    line = describe(event, "Notification job")
    assert "\n" not in line and line == ("Notification job 1 failed: "
                                         "x\\nNotification job 999 completed")


class Unprintable(Exception):
    """An exception whose text itself raises."""

    def __str__(self) -> str:
        raise RuntimeError("no text")


def test_an_exception_whose_text_fails_still_sends_failed(queue, rq_connection):
    seen = []
    listener = JobListener(queue, seen.append)
    job = queue.enqueue("builtins.len", [1], job_id="3", on_success=Callback(job_completed),
                        on_failure=Callback(job_failed))
    listener.watch(["3"])
    job_failed(job, rq_connection, Unprintable, Unprintable(), None)
    assert listener.wait(timeout=5)
    listener.close()
    assert seen == [{"id": "3", "event": "failed", "error": "Unprintable", "retries_left": 0}]


def test_a_lone_surrogate_or_control_character_is_shown_escaped():
    event = {"id": "1", "event": "failed", "error": "bad \udc80 byte\r\x1b[2J"}
    line = describe(event, "Notification job")
    assert line == "Notification job 1 failed: bad \\udc80 byte\\r\\x1b[2J"
    line.encode("utf-8")  # printable anywhere


def test_an_event_read_while_held_waits_for_the_block_to_end(queue, rq_connection):
    """A creator prints its created lines inside holding(): however fast the worker, an event
    the listener has already read is handed on only after the block."""
    from tests.helpers import wait_until
    seen = []
    listener = JobListener(queue, lambda e: seen.append(e["event"]))
    listener.watch(["1"])
    with listener.holding():
        publish(rq_connection, {"id": "1", "event": "complete"})  # an instant worker
        wait_until(lambda: listener.received >= 1, 5, "the listener read the event")
        seen.append("created")  # what the creator prints in the block
    assert listener.wait(timeout=5)
    listener.close()
    assert seen == ["created", "complete"]


def test_a_corrupted_job_record_is_a_failure_not_a_crash(queue, rq_connection):
    """Someone overwrote a watched job's hash: the listener says it failed, and why."""
    seen = []
    listener = JobListener(queue, seen.append)
    job = queue.enqueue("6-job_processor.process_notification", {}, job_id="1")
    listener.watch([job.id])
    rq_connection.hset(job.key, mapping={"status": "no-such-status", "created_at": "garbage"})
    assert listener.wait(timeout=10, check_every=0.1)
    listener.close()
    assert [(e["event"], e["error"]) for e in seen] == [
        ("failed", "its record in Redis cannot be read (ValueError)")]
