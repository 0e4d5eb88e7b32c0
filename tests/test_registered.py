"""Data never picks the code: every worker the project starts runs only its lesson's functions.

An attacker who can write to Redis plants JSON jobs naming ``os.system``, ``subprocess.run``,
``builtins.exec``, a module whose import has a side effect, and a lesson function with a
foreign callback.  Real worker processes must import none of them, fail each with the reason,
and go on to run the lesson's next real job.
"""
import importlib
import re
import signal

import pytest
from rq import Callback, Queue
from rq.serializers import JSONSerializer

from tests.helpers import http_get, lesson_env, run_lesson, wait_for_worker, wait_until

# The worker command, its queue, a real job of its lesson, and the status that job reaches.
WORKERS = {
    "6-job_processor.py": ([], "push_notification_code", "6-job_processor.process_notification",
                           ({"phoneNumber": "1", "message": "real"},), "finished"),
    "7-job_processor.py": ([], "push_notification_code_2", "7-job_processor.process_notification",
                           ({"phoneNumber": "1", "message": "real"},), "finished"),
    "102-delayed_job_worker.py": ([], "reminders", "102-delayed_job.remind", ("real",), "finished"),
    # Its job fails its first attempt on purpose: failing by itself, not refused, is a run.
    "103-retry_worker.py": ([], "uploads", "103-retry_job.upload", ("real",), "failed"),
    # Its job takes 10 s: started is enough to show the worker took it.
    "104-remove_worker.py": ([], "videos", "104-remove_job.encode_video", ("real",), "started"),
    "105-graceful_shutdown.py": (["worker"], "shutdown_demo", "105-graceful_shutdown.long_task",
                                 (0.1,), "finished"),
    "106-crash_recovery.py": (["worker"], "renders", "106-crash_recovery.render", ("real",),
                              "finished"),
    "107-worker.py": ([], "emails", "107-producer.send_email", ("real",), "finished"),
    "108-image_worker.py": ([], "images", "108-image_app.process_image", ("real",), "finished"),
    "110-high_availability.py": (["worker"], "high_availability", "110-high_availability.record",
                                 (), "finished"),
    "111-recurring_worker.py": ([], "recurring", "111-recurring_jobs.send_digest", ("12:00:00",),
                                "finished"),
    "112-rate_limit_worker.py": ([], "sms_provider", "112-rate_limit.send_sms", (1,), "finished"),
}


@pytest.fixture
def marker(tmp_path):
    """The file any planted job (or the marker module's import) would create."""
    return tmp_path / "code-ran"


def plant_attacks(connection, queue_name: str, marker, real_function: str) -> dict[str, str]:
    """Queue the attacker's JSON jobs; return each job's id and the name it must be refused for."""
    queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
    attacks = [("os.system", (f"touch {marker}",), {}),
               ("subprocess.run", (["touch", str(marker)],), {}),
               ("builtins.exec", (f"open({str(marker)!r}, 'w')",), {}),
               ("tests.import_marker.anything", (), {}),
               (real_function, (), {"on_success": Callback("tests.import_marker.anything")})]
    refused = {}
    for number, (name, args, options) in enumerate(attacks):
        job = queue.enqueue(name, *args, job_id=f"planted-{number}", **options)
        refused[job.id] = "tests.import_marker.anything" if options else name
    return refused


def refusal_of(queue: Queue, job_id: str) -> str:
    """The status and reason RQ recorded for a job."""
    job = queue.fetch_job(job_id)
    result = job.latest_result()
    return f"{job.get_status(refresh=True).value}: {result.exc_string if result else ''}"


@pytest.mark.parametrize("script", WORKERS)
def test_a_lesson_worker_runs_only_its_lessons_functions(script, background, rq_connection,
                                                         marker):
    args, queue_name, function, real_args, reached = WORKERS[script]
    refused = plant_attacks(rq_connection, queue_name, marker, function)
    queue = Queue(queue_name, connection=rq_connection, serializer=JSONSerializer)
    real = queue.enqueue(function, *real_args, job_id="real")
    worker = background(script, *args, env=lesson_env(IMPORT_MARKER=str(marker)))
    wait_until(lambda: real.get_status(refresh=True) == reached, 30,
               f"{script}: the real job after the planted ones {reached}")
    for job_id, name in refused.items():  # a pool runs two at once: one may still be ending
        wait_until(lambda: refusal_of(queue, job_id).startswith("failed: "), 20,
                   f"{job_id} refused")
        assert f"not a function this worker runs: {name}" in refusal_of(queue, job_id)
    assert not marker.exists(), f"{script} ran a planted job"
    assert worker.proc.poll() is None, f"{script} stopped: {worker.errors}"


