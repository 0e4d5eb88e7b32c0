"""The layout the lessons promise: RQ shown on each page, a package short enough to read at once."""
import ast
import inspect
import subprocess
import time
from pathlib import Path

import pytest
import rq
from rq import SimpleWorker, Worker

from kuestyle.rq_gaps import HeartbeatGrace
from tests.helpers import PYTHON, ROOT, wait_until

LESSONS = sorted(p.name for p in ROOT.glob("[0-9]*.py"))  # every numbered file
RQ_LESSONS = [name for name in LESSONS if "from rq import " in (ROOT / name).read_text()]
PACKAGE = sorted((ROOT / "kuestyle").glob("*.py"))
# What a lesson may import from the project (kuestyle/ and tools/, counted the same way).
# 250 until the workers' rule of what runs (registered.py) and Kue's one attempt (retries.py)
# came in: every worker reads both; 380 since the dashboard's quarantine serves seven views
# reading JSON and the patient client stops retrying on a signal; 395 since the quarantine
# writes a worker's own key less often (fewer commands a job); 435 since it hands back a
# job a crash left in flight within seconds, not a minute.  A budget is raised with its
# reason, not squeezed.
IMPORTED_LINES_BUDGET = 435
IMPORTED_LINES_RAISED = {
    # An app and its own consumer worker: the web module, the worker's rules and the
    # recovery rule, as no other lesson needs all three (529 lines).
    "100-seat.py": 535,
    # It starts its own master, replica and three Sentinels with tools/embedded_redis.py
    # (311 lines), the code `make redis` runs; the rest is a worker's (734 lines).
    "110-high_availability.py": 740,
}
# 130 until each worker's page named what it runs (one line, two with its comment).
LESSON_LINES_BUDGET = 140
# The curriculum puts the seat app and its queue's consumer in one file; since its worker
# class and its two connection policies are on the page, it held 140 lines; the consumer it
# starts with the app, waiting for /process (no interpreter start then), brings 164.
LESSON_LINES_RAISED = {"100-seat.py": 170}
LESSON_LINE_WIDTH, PACKAGE_LINE_WIDTH = 79, 99


def code_lines(path) -> int:
    """Lines that are not blank and not a comment alone (docstrings count)."""
    return sum(1 for line in path.read_text().splitlines()
               if line.strip() and not line.strip().startswith("#"))


def project_imports(path) -> set:
    """The project modules (kuestyle.*, tools.*) a file imports, directly or not."""
    found, todo = {ROOT / "kuestyle" / "__init__.py"}, [path]
    while todo:
        tree = ast.parse(todo.pop().read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                module = ROOT / (name.replace(".", "/") + ".py")
                if name.split(".")[0] in ("kuestyle", "tools") and module.exists() \
                        and module not in found:
                    found.add(module)
                    todo.append(module)
    return found


def imported_lines(name: str) -> int:
    """The project's own lines a lesson pulls in."""
    return sum(code_lines(module) for module in project_imports(ROOT / name))


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_imports_at_most_435_project_lines(name):
    budget = IMPORTED_LINES_RAISED.get(name, IMPORTED_LINES_BUDGET)
    assert imported_lines(name) <= budget, sorted(
        (str(m.relative_to(ROOT)), code_lines(m)) for m in project_imports(ROOT / name))


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_is_at_most_140_lines(name):
    assert code_lines(ROOT / name) <= LESSON_LINES_RAISED.get(name, LESSON_LINES_BUDGET)


def test_a_raised_budget_is_still_needed():
    for name, budget in IMPORTED_LINES_RAISED.items():
        assert IMPORTED_LINES_BUDGET < imported_lines(name) <= budget, name
    for name, budget in LESSON_LINES_RAISED.items():
        assert LESSON_LINES_BUDGET - 5 < code_lines(ROOT / name) <= budget, name


@pytest.mark.parametrize("path", [ROOT / name for name in LESSONS] + PACKAGE,
                         ids=lambda p: p.name)
def test_no_line_is_packed(path):
    """A lesson keeps PEP 8's 79 columns, the package 99; one statement per line."""
    width = PACKAGE_LINE_WIDTH if path.parent.name == "kuestyle" else LESSON_LINE_WIDTH
    lines = path.read_text().splitlines()
    assert [n for n, line in enumerate(lines, 1) if len(line) > width] == []
    starts = [node.lineno for node in ast.walk(ast.parse("\n".join(lines)))
              if isinstance(node, ast.stmt)]
    assert len(starts) == len(set(starts)), "two statements on one line"


@pytest.mark.parametrize("name", RQ_LESSONS)
def test_an_rq_lesson_shows_rq_on_its_own_page(name):
    text = (ROOT / name).read_text()
    uses = [verb for verb in (".enqueue(", ".enqueue_many(", ".enqueue_at(", "Worker(",
                              ", SimpleWorker)", ", Worker)", "WorkerPool(", "get_current_job",
                              "Job.", "Queue(")
            if verb in text]
    assert uses, f"{name} shows none of RQ's verbs"


def test_every_rq_verb_the_issue_names_is_on_some_lesson_page():
    text = "".join((ROOT / name).read_text() for name in RQ_LESSONS)
    for verb in ("Queue(", ".enqueue(", ".enqueue_many(", "Queue.prepare_data(", "Callback(",
                 "SimpleWorker(", "Worker(", "WorkerPool(", "get_current_job()", "job.meta",
                 "save_meta()", ".enqueue_at(", "Retry(", ".cancel()",
                 "send_stop_job_command(", "with_scheduler=True"):
        assert verb in text or verb in (ROOT / "kuestyle" / "events.py").read_text(), verb


def test_the_root_holds_lessons_and_the_few_files_around_them():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                             text=True).stdout.split()
    top = {path.split("/")[0] for path in tracked}
    others = {name for name in top if not name[0].isdigit()}
    assert others <= {"README.md", "Makefile", "requirements.txt", "pytest.ini", "dump.rdb",
                      "tests", "kuestyle", "tools", "docs", "deploy", ".ci", ".gitignore"}, others


