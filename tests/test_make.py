"""Make says nothing alarming when nothing is wrong, and `make clean` removes what it made."""
import shutil
import subprocess

import pytest

from tests.helpers import PYTHON, ROOT, lesson_env
from tools import embedded_redis


def make(*args: str, cwd=ROOT, **env: str) -> subprocess.CompletedProcess:
    """Run make quietly with the test's environment."""
    return subprocess.run(["make", "-s", *args], cwd=cwd, env=lesson_env(**env),
                          capture_output=True, text=True, timeout=120)


def calm(proc: subprocess.CompletedProcess) -> bool:
    """Exit 0 and no word of an error from make."""
    return proc.returncode == 0 and "Error" not in proc.stdout + proc.stderr


def test_stopping_a_redis_that_is_not_running_is_one_calm_line(tmp_path):
    url = f"redis://127.0.0.1:{embedded_redis.free_port()}/0"
    stopped = make("redis-stop", REDIS_DIR=str(tmp_path), REDIS_URL=url)
    assert calm(stopped), stopped
    assert stopped.stdout == "No embedded Redis is running here: nothing to stop\n"


def test_stopping_a_supervisor_that_is_not_running_is_one_calm_line():
    for _ in range(2):  # the second time too
        stopped = make("supervisor-stop")
        assert calm(stopped), stopped
        assert stopped.stdout == "supervisor is not running: nothing to stop\n"


def test_clean_removes_everything_the_project_creates_and_says_no_error(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    made = [".venv", ".redis", ".pytest_cache", ".supervisor", ".hypothesis",
            "tests/__pycache__", "kuestyle/__pycache__"]
    for folder in made:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "something").write_text("x")
    cleaned = make("clean", cwd=tmp_path)
    assert calm(cleaned), cleaned
    assert [folder for folder in made if (tmp_path / folder).exists()] == []
    assert (tmp_path / "Makefile").exists() and (tmp_path / "tests").exists()


def test_processes_choosing_ports_at_once_never_get_the_same_one():
    """free_port() in four processes at once, 100 ports each: 400 different ports (a test's
    app once found another test's Redis on the port it was given)."""
    child = ("from tools.embedded_redis import free_port\n"
             "print(' '.join(str(free_port()) for _ in range(100)))\n")
    choosers = [subprocess.Popen([PYTHON, "-c", child], cwd=ROOT, stdout=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    ports = [int(port) for chooser in choosers
             for port in chooser.communicate(timeout=60)[0].split()]
    assert len(ports) == 400 and len(set(ports)) == 400


@pytest.mark.slow
@pytest.mark.minute  # about 40 s: started first, with the longest
@pytest.mark.timeout(300)
def test_the_demo_runs_every_lesson_with_no_traceback(redis_server):
    """The README's first command, on the test's Redis (`make demo` uses the Redis at
    REDIS_URL when one answers): every task's heading, exit status 0, and no traceback from
    any lesson it runs (a stale call in the demo's own script once showed one, exit 0)."""
    ran = subprocess.run([PYTHON, "-m", "tools.demo"], cwd=ROOT, env=lesson_env(),
                         capture_output=True, text=True, timeout=280)
    assert ran.returncode == 0, ran.stderr[-2000:]
    shown = ran.stdout + ran.stderr
    assert "Traceback" not in shown, shown[shown.find("Traceback") - 500:][:2000]
    for task in ("Task 0", "Task 1", "Task 2", "Task 4", "Task 5", "Task 6", "Task 7",
                 "Task 8", "Task 9", "Task 100"):
        assert f"=== {task}" in ran.stdout, task
