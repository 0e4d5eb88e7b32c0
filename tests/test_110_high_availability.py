"""Lesson 110 and Sentinel failover: every kind of process follows the new master by itself."""
import json
import re
import signal
import time

import pytest
import redis

from tools import embedded_redis
from tests.helpers import describe, lesson_env, run_lesson

# Not an xdist group: every server here takes its own free port.
pytestmark = pytest.mark.slow  # waits, little CPU


def test_the_lesson_fails_over_and_counts_what_it_cost():
    proc = run_lesson("110-high_availability.py", timeout=120)
    assert proc.returncode == 0, describe(proc)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Master on port ") and "REDIS_URL=redis+sentinel://" in lines[0]
    assert re.fullmatch(r"Master on port \d+ killed with SIGKILL after \d+ jobs", lines[1])
    failover = re.fullmatch(r"Writes go to the new master on port \d+ (\d+\.\d) s after the "
                            r"kill", lines[2])
    assert failover and float(failover.group(1)) < 15, describe(proc)
    counts = re.fullmatch(r"(\d+) jobs acknowledged: (\d+) ran, (\d+) lost, (\d+) ran twice, "
                          r"(\d+) ids handed out twice", lines[3])
    assert counts, describe(proc)
    acknowledged, ran, lost, _, _ = map(int, counts.groups())
    assert ran + lost >= acknowledged and ran > int(lines[1].split()[-2]), describe(proc)
    assert "Traceback" not in proc.stderr, describe(proc)


def test_bad_arguments_exit_2():
    proc = run_lesson("110-high_availability.py", "--kill-after", "9", "--seconds", "5")
    assert proc.returncode == 2 and "usage:" in proc.stderr, describe(proc)


@pytest.fixture
def sentinels(tmp_path):
    servers = embedded_redis.SentinelSet(tmp_path)
    yield servers
    servers.stop()


def test_a_failover_is_followed_by_processor_app_and_creator(sentinels, background, serve_app):
    """Master killed: the running processor and app carry on against the promoted replica
    without a restart (503 JSON meanwhile, never a 500); a new creator just works."""
    env = lesson_env(REDIS_URL=sentinels.url)
    processor = background("6-job_processor.py", env=env)
    app = serve_app("9-stock.py", env=env, ready_path="/list_products")
    first = run_lesson("6-job_creator.py", env=env, timeout=30)
    assert first.stdout.splitlines()[-1] == "Notification job completed", describe(first)
    assert app.get("/reserve_product/1")[0] == 200
    old = sentinels.master_port()
    sentinels.kill(old)
    statuses = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, text, _ = app.get("/reserve_product/1")
        statuses.add(status)
        if status == 200:
            break
        assert (status, json.loads(text)["status"]) == (503, "Redis unavailable"), text
        time.sleep(0.2)
    assert status == 200 and sentinels.master_port() != old, statuses
    assert json.loads(app.get("/list_products/1")[1])["currentQuantity"] == 2  # none lost
    again = run_lesson("6-job_creator.py", env=env, timeout=30)
    assert (again.returncode, again.stdout.splitlines()) == (
        0, ["Notification job created: 2", "Notification job completed"]), describe(again)
    processor.signal(signal.SIGTERM)
    assert processor.wait() == 0
    for process in (processor, app):
        assert not any("Traceback" in line for line in process.errors), process


def test_the_old_master_back_as_a_replica_refuses_writes_and_clients_move_on(sentinels):
    """A client still connected to the old master, now a replica, gets ReadOnlyError: the
    project's connection turns it into a reconnect to the new master."""
    from kuestyle.connection import connect
    from kuestyle.settings import PATIENT
    patient = connect(sentinels.url, **PATIENT)
    patient.set("k", "1")
    old = sentinels.master_port()
    demoted = redis.Redis(port=old)
    new = next(port for port in sentinels.ports[:2] if port != old)
    deadline = time.monotonic() + 30
    while True:  # fail over on purpose (the old master lives on), once a Sentinel agrees
        try:
            sentinels.sentinel(sentinels.ports[2]).sentinel_failover(sentinels.name)
            break
        except redis.exceptions.ResponseError as error:  # NOGOODSLAVE: not seen in sync yet
            assert time.monotonic() < deadline, error
            time.sleep(0.5)
    while sentinels.master_port() != new or demoted.info("replication")["role"] != "slave":
        assert time.monotonic() < deadline, "no failover"
        time.sleep(0.1)
    patient.set("k", "2")  # on a connection to the demoted master: read-only, then moved
    assert redis.Redis(port=new).get("k") == b"2"


def test_a_write_to_a_master_turned_replica_is_a_connection_error_to_retry(
        sentinels, tmp_path):
    """A Sentinel that still names the old master (now a replica): the write it refuses is
    raised as a ConnectionError, which a patient client's Retry answers by asking again."""
    from kuestyle.connection import QUICK, client_for
    replica = next(port for port in sentinels.ports[:2] if port != sentinels.master_port())
    port = embedded_redis.free_port()
    stale = embedded_redis.start_sentinel(port, replica, tmp_path / "stale", name="stale",
                                          quorum=1)
    try:
        quick = client_for(f"redis+sentinel://127.0.0.1:{port}/stale/0", **QUICK)
        with pytest.raises(redis.exceptions.ConnectionError, match="now a replica"):
            quick.set("k", "v")
    finally:
        embedded_redis.stop_server(stale)


def test_the_dashboard_reads_through_sentinel(sentinels, serve_app, background):
    env = lesson_env(REDIS_URL=sentinels.url)
    background("6-job_processor.py", env=env)
    dashboard = serve_app("109-dashboard.py", env=env, ready_path="/")
    assert run_lesson("6-job_creator.py", env=env, timeout=30).returncode == 0
    status, text, _ = dashboard.get("/0/data/queues.json")
    assert status == 200 and "push_notification_code" in text, text
    status, text, _ = dashboard.get("/0/data/workers.json")
    assert status == 200 and json.loads(text)["workers"], text


def test_a_sentinel_set_that_fails_to_start_leaves_no_server(tmp_path, monkeypatch):
    """A Sentinel that cannot start (its port taken, say) used to leave the master and the
    replica running after the test: every server started is stopped by its pid."""
    import psutil
    from tools import embedded_redis
    started = []

    def start_server(*args, **kwargs):
        pid = real_start(*args, **kwargs)
        started.append(psutil.Process(pid))  # the process: its pid may be reused once free
        return pid

    def no_sentinel(*args, **kwargs):
        raise RuntimeError("redis-server --sentinel did not start (on purpose)")
    real_start = embedded_redis.start_server
    monkeypatch.setattr(embedded_redis, "start_server", start_server)
    monkeypatch.setattr(embedded_redis, "start_sentinel", no_sentinel)
    with pytest.raises(RuntimeError, match="on purpose"):
        embedded_redis.SentinelSet(tmp_path)
    assert len(started) == 2
    for server in started:
        assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE, server