def private_uses(path) -> list[str]:
    """Attributes or names starting with one underscore that come from outside the file."""
    tree = ast.parse(path.read_text())
    own = {n.name for n in ast.walk(tree)
           if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    own |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
            for t in n.targets if isinstance(t, ast.Name)}
    targets = [t for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign))
               for t in ([n.target] if isinstance(n, ast.AnnAssign) else n.targets)]
    own |= {t.attr for target in targets  # a, self._b = ...: each name assigned
            for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            if isinstance(t, ast.Attribute)}
    found = []
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else \
            node.name if isinstance(node, ast.alias) else None
        if name and name.startswith("_") and not name.startswith("__") and name not in own:
            found.append(f"{path.name}:{node.lineno}: {name}")
    return found


@pytest.mark.parametrize("path", [ROOT / name for name in LESSONS] + PACKAGE,
                         ids=lambda p: p.name)
def test_no_private_attribute_of_rq_or_redis_is_touched(path):
    assert private_uses(path) == []


RQ_CLASSES = {"Worker", "SimpleWorker", "Queue", "Job", "WorkerPool"}
# Where an RQ class may be subclassed with methods: the quarantine, the recovery rule's
# mixin, and the rule that picks what runs.  Anywhere else a worker class only combines
# them: its body is a docstring and settings, no method.
METHODS_ALLOWED = {"rq_gaps.py", "workers.py", "registered.py"}
WORKER_MIXINS = {"HeartbeatGrace", "SaysWhyItStopped", "PromptRecovery", "FewerWorkerKeyWrites",
                 "PromptInFlightCleanup"}


def test_only_the_quarantine_and_the_rules_override_an_rq_method():
    for path in [ROOT / name for name in LESSONS] + PACKAGE:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and path.name not in METHODS_ALLOWED and \
                    {ast.unparse(base) for base in node.bases} & (RQ_CLASSES | WORKER_MIXINS):
                methods = [n.name for n in node.body if isinstance(n, ast.FunctionDef)]
                assert not methods, f"{path.name}: {node.name} defines {methods}"


def test_a_lessons_worker_class_names_the_rq_class_it_is(rq_connection):
    """Every worker class a lesson defines ends with RQ's own class, on its page."""
    import importlib
    for name in LESSONS:
        tree = ast.parse((ROOT / name).read_text())
        for node in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            bases = [ast.unparse(base) for base in node.bases]
            if bases and bases[-1] in RQ_CLASSES:
                module = importlib.import_module(name[:-3])
                assert issubclass(getattr(module, node.name), getattr(rq, bases[-1]))
                assert getattr(module, node.name).__name__ == node.name  # logs say so


