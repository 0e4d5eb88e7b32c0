"""Lesson 111: recurring jobs, one job per run whatever the number of schedulers."""
import collections
import json
import re
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.recurring import next_cron_run, next_interval_run, run_id
from tests.helpers import describe, run_lesson, wait_for_worker

RAN = re.compile(r"(Cleaned up inactive accounts|Sent the digest) \(run of (\d\d:\d\d:\d\d)\)")
SCHEDULED = re.compile(r"Scheduled ((clean_up_inactive_accounts|send_digest)-(\d{8}T\d{6}Z))")
UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def test_both_forms_name_the_same_runs_on_every_host():
    moment = datetime(2026, 12, 2, 19, 37, 21, 857000, tzinfo=UTC)
    assert next_cron_run("0 3 * * *", moment) == datetime(2026, 12, 3, 3, tzinfo=UTC)
    assert next_cron_run("* * * * * */2", moment) == moment.replace(second=22, microsecond=0)
    every = timedelta(seconds=3)
    # Multiples of the interval since the epoch: 19:37:24 whatever the host's start time.
    assert next_interval_run(every, moment) == moment.replace(second=24, microsecond=0)
    assert next_interval_run(every, moment.replace(second=24, microsecond=0)) == \
        moment.replace(second=27, microsecond=0)
    assert run_id("send_digest", moment.replace(second=24)) == "send_digest-20261202T193724Z"


def runs_in(worker) -> collections.Counter:
    return collections.Counter(RAN.fullmatch(line).groups() for line in worker.lines
                               if RAN.fullmatch(line))


def clean_ups(worker) -> int:
    return sum(n for (kind, _), n in runs_in(worker).items() if kind.startswith("Cleaned"))


def finished_runs(connection) -> dict[str, list[datetime]]:
    """The finished registry's runs, by schedule, in time order."""
    queue = Queue("recurring", connection=connection, serializer=JSONSerializer)
    found = collections.defaultdict(list)
    for job_id in queue.finished_job_registry.get_job_ids():
        name, _, when = job_id.rpartition("-")
        found[name].append(at(when))
    return {name: sorted(times) for name, times in found.items()}


def assert_every_run_once(worker, times: list[datetime], step: timedelta) -> None:
    """Each run in times ran exactly once, and no run is missing between the first and last."""
    ran = runs_in(worker)
    assert all(count == 1 for count in ran.values()), f"a run ran twice: {ran}"
    assert [b - a for a, b in zip(times, times[1:])] == [step] * (len(times) - 1), times


@pytest.mark.slow
def test_two_schedulers_one_killed_still_one_job_per_run(background, rq_connection):
    worker = background("111-recurring_worker.py")
    wait_for_worker(rq_connection, "recurring")
    first, second = background("111-recurring_jobs.py"), background("111-recurring_jobs.py")
    worker.wait_for(lambda _: clean_ups(worker) >= 15, timeout=40, what="15 clean-ups ran")
    first.signal(signal.SIGKILL)
    worker.wait_for(lambda _: clean_ups(worker) >= 30, timeout=40, what="30 clean-ups ran")
    second.signal(signal.SIGTERM)
    assert second.wait() == 0 and second.errors == [], second
    scheduled = [SCHEDULED.fullmatch(line).group(1) for s in (first, second) for line in s.lines]
    assert len(scheduled) == len(set(scheduled)), f"a run scheduled twice: {scheduled}"
    assert first.lines and second.lines, "both schedulers scheduled runs"
    queue = Queue("recurring", connection=rq_connection, serializer=JSONSerializer)
    # The last runs scheduled may still be waiting for their time: let them run and end.
    worker.wait_for(lambda _: queue.scheduled_job_registry.count == queue.count ==
                    queue.started_job_registry.count == 0, timeout=10,
                    what="every scheduled run ran and ended")
    runs = finished_runs(rq_connection)
    # A run prints its line before RQ records it finished; the test reads the line later.
    worker.wait_for(lambda _: sum(runs_in(worker).values()) >= sum(map(len, runs.values())),
                    timeout=10, what="the line of every finished run")
    assert len(runs["clean_up_inactive_accounts"]) >= 30
    assert_every_run_once(worker, runs["clean_up_inactive_accounts"], timedelta(seconds=1))
    assert_every_run_once(worker, runs["send_digest"], timedelta(seconds=2))
    assert sum(runs_in(worker).values()) == sum(map(len, runs.values()))
    for name, times in runs.items():
        for when in times:  # never before its time
            job = Job.fetch(run_id(name, when), connection=rq_connection,
                            serializer=JSONSerializer)
            assert job.started_at.replace(tzinfo=UTC) >= when, (job.id, job.started_at)