def test_a_planted_job_is_not_retried(background, rq_connection, marker):
    from rq import Retry
    queue = Queue("push_notification_code", connection=rq_connection, serializer=JSONSerializer)
    planted = queue.enqueue("os.system", f"touch {marker}", retry=Retry(max=5))
    real = queue.enqueue("6-job_processor.process_notification",
                         {"phoneNumber": "1", "message": "real"})
    background("6-job_processor.py")
    wait_until(lambda: real.get_status(refresh=True) == "finished", 20, "the real job finished")
    # A retry would have put it back behind the real job: queued, not failed.
    assert planted.get_status(refresh=True) == "failed"
    assert len(planted.results()) == 1, "refused once, never tried again"
    assert not marker.exists()


def test_an_abandoned_jobs_failure_callback_is_not_imported(background, rq_connection, marker):
    """RQ's tidy-up runs the failure callback of a job whose worker died: a planted one that
    names a foreign callback is failed without importing it."""
    queue = Queue("push_notification_code", connection=rq_connection, serializer=JSONSerializer)
    job = queue.enqueue("6-job_processor.process_notification",
                        {"phoneNumber": "1", "message": "abandoned"}, job_id="abandoned",
                        on_failure=Callback("tests.import_marker.anything"))
    rq_connection.lrem(queue.key, 0, job.id)  # taken by a worker that then died:
    rq_connection.zadd(queue.started_job_registry.key, {f"{job.id}:gone": 1})  # long expired
    rq_connection.hset(job.key, "status", "started")
    background("6-job_processor.py", env=lesson_env(IMPORT_MARKER=str(marker)))
    wait_until(lambda: job.get_status(refresh=True) == "failed", 20, "the abandoned job failed")
    assert not marker.exists()


def test_every_lesson_that_runs_a_worker_is_attacked_here():
    """A new lesson's worker cannot escape these tests: 100 and 101 have their own below."""
    from tests.helpers import ROOT
    runs_a_worker = {path.name for path in ROOT.glob("[0-9]*.py")
                     if re.search(r"\.work\(|WorkerPool\(", path.read_text(encoding="utf-8"))}
    assert runs_a_worker - set(WORKERS) == {"100-seat.py", "101-job_priority.py"}