def test_rq_gaps_is_checked_against_the_rq_it_relies_on():
    """The quarantine leans on Worker.get_heartbeat_ttl, heartbeat, set_state,
    clean_registries and handle_job_failure, and on the in-flight list's first-seen mark;
    this pins what it was checked with."""
    from rq.intermediate_queue import IntermediateQueue
    assert rq.VERSION.startswith("2.12."), f"re-check kuestyle/rq_gaps.py for RQ {rq.VERSION}"
    parameters = list(inspect.signature(Worker.get_heartbeat_ttl).parameters)
    assert parameters == ["self", "job"]
    assert list(inspect.signature(Worker.heartbeat).parameters) == ["self", "timeout", "pipeline"]
    assert list(inspect.signature(Worker.set_state).parameters) == ["self", "state", "pipeline"]
    assert list(inspect.signature(Worker.clean_registries).parameters) == ["self"]
    assert list(inspect.signature(Worker.handle_job_failure).parameters) == [
        "self", "job", "queue", "started_job_registry", "exc_string"]
    assert "minutes=1" in inspect.getsource(IntermediateQueue.should_be_cleaned_up)
    assert list(inspect.signature(IntermediateQueue.get_first_seen).parameters) == [
        "self", "job_id"]


@pytest.mark.parametrize("base, expected", [(Worker, 1 + 2), (SimpleWorker, 20 + 2)])
def test_the_heartbeat_grace_replaces_rqs_60_seconds(base, expected, rq_connection):
    """A forking Worker's TTL is its renewal interval plus the grace; a SimpleWorker's
    (which does not renew it) is the job's timeout plus the grace."""
    from rq import Queue
    job = Queue("q", connection=rq_connection).enqueue(print, job_timeout=20)
    plain = base(["q"], connection=rq_connection, job_monitoring_interval=1)
    assert plain.get_heartbeat_ttl(job) == expected - 2 + 60  # RQ 2.12's own rule

    class Graced(HeartbeatGrace, base):
        heartbeat_grace = 2
    worker = Graced(["q"], connection=rq_connection, job_monitoring_interval=1)
    assert worker.get_heartbeat_ttl(job) == expected


def test_every_lesson_processor_uses_the_one_recovery_rule():
    """The recovery settings live in kuestyle/recovery.py: no lesson repeats the figures."""
    import re
    for name in LESSONS:
        text = (ROOT / name).read_text()
        if name.startswith("106-"):  # the crash demo's own, shorter settings, named there
            continue
        assert not re.search(r"(maintenance_interval|worker_ttl|result_ttl|failure_ttl)=\d"
                             r"|timeout=20", text), name
        assert "Retry(max=1)" not in text, name


