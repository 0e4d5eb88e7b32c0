"""Lesson 105: warm shutdown finishes the running job; a second signal is cold."""
import signal
import subprocess
import time

import psutil
import pytest

from tests.helpers import describe, run_lesson

EXPECTED = """Job 1 created: a 2-second task
SIGTERM sent: warm shutdown, the job finishes first
Task finished after 2 seconds
Worker exited with status 0; job 1 is finished
Job 2 created: a 3-second task
SIGTERM sent twice: cold shutdown, the job is interrupted
Worker exited with status 0; job 2 is started
"""


def test_warm_then_cold_shutdown():
    proc = run_lesson("105-graceful_shutdown.py", timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, EXPECTED, ""), describe(proc)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_waits_for_the_worker_so_nothing_prints_after_the_prompt(background, signum):
    """Ctrl-C, or SIGTERM (which used to leave the worker running, its parent gone)."""
    demo = background("105-graceful_shutdown.py")
    demo.wait_for_line("Job 1 created: a 2-second task")
    workers = psutil.Process(demo.proc.pid).children()
    assert len(workers) == 1, workers
    demo.signal(signum)
    try:
        status = demo.wait(timeout=20)
    except subprocess.TimeoutExpired:
        alive = [(w.pid, w.status(), w.cmdline()[-1:]) for w in workers if w.is_running()]
        raise AssertionError(f"the demo still runs 20 s after the signal: {demo}; "
                             f"its worker: {alive}") from None
    assert status == 0, demo
    printed = len(demo.lines)
    time.sleep(1)
    assert len(demo.lines) == printed and "Traceback" not in "".join(demo.errors), demo
    assert not workers[0].is_running(), "the worker outlived the demo"
