"""Task 5: a subscriber and a publisher on 'holberton school channel'."""
import signal

import pytest

from tests.helpers import describe, import_lesson, run_lesson

SUBSCRIBER_OUTPUT = ["Redis client connected to the server",
                     "Holberton Student #1 starts course",
                     "Holberton Student #2 starts course",
                     "KILL_SERVER"]
PUBLISHER_OUTPUT = ("Redis client connected to the server\n"
                    "About to send Holberton Student #1 starts course\n"
                    "About to send Holberton Student #2 starts course\n"
                    "About to send KILL_SERVER\n"
                    "About to send Holberton Student #3 starts course\n")


def test_subscriber_gets_1_2_kill_and_never_3(background):
    subscriber = background("5-subscriber.py")
    subscriber.wait_for_line("Redis client connected to the server")
    publisher = run_lesson("5-publisher.py")
    assert (publisher.returncode, publisher.stdout) == (0, PUBLISHER_OUTPUT), \
        describe(publisher)
    assert subscriber.wait(timeout=10) == 0
    assert subscriber.lines == SUBSCRIBER_OUTPUT
    assert subscriber.errors == []


def test_connected_line_means_subscribed(background, r):
    subscriber = background("5-subscriber.py")
    subscriber.wait_for_line("Redis client connected to the server")
    assert r.pubsub_numsub("holberton school channel") == [("holberton school channel", 1)]
    r.publish("holberton school channel", "KILL_SERVER")
    assert subscriber.wait(timeout=10) == 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_subscriber_stops_cleanly_on_a_stop_signal(background, signum):
    subscriber = background("5-subscriber.py")
    subscriber.wait_for_line("Redis client connected to the server")
    subscriber.signal(signum)
    assert subscriber.wait(timeout=10) == 0
    assert subscriber.errors == []


def test_publish_message_waits_then_prints_and_publishes(r, capsys):
    pubsub = r.pubsub()
    pubsub.subscribe("holberton school channel")
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"
    import_lesson("5-publisher").publish_message("hello", 10)
    assert capsys.readouterr().out == "About to send hello\n"
    message = pubsub.get_message(timeout=5)
    assert (message["type"], message["data"]) == ("message", "hello")
    pubsub.close()


def test_publisher_first_then_subscriber_hears_nothing_and_ctrl_c_exits_0(background):
    """Pub/sub keeps nothing: a subscriber that starts late waits, calmly."""
    publisher = run_lesson("5-publisher.py")
    assert publisher.returncode == 0, describe(publisher)
    subscriber = background("5-subscriber.py")
    subscriber.wait_for_line("Redis client connected to the server")
    subscriber.signal(signal.SIGINT)
    assert subscriber.wait() == 0
    assert subscriber.lines == ["Redis client connected to the server"]
    assert subscriber.errors == []


def test_a_message_that_is_not_utf8_is_shown_not_fatal(background, rq_connection):
    subscriber = background("5-subscriber.py")
    subscriber.wait_for_line("Redis client connected to the server")
    rq_connection.publish("holberton school channel", b"caf\xe9")
    rq_connection.publish("holberton school channel", "KILL_SERVER")
    assert subscriber.wait(timeout=10) == 0, subscriber
    assert subscriber.lines[1:] == ["caf\\xe9", "KILL_SERVER"]
    assert subscriber.errors == []