def test_rq_own_cli_runs_a_lessons_job(rq_connection, redis_server):
    """`rq worker` (the lessons' serializer and job class) runs what a lesson queued, and
    refuses what it does not register; `rq info` reads it."""
    from rq import Queue
    from rq.serializers import JSONSerializer
    queue = Queue("push_notification_code", connection=rq_connection, serializer=JSONSerializer)
    job = queue.enqueue("6-job_processor.process_notification",
                        {"phoneNumber": "1", "message": "from rq's CLI"})
    planted = queue.enqueue("os.system", "echo planted")
    rq_cli = [str(Path(PYTHON).parent / "rq")]  # the rq command pip installed beside python
    ran = subprocess.run([*rq_cli, "worker", "--burst", "--url", redis_server,
                          "--serializer", "rq.serializers.JSONSerializer",
                          "--worker-class", "rq.SimpleWorker",
                          "--job-class", "6-job_processor.NotificationJob",
                          "push_notification_code"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "Sending notification to 1, with message: from rq's CLI" in ran.stdout
    assert job.get_status(refresh=True) == "finished"
    assert planted.get_status(refresh=True) == "failed"
    assert "not a function this worker runs: os.system" in planted.latest_result().exc_string
    info = subprocess.run([*rq_cli, "info", "--url", redis_server, "push_notification_code"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and "push_notification_code" in info.stdout, info.stderr


def test_fewer_worker_key_writes_skips_only_rqs_repeated_plain_writes(rq_connection):
    """RQ 2.12's SimpleWorker renews its own key five times a job and writes "idle" twice
    after it; with FewerWorkerKeyWrites the plain renewals go out once a second, a state
    only when it changes, and every write RQ makes with a TTL or a pipeline still goes out."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from kuestyle.rq_gaps import FewerWorkerKeyWrites

    class Counted(SimpleWorker):
        def heartbeat(self, timeout=None, pipeline=None):
            self.sent.append("plain" if timeout is None and pipeline is None else "timed")
            super().heartbeat(timeout, pipeline)

        def set_state(self, state, pipeline=None):
            state = getattr(state, "value", state)  # RQ's WorkerStatus, or its text
            self.sent.append(f"{state}{'' if pipeline is None else ' in a pipeline'}")
            super().set_state(state, pipeline)

    class Fewer(FewerWorkerKeyWrites, Counted):
        pass

    sent, seconds = {}, 0.0
    for worker_class in (Counted, Fewer):
        queue = Queue("beats", connection=rq_connection, serializer=JSONSerializer)
        for _ in range(20):
            queue.enqueue("tools.bench.jobs.noop")
        worker = worker_class([queue], connection=rq_connection, serializer=JSONSerializer)
        worker.sent = []
        started = time.monotonic()
        worker.work(burst=True)
        seconds = time.monotonic() - started
        assert queue.finished_job_registry.count == 20
        sent[worker_class] = {kind: worker.sent.count(kind) for kind in set(worker.sent)}
        rq_connection.flushdb()
    counted, fewer = sent[Counted], sent[Fewer]
    assert counted["plain"] + counted["timed"] >= 5 * 20, sent  # RQ's own: what it is for
    assert counted["idle"] >= 2 * 20, sent
    assert fewer.get("plain", 0) <= 1 + seconds, (sent, seconds)  # one a second at most
    assert fewer["idle"] == 20 + 1, sent  # before the first job, then once after each
    for kind in counted.keys() - {"plain", "idle"}:  # timed, busy in a pipeline, ...
        assert fewer.get(kind) == counted[kind], (kind, sent)


def test_prompt_in_flight_cleanup_hands_back_a_stranded_job_after_its_grace(rq_connection):
    """A job id moved to the in-flight list and never started (a crash swallowed the
    BLMOVE reply): RQ's tidy-up marks it first seen and, a minute on, fails it; with
    PromptInFlightCleanup the first tidy-up in_flight_grace seconds on does it, as RQ would:
    a job with a Retry goes back on the queue, one without is failed.  A job that started
    is left alone."""
    from datetime import datetime, timezone

    from rq import Queue, Retry
    from rq.executions import Execution
    from rq.serializers import JSONSerializer

    from kuestyle.rq_gaps import PromptInFlightCleanup

    class Prompt(PromptInFlightCleanup, SimpleWorker):
        in_flight_grace = 1

    queue = Queue("flights", connection=rq_connection, serializer=JSONSerializer)
    retried = queue.enqueue("tools.bench.jobs.noop", retry=Retry(max=1))
    failed = queue.enqueue("tools.bench.jobs.noop")
    running = queue.enqueue("tools.bench.jobs.noop")
    for _ in range(3):  # what a worker's BLMOVE does, its reply then lost
        rq_connection.lmove(queue.key, queue.intermediate_queue_key)
    with rq_connection.pipeline() as pipeline:  # as a worker that got the reply would
        Execution.create(running, 60, pipeline)
        pipeline.execute()
    in_flight = queue.intermediate_queue
    for worker_class in (SimpleWorker, Prompt):
        worker = worker_class([queue], connection=rq_connection, serializer=JSONSerializer)
        worker.clean_registries()  # the first pass marks each stranded id first seen
        assert sorted(in_flight.get_job_ids()) == sorted([retried.id, failed.id, running.id])
    first_seen = in_flight.get_first_seen(retried.id)
    wait_until(lambda: (datetime.now(timezone.utc) - first_seen).total_seconds() >= 1, 5,
               "in_flight_grace past the first sighting")
    SimpleWorker([queue], connection=rq_connection, serializer=JSONSerializer
                 ).clean_registries()  # RQ's own: still waiting for its minute
    assert sorted(in_flight.get_job_ids()) == sorted([retried.id, failed.id, running.id])
    Prompt([queue], connection=rq_connection, serializer=JSONSerializer).clean_registries()
    assert in_flight.get_job_ids() == [running.id]
    assert queue.job_ids == [retried.id] and retried.get_status(refresh=True) == "queued"
    retried.refresh()
    assert retried.retries_left == 0
    assert failed.get_status(refresh=True) == "failed"
    assert failed.latest_result().exc_string == "Job was stuck in intermediate queue."
    assert running.get_status(refresh=True) == "queued"  # untouched


@pytest.mark.xdist_group("heavy")
def test_an_xdist_group_keeps_its_tests_in_one_test_process(request):
    """The tests that load the cores (xdist_group "heavy") run one after another only if
    pytest-xdist can tag their ids with the group: pytest 9.2 keeps ids where xdist 3.8 no
    longer changes them, and every group was silently spread over all the processes."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a test process of --dist loadgroup")
    assert request.node.nodeid.endswith("@heavy"), request.node.nodeid