@pytest.mark.slow
def test_a_restart_after_ten_seconds_skips_the_missed_runs_and_a_late_worker_runs_each_once(
        background, rq_connection):
    scheduler = background("111-recurring_jobs.py")
    scheduler.wait_for(lambda lines: len(lines) >= 6, timeout=10, what="six runs scheduled")
    # No worker yet: the runs that fall due wait; a worker that starts runs each once.
    worker = background("111-recurring_worker.py")
    worker.wait_for(lambda _: clean_ups(worker) >= 3, timeout=20, what="three clean-ups ran")
    scheduler.signal(signal.SIGTERM)
    assert scheduler.wait() == 0, scheduler
    before = [at(SCHEDULED.fullmatch(line).group(3)) for line in scheduler.lines
              if "clean_up" in line]
    stopped = datetime.now(UTC)
    time.sleep(10)  # the stop being tested: ten seconds without a scheduler
    restarted = datetime.now(UTC)
    again = background("111-recurring_jobs.py")
    again.wait_for(lambda lines: any("clean_up" in line for line in lines), timeout=10,
                   what="a clean-up scheduled after the restart")
    seen = datetime.now(UTC)
    again.wait_for(lambda lines: sum("clean_up" in line for line in lines) >= 4, timeout=10,
                   what="four clean-ups scheduled after the restart")
    after = [at(SCHEDULED.fullmatch(line).group(3)) for line in again.lines
             if "clean_up" in line]
    # Nothing made up: the first run after the restart is the next one after its start.
    assert restarted < after[0] <= seen + timedelta(seconds=1), (restarted, seen, after)
    assert before[-1] <= stopped + timedelta(seconds=1), (before, stopped)
    worker.wait_for(lambda _: all((("Cleaned up inactive accounts", f"{when:%H:%M:%S}")
                                   in runs_in(worker)) for when in before + after[:3]),
                    timeout=10, what="every scheduled run ran")
    ran = runs_in(worker)
    assert all(count == 1 for count in ran.values()), ran
    ran_clean_ups = sorted(when for kind, when in ran if kind.startswith("Cleaned"))
    skipped = [when for when in ran_clean_ups
               if f"{before[-1]:%H:%M:%S}" < when < f"{after[0]:%H:%M:%S}"]
    assert skipped == [], f"runs of the stop were made up: {skipped}"


def test_the_dashboard_shows_the_scheduled_and_the_finished_runs(background, serve_app,
                                                                 rq_connection):
    proc = run_lesson("111-recurring_jobs.py", "--runs", "1", timeout=20)
    assert proc.returncode == 0, describe(proc)
    scheduled = sorted(SCHEDULED.fullmatch(line).group(1) for line in proc.stdout.splitlines())
    assert len(scheduled) == 2, describe(proc)
    dashboard = serve_app("109-dashboard.py", ready_path="/0/data/queues.json")

    def shown(registry: str) -> list[str]:
        status, text, _ = dashboard.get(f"/0/data/jobs/recurring/{registry}/8/asc/1.json")
        assert status == 200, text
        return sorted(job["id"] for job in json.loads(text)["jobs"])
    assert shown("scheduled") == scheduled
    worker = background("111-recurring_worker.py")
    worker.wait_for(lambda lines: len(lines) == 2, timeout=10, what="both runs ran")
    queue = Queue("recurring", connection=rq_connection, serializer=JSONSerializer)
    worker.wait_for(lambda _: queue.finished_job_registry.count == 2, timeout=10,
                    what="both runs finished")
    assert shown("finished") == scheduled and shown("scheduled") == []


def test_runs_stops_after_that_many_runs_of_each_schedule():
    proc = run_lesson("111-recurring_jobs.py", "--runs", "2", timeout=20)
    names = [SCHEDULED.fullmatch(line).group(2) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and proc.stderr == "", describe(proc)
    assert sorted(names) == ["clean_up_inactive_accounts"] * 2 + ["send_digest"] * 2


def test_ctrl_c_stops_the_scheduler_and_leaves_its_runs_scheduled(background, rq_connection):
    scheduler = background("111-recurring_jobs.py")
    scheduler.wait_for(lambda lines: len(lines) >= 2, what="the first runs scheduled")
    scheduler.signal(signal.SIGINT)
    assert scheduler.wait() == 0 and scheduler.errors == [], scheduler
    queue = Queue("recurring", connection=rq_connection, serializer=JSONSerializer)
    assert queue.scheduled_job_registry.count >= 1


@pytest.mark.parametrize("argument", ["0", "-1", "x"])
def test_a_bad_count_is_one_usage_error(argument):
    proc = run_lesson("111-recurring_jobs.py", "--runs", argument)
    assert proc.returncode == 2 and proc.stdout == "", describe(proc)
    assert "Traceback" not in proc.stderr and "invalid count value" in proc.stderr
