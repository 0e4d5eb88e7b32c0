"""deploy/supervisord.conf: supervisor starts every long-running process, restarts a killed
worker, and stops them all warmly."""
import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from tools import embedded_redis
from tests.helpers import ROOT, http_get, wait_for_worker, wait_until

pytestmark = pytest.mark.slow
BIN = Path(os.sys.executable).parent
PROGRAMS = ("notifications", "stock", "seats", "dashboard")


def supervisorctl(env: dict, *args: str) -> str:
    """Run supervisorctl on the project's configuration."""
    return subprocess.run([str(BIN / "supervisorctl"), "-c", str(ROOT / "deploy/supervisord.conf"),
                           *args], env=env, capture_output=True, text=True, timeout=30).stdout


def answers(url: str) -> bool:
    """Whether url answers 200 (False while nothing listens there yet)."""
    try:
        return http_get(url)[0] == 200
    except OSError:
        return False


def test_supervisor_keeps_the_processes_alive_and_restarts_a_killed_worker(
        tmp_path, redis_server, rq_connection):
    ports = {name: str(embedded_redis.free_port()) for name in ("STOCK", "SEAT", "DASHBOARD")}
    env = dict(os.environ, REDIS_URL=redis_server, RUN_DIR=str(tmp_path),
               **{f"{name}_PORT": port for name, port in ports.items()})
    supervisord = subprocess.Popen([str(BIN / "supervisord"), "-n", "-c",
                                    str(ROOT / "deploy/supervisord.conf")], env=env)
    try:
        def all_running() -> bool:
            status = supervisorctl(env, "status")
            return all(f"{name}" in status for name in PROGRAMS) and \
                status.count("RUNNING") == len(PROGRAMS)
        wait_until(all_running, 30, "every program RUNNING")
        queue = Queue("push_notification_code_2", connection=rq_connection,
                      serializer=JSONSerializer)
        wait_for_worker(rq_connection, queue.name, count=2, timeout=20)
        # RUNNING means up for startsecs (2 s): a loaded machine may take longer to listen.
        for name, path in (("STOCK", "/list_products/1"), ("SEAT", "/available_seats"),
                           ("DASHBOARD", "/")):
            url = f"http://127.0.0.1:{ports[name]}{path}"
            wait_until(lambda: answers(url), 30, f"{url} answered 200")

        first = int(supervisorctl(env, "pid", "notifications"))
        children = psutil.Process(first).children(recursive=True)
        os.kill(first, signal.SIGKILL)  # the processor dies; its pool's children go too
        for child in children:
            child.kill()

        def restarted() -> bool:
            pid = supervisorctl(env, "pid", "notifications").strip()
            return pid not in ("", "0", str(first)) and \
                "RUNNING" in supervisorctl(env, "status", "notifications")
        wait_until(restarted, 30, "notifications restarted")
        job = queue.enqueue("7-job_processor.process_notification",
                            {"phoneNumber": "4153538781", "message": "after the restart"})
        wait_until(lambda: job.get_status(refresh=True) == "finished", 30,
                   "a job done by the restarted processor")
        log = (tmp_path / "supervisord.log").read_text()
        assert "exited: notifications (terminated by SIGKILL" in log, log
        running = [psutil.Process(int(pid)) for pid in supervisorctl(env, "pid", "all").split()]
        running += [child for p in running for child in p.children(recursive=True)]
    finally:
        supervisord.send_signal(signal.SIGTERM)
        supervisord.wait(timeout=90)
    log = (tmp_path / "supervisord.log").read_text()
    for name in PROGRAMS:  # each stopped warmly by SIGTERM, none killed
        assert f"stopped: {name} (exit status 0)" in log, log
    assert not [p for p in running if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
