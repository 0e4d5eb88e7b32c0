"""Lesson 106: a SIGKILLed worker's job comes back and completes on another worker.

Its two runs (killed, frozen) take RQ's minute each: tests/test_readme.py runs them once,
as docs/LESSONS.md shows them, and checks the bound and the receipt there."""
from tests.helpers import describe, run_lesson


def test_bad_arguments_exit_2_with_usage():
    proc = run_lesson("106-crash_recovery.py", "--freeze", "soon")
    assert proc.returncode == 2 and "usage:" in proc.stderr, describe(proc)
