"""Run a lesson whose workers also run the probe jobs of tests/jobs.py (tests only).

``python -m tests.with_probes 7-job_processor.py [ARGS]`` runs the lesson unchanged, except
that every ``runs_only(...)`` it calls also registers the probes below: two jobs that must
run side by side, a slow job, a crash, a counted run.  The lesson's own rule still refuses
every other name.
"""
import runpy
import sys
from pathlib import Path

from kuestyle import registered

PROBES = ("tests.jobs.wait_for_twin", "tests.jobs.slow_job", "tests.jobs.count_done",
          "tests.jobs.exit_process")


def runs_only_with_probes(*names: str) -> type:
    """The lesson's registered names, and the probes."""
    return lessons_rule(*names, *PROBES)


if __name__ == "__main__":
    lessons_rule = registered.runs_only
    registered.runs_only = runs_only_with_probes
    lesson = Path(__file__).resolve().parent.parent / sys.argv[1]
    sys.argv = [str(lesson), *sys.argv[2:]]
    runpy.run_path(str(lesson), run_name="__main__")
