"""A Redis that answers but refuses writes (out of memory, a read-only replica): every
script says so in one line on stderr and exits 1, never a traceback; nothing hangs."""
import pytest
import redis

from tools import embedded_redis
from tests.helpers import describe, lesson_env, run_lesson

SCRIPTS = [("1-redis_op.py",), ("2-redis_op_async.py",), ("4-redis_advanced_op.py",),
           ("6-job_creator.py",), ("7-job_creator.py",), ("101-job_priority.py",),
           ("102-delayed_job.py", "1"), ("103-retry_job.py",), ("104-remove_job.py",),
           ("107-producer.py", "A", "2", "0.1"), ("6-job_processor.py",),
           ("102-delayed_job_worker.py",), ("108-image_worker.py",)]
DEMOS = ["105-graceful_shutdown.py", "106-crash_recovery.py"]


@pytest.fixture(scope="module", params=["out of memory", "read-only"])
def refusing_redis(request, tmp_path_factory):
    """A Redis that answers PING but refuses every write, one way or the other."""
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, tmp_path_factory.mktemp("refusing"))
    client = redis.Redis(port=port)
    client.set("Holberton", "School")
    if request.param == "out of memory":
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", "1")
    else:
        client.replicaof("127.0.0.1", embedded_redis.free_port())  # a master that never answers
    yield request.param, f"redis://127.0.0.1:{port}/0"
    client.close()
    embedded_redis.stop_server(pid)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s[0])
def test_a_script_says_a_refused_write_in_one_line(refusing_redis, script):
    kind, url = refusing_redis
    ran = run_lesson(*script, timeout=30, env=lesson_env(REDIS_URL=url))
    assert ran.returncode == 1, describe(ran)
    lines = ran.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Redis error: "), describe(ran)
    assert ("maxmemory" if kind == "out of memory" else "read only") in lines[0]


@pytest.mark.parametrize("demo", DEMOS)
def test_a_demo_whose_worker_is_refused_stops_at_once_without_a_traceback(refusing_redis,
                                                                          demo):
    ran = run_lesson(demo, timeout=30, env=lesson_env(REDIS_URL=refusing_redis[1]))
    assert ran.returncode == 1, describe(ran)
    assert "Traceback" not in ran.stderr and ran.stderr.splitlines()[-1].startswith(
        "The demo stopped: "), describe(ran)


@pytest.mark.parametrize("pool", ["7-job_processor.py", "107-worker.py"])
def test_a_worker_pool_says_each_refusal_in_one_line_and_stops_on_sigterm(
        refusing_redis, pool, background):
    """Each worker process the pool starts is refused at once: one line each, no traceback
    from multiprocessing; SIGTERM still ends the pool."""
    import signal
    import time
    processor = background(pool, env=lesson_env(REDIS_URL=refusing_redis[1]))
    processor.wait_for(lambda _: len(processor.errors) >= 2, timeout=15, what="two refusals")
    time.sleep(1)
    processor.signal(signal.SIGTERM)
    assert processor.wait(timeout=30) == 0, processor
    assert processor.errors and all(line.startswith("Redis error: ")
                                    for line in processor.errors), processor