def test_the_priority_lessons_own_worker_refuses_planted_jobs(rq_connection, marker):
    refused = plant_attacks(rq_connection, "email:critical", marker,
                            "101-job_priority.send_email")
    proc = run_lesson("101-job_priority.py", env=lesson_env(IMPORT_MARKER=str(marker)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("runs: email to") == 5, proc.stdout
    queue = Queue("email:critical", connection=rq_connection, serializer=JSONSerializer)
    for job_id, name in refused.items():
        assert f"not a function this worker runs: {name}" in refusal_of(queue, job_id)
    assert not marker.exists()


def test_the_seat_consumer_refuses_planted_jobs(serve_app, rq_connection, marker):
    refused = plant_attacks(rq_connection, "reserve_seat", marker, "100-seat.take_seat")
    app = serve_app("100-seat.py", env=lesson_env(IMPORT_MARKER=str(marker)),
                    ready_path="/available_seats")
    assert http_get(app.url("/reserve_seat"))[0] == 202
    assert http_get(app.url("/process"))[0] == 200
    wait_until(lambda: rq_connection.get("available_seats") == b"49", 20, "one seat taken")
    queue = Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer)
    wait_until(lambda: all(refusal_of(queue, job_id).startswith("failed") for job_id in refused),
               20, "every planted seat job failed")
    for job_id, name in refused.items():
        assert f"not a function this worker runs: {name}" in refusal_of(queue, job_id)
    assert not marker.exists()


def test_the_rule_is_checked_against_the_rq_it_relies_on(rq_connection):
    """runs_only overrides Job.func and the three callback properties, and reads callback
    names from Job.to_dict(): RQ 2.12's names for them."""
    import rq
    from rq.job import Job
    assert rq.VERSION.startswith("2.12."), "re-check kuestyle/registered.py"
    for name in ("func", "success_callback", "failure_callback", "stopped_callback"):
        assert isinstance(getattr(Job, name), property), name
    registered = importlib.import_module("kuestyle.registered")
    job = Job.create("6-job_processor.process_notification", connection=rq_connection,
                     on_success=Callback("kuestyle.events.job_completed"))
    assert set(registered.CALLBACKS) <= set(job.to_dict())
    assert job.to_dict()["success_callback_name"] == "kuestyle.events.job_completed"


@pytest.mark.parametrize("script, queue_name", [("6-job_processor.py", "push_notification_code"),
                                                ("7-job_processor.py", "push_notification_code_2")])
@pytest.mark.parametrize("data", [{"phoneNumber": 1, "message": "m"}, {"message": "m"},
                                  ["4153518780", "m"], "4153518780"])
def test_a_registered_function_treats_its_arguments_as_input(
        script, queue_name, data, background, rq_connection):
    """Whoever writes Redis may call a registered function with any arguments: a bad shape
    fails that job with a clear reason, and the worker goes on."""
    queue = Queue(queue_name, connection=rq_connection, serializer=JSONSerializer)
    bad = queue.enqueue(f"{script[:-3]}.process_notification", data, job_id="bad")
    real = queue.enqueue(f"{script[:-3]}.process_notification",
                         {"phoneNumber": "1", "message": "real"}, job_id="real")
    background(script)
    wait_until(lambda: real.get_status(refresh=True) == "finished", 20, "the real job finished")
    # Task 7 runs two jobs at once: the bad one may still be ending when the real one is done.
    wait_until(lambda: bad.get_status(refresh=True) == "failed", 20, "the bad job failed")
    assert 'job data must be {"phoneNumber": "...", "message": "..."}' in refusal_of(queue, "bad")


POISON = {"an id RQ refuses": ("a.b", None),
          "a garbage status": ("bad-status", {"status": "no-such-status"}),
          "a garbage date": ("bad-date", {"created_at": "yesterday-ish"}),
          "a garbage timeout": ("bad-timeout", {"timeout": "forever"})}


@pytest.mark.parametrize("script", ["6-job_processor.py", "104-remove_worker.py",
                                    "108-image_worker.py"])
def test_malformed_queue_entries_are_set_aside_and_the_worker_goes_on(
        script, background, rq_connection):
    """One bad entry used to end RQ's loop: the processor exited 0, saying nothing.  Every
    kind of bad entry is queued before a good job: each is set aside, said on stderr, and
    the good job still runs."""
    args, queue_name, function, real_args, reached = WORKERS[script]
    queue = Queue(queue_name, connection=rq_connection, serializer=JSONSerializer)
    for job_id, fields in POISON.values():
        if fields is None:
            rq_connection.rpush(queue.key, job_id)
        else:
            queue.enqueue(function, *real_args, job_id=job_id)
            rq_connection.hset(f"rq:job:{job_id}", mapping=fields)
    real = queue.enqueue(function, *real_args, job_id="real")
    worker = background(script, *args)
    wait_until(lambda: real.get_status(refresh=True) == reached, 30,
               f"{script}: the good job after {len(POISON)} bad entries {reached}")
    assert worker.proc.poll() is None, f"{script} stopped: {worker.errors}"
    for poison, (job_id, _) in POISON.items():
        wait_until(lambda: any(f"Skipped queue entry '{job_id}'" in line
                               for line in worker.errors), 5, f"{poison} said on stderr")


SINGLE_WORKERS = ["6-job_processor.py", "102-delayed_job_worker.py", "103-retry_worker.py",
                  "104-remove_worker.py", "106-crash_recovery.py", "108-image_worker.py",
                  "110-high_availability.py", "111-recurring_worker.py",
                  "112-rate_limit_worker.py"]
WRONG_TYPE = "Worker stopped: ResponseError: WRONGTYPE"


@pytest.mark.parametrize("script", SINGLE_WORKERS)
def test_an_error_that_ends_rqs_loop_is_one_line_and_status_1(script, rq_connection):
    """A queue key of the wrong type ends RQ's loop, which used to return as if asked to stop
    (status 0, nothing said): a supervisor would never restart the worker."""
    args, queue_name, *_ = WORKERS[script]
    rq_connection.set(f"rq:queue:{queue_name}", "not a list")
    ran = run_lesson(script, *args, timeout=30)
    assert ran.returncode == 1, ran.stderr
    assert ran.stderr.splitlines() == [
        f"{WRONG_TYPE} Operation against a key holding the wrong kind of value"], ran.stderr


@pytest.mark.parametrize("script", ["7-job_processor.py", "107-worker.py"])
def test_a_pool_replaces_a_worker_an_error_stopped_and_goes_on(script, background,
                                                               rq_connection):
    """In a WorkerPool, each worker the error stops says so in one line; the pool starts
    another, which runs the next good job once the key is mended."""
    args, queue_name, function, real_args, reached = WORKERS[script]
    rq_connection.set(f"rq:queue:{queue_name}", "not a list")
    pool = background(script, *args)
    wait_until(lambda: sum(WRONG_TYPE in line for line in pool.errors) >= 2, 30,
               "two workers stopped by the error, each saying so")
    rq_connection.delete(f"rq:queue:{queue_name}")
    queue = Queue(queue_name, connection=rq_connection, serializer=JSONSerializer)
    real = queue.enqueue(function, *real_args, job_id="real")
    wait_until(lambda: real.get_status(refresh=True) == reached, 30,
               f"{script}: the good job {reached} once the key is mended")
    assert pool.proc.poll() is None, pool.errors
    assert all(line.startswith(WRONG_TYPE) for line in pool.errors), pool.errors
    pool.signal(signal.SIGTERM)
    assert pool.wait(30) == 0, pool.errors
