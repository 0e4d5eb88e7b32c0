"""Every transcript in the README and its documents is a real run, compared by a test.

A transcript is a fenced block after ``<!-- transcript: SCENARIO:BLOCK MODE -->``: the
lines a terminal shows, commands as ``$ command`` (a ``# comment`` after a command is
for the reader).  Each scenario below runs the real processes, the commands taken from the
block itself, and returns what each of its blocks shows.  MODE says how they must agree:

- ``exact``: line for line;
- ``jobs``: the same lines, the created lines first and in order, each job's own lines in
  order (two workers interleave jobs);
- ``lines``: the same lines, in any order (several processes print at once);
- ``shape``: after masking what differs from run to run (durations, process ids, ports),
  combined with one of the above (``exact+shape``); ``ids`` masks every number;
- ``outages``: the lost/back lines count as present, in pairs, however many.
"""
import collections
import os
import re
import select
import shlex
import signal
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.helpers import PYTHON, ROOT, lesson_env, wait_until
from tools import embedded_redis

DOCS = ["README.md", "docs/LESSONS.md", "docs/PRODUCTION.md"]
MARK = re.compile(r"<!-- transcript: ([\w.-]+):([\w-]+) ([\w+]+) -->\n```\n(.*?)```", re.S)
FENCED = re.compile(r"(<!-- transcript: [^>]*-->\n)?```(\w*)\n(.*?)```", re.S)
JOB_ID = re.compile(r"\b[Jj]ob (\d+)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def marked() -> dict[str, dict[str, tuple[str, list[str], str]]]:
    """Every marked block: scenario -> block -> (mode, lines, document)."""
    found: dict = collections.defaultdict(dict)
    for doc in DOCS:
        for name, block, mode, text in MARK.findall((ROOT / doc).read_text(encoding="utf-8")):
            found[name][block] = (mode, terminal_lines(text), doc)
    return found


def terminal_lines(text: str) -> list[str]:
    """A block's lines, each command without the comment after it."""
    return [re.sub(r"\s+#.*$", "", line) if line.startswith("$ ") else line
            for line in text.splitlines()]


def commands(lines: list[str]) -> list[str]:
    """The commands of a block (a heredoc runs to its EOF line)."""
    found, heredoc = [], None
    for line in lines:
        if heredoc is not None:
            found[-1] += "\n" + line
            heredoc = None if line == heredoc else heredoc
        elif line.startswith("$ "):
            found.append(line[2:])
            end = re.search(r"<<'(\w+)'$", line)
            heredoc = end.group(1) if end else None
    return found


def mask(lines: list[str], modes: set[str]) -> list[str]:
    """Lines with what differs between runs replaced by N."""
    if modes & {"ids", "shape"}:  # why a connection dropped depends on the moment
        lines = [re.sub(r"Redis connection lost \(.*\): ", "Redis connection lost (...): ",
                        line) for line in lines]
    if "ids" in modes:
        return [re.sub(r"\d+", "N", line) for line in lines]
    if "shape" not in modes:
        return lines
    masked = []
    for line in lines:
        line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:N", line)
        line = re.sub(r"\b(process|pid|port) \d+", r"\1 N", line, flags=re.I)
        masked.append(re.sub(r"(?<![\d.])\d+\.\d+(?![\d.])", "N.N", line))
    return masked


OUTAGE = re.compile(r"Redis connection (lost \(.*\): retrying|is back)")


def without_outages(lines: list[str], where: str = "") -> list[str]:
    """The lines but the lost/back ones; a real run must have them in pairs, at least one."""
    said = [line for line in lines if OUTAGE.match(line)]
    if where:
        lost = sum(line.startswith("Redis connection lost") for line in said)
        assert lost >= 1 and lost == len(said) - lost, f"{where}: {said}"
    return [line for line in lines if not OUTAGE.match(line)]


def by_job(lines: list[str]) -> dict[str, list[str]]:
    """Each job's own lines, in the order printed."""
    jobs: dict = collections.defaultdict(list)
    for line in lines:
        if (found := JOB_ID.search(line)) and "created" not in line:
            jobs[found.group(1)].append(line)
    return dict(jobs)


def agree(mode: str, expected: list[str], actual: list[str], where: str) -> None:
    """Assert that a real run shows what the document says, by the block's mode."""
    modes = set(mode.split("+"))
    actual = [ANSI.sub("", line) for line in actual]  # a terminal shows colours, not codes
    if "outages" in modes:  # how many times each process lost Redis depends on the server
        expected, actual = without_outages(expected), without_outages(actual, where)
    expected, actual = mask(expected, modes), mask(actual, modes)
    shown = f"{where}: the document says\n" + "\n".join(expected) + \
        "\n--- a real run printed\n" + "\n".join(actual)
    if modes & {"jobs", "lines"}:
        assert sorted(actual) == sorted(expected), shown
    else:
        assert actual == expected, shown
    if "jobs" in modes:
        created = [line for line in expected if "created" in line]
        assert [line for line in actual if "created" in line] == created, shown
        assert actual[:len(created) + 1] == expected[:len(created) + 1], shown
        assert by_job(actual) == by_job(expected), shown


class Terminal:
    """What a student runs, as a terminal shows it: commands from a block, run by bash."""

    def __init__(self, ctx: SimpleNamespace, **env: str):
        """Run with the test's REDIS_URL (or env's), the venv's commands first on PATH."""
        self.env = lesson_env(PATH=f"{Path(PYTHON).parent}:{lesson_env()['PATH']}", **env)
        self.commands_in = ctx.commands_in
        self.to_test: dict[str, str] = {}  # what the document says -> what this test runs

    def run(self, block: str, timeout: float = 60) -> list[str]:
        """Run the block's commands in one shell; return its lines with the commands."""
        script = ["status=0"]
        for command in self.commands_in(block):
            real = command
            for shown, used in self.to_test.items():
                real = real.replace(shown, used)
            # Each command sees the status the one before left ($?), as in a terminal.
            script.append(f"printf '%s\\n' {shlex.quote('$ ' + command)}\n"
                          f"(exit $status); {{ {real}\n}} 2>&1; status=$?")
        out = on_a_terminal(["bash", "-c", "\n".join(script)], self.env, timeout)
        for shown, used in self.to_test.items():
            out = out.replace(used, shown)
        return out.splitlines()


def on_a_terminal(argv: list[str], env: dict[str, str], timeout: float) -> str:
    """Run argv with a pseudo-terminal as its stdout and stderr, as a student's shell does
    (curl shows no progress meter there, redis-cli quotes its strings); return the text."""
    leader, follower = os.openpty()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=follower, stderr=follower)
    os.close(follower)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([leader], [], [], 0.1)[0]:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the terminal closed: every process on it ended
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            elif proc.poll() is not None and not select.select([leader], [], [], 0.2)[0]:
                break
        else:
            raise TimeoutError(f"{argv} still running after {timeout}s")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def run_shown(lesson, command: str) -> list[str]:
    """A background lesson's terminal: its command, then everything it printed."""
    return [f"$ {command}", *lesson.lines]


SCENARIOS: dict = {}


def scenario(name: str, slow: bool | str = False):
    """Register the function that makes scenario name's blocks (slow="minute": it waits
    RQ's minute)."""
    def register(function):
        SCENARIOS[name] = (function, slow)
        return function
    return register


@scenario("0")
def task_0(ctx):
    """make redis, redis-cli against it, and the connected and not-connected lines."""
    port = embedded_redis.free_port()
    terminal = Terminal(ctx, REDIS_URL=f"redis://127.0.0.1:{port}/0",
                        REDIS_DIR=str(ctx.tmp_path / "data"))
    terminal.to_test = {"redis-cli": f"redis-cli -p {port}", "6379": str(port),
                        ".redis": str(ctx.tmp_path / "data")}
    try:
        return {"session": terminal.run("session")}
    finally:  # the block stops it; a failed run must not leave it
        subprocess.run(["make", "-s", "redis-stop"], cwd=ROOT, env=terminal.env,
                       capture_output=True, timeout=30)


def one_script(block_scenario: str):
    """A lesson that is one script run to its end, on a Redis holding the dump."""
    def run(ctx):
        ctx.r.set("Holberton", "School")
        return {"run": Terminal(ctx).run("run")}
    scenario(block_scenario)(run)


for _name in ("1", "2", "4", "101"):
    one_script(_name)


@scenario("5")
def task_5(ctx):
    """Subscriber first, then the publisher."""
    subscriber = ctx.background("5-subscriber.py", terminal=True)
    subscriber.wait_for_line("Redis client connected to the server")
    publisher = Terminal(ctx).run("publisher")
    assert subscriber.wait() == 0
    return {"subscriber": run_shown(subscriber, "./5-subscriber.py"), "publisher": publisher}


def creator_then_processor(ctx, number: int, processor_args: tuple = ()):
    """Task 6 or 7 as the curriculum runs it: the creator first, the processor after."""
    creator = ctx.background(f"{number}-job_creator.py", terminal=True)
    creator.wait_for(lambda lines: any("No worker is listening" in line for line in lines),
                     what="the hint that no worker listens")
    processor = ctx.background(f"{number}-job_processor.py", *processor_args, terminal=True)
    assert creator.wait(timeout=60) == 0, creator
    processor.signal(signal.SIGINT)
    assert processor.wait(timeout=30) == 0, processor
    return {"creator": run_shown(creator, f"./{number}-job_creator.py"),
            "processor": run_shown(processor, f"./{number}-job_processor.py")}


@scenario("6")
def task_6(ctx):
    """The creator waits, the processor runs its job."""
    return creator_then_processor(ctx, 6)


@scenario("6-ctrl-c")
def task_6_ctrl_c(ctx):
    """Ctrl-C on a waiting creator: exit 0."""
    creator = ctx.background("6-job_creator.py", terminal=True)
    creator.wait_for(lambda lines: any("No worker is listening" in line for line in lines),
                     what="the hint that no worker listens")
    creator.signal(signal.SIGINT)
    status = creator.wait()
    return {"run": [*run_shown(creator, "./6-job_creator.py"), "^C", "$ echo $?", str(status)]}


@scenario("7")
def task_7(ctx):
    """Eleven jobs, two at a time."""
    return creator_then_processor(ctx, 7)


@scenario("8")
def task_8(ctx):
    """The function, called from Python, with task 7's processor on its queue."""
    processor = ctx.background("7-job_processor.py", "push_notification_code_3")
    from tests.helpers import wait_for_worker
    wait_for_worker(ctx.rq_connection, "push_notification_code_3", count=2)
    shown = Terminal(ctx).run("run")
    processor.stop()
    return {"run": shown}


def curl_terminal(ctx, app) -> Terminal:
    """A terminal whose curl reaches app where the document says localhost:1245."""
    terminal = Terminal(ctx)
    terminal.to_test = {"localhost:1245": f"localhost:{app.port}"}
    return terminal


@scenario("9")
def task_9(ctx):
    """The stock app, curl in the other terminal."""
    app = ctx.serve_app("9-stock.py", ready_path="/list_products")
    return {"curl": curl_terminal(ctx, app).run("curl")}


@scenario("100")
def task_100(ctx):
    """Two reservations, processed; the server's terminal."""
    app = ctx.serve_app("100-seat.py", ready_path="/available_seats", terminal=True)
    terminal = curl_terminal(ctx, app)
    shown = {"curl": terminal.run("curl")}
    app.wait_for(lambda lines: "Seat reservation job 2 completed" in lines, timeout=30,
                 what="both seat jobs completed")
    shown["after"] = terminal.run("after")
    app.signal(signal.SIGINT)
    assert app.wait(timeout=30) == 0, app
    shown["server"] = ["$ ./100-seat.py", *app.lines]
    return shown


def worker_then_creator(ctx, worker: str, creator: str, queue: str):
    """A lesson's worker in one terminal, its creator (the block's command) in the other."""
    from tests.helpers import wait_for_worker
    background = ctx.background(worker, terminal=True)
    wait_for_worker(ctx.rq_connection, queue)
    shown = {"creator": Terminal(ctx).run(creator)}
    background.signal(signal.SIGINT)
    assert background.wait(timeout=30) == 0, background
    return shown, run_shown(background, f"./{worker}")


@scenario("102")
def lesson_102(ctx):
    """A delayed job, and the worker with a scheduler that runs it."""
    shown, worker = worker_then_creator(ctx, "102-delayed_job_worker.py", "creator",
                                        "reminders")
    return {**shown, "worker": worker}


@scenario("103")
def lesson_103(ctx):
    """Retries with backoff."""
    shown, worker = worker_then_creator(ctx, "103-retry_worker.py", "creator", "uploads")
    return {**shown, "worker": worker}


@scenario("104")
def lesson_104(ctx):
    """Cancel a queued job, stop a running one."""
    shown, _ = worker_then_creator(ctx, "104-remove_worker.py", "run", "videos")
    return {"run": shown["creator"]}


@scenario("105", slow=True)
def lesson_105(ctx):
    """Warm, then cold shutdown (about 7 s)."""
    return {"run": Terminal(ctx).run("run")}


@scenario("106", slow="minute")
def lesson_106(ctx):
    """Both runs at once, each on a database of its own (each waits RQ's minute, about
    75 s together).  Killed: the job back and completed once its heartbeat expired (1 s of
    job_monitoring_interval + RQ's 60 s, a tidy-up every 2 s, the 2 s job again; the bound
    of docs/LESSONS.md leaves room for a loaded machine).  Frozen longer than that: the job
    runs elsewhere, then again once the frozen worker wakes; its receipt keeps the first."""
    import redis
    from concurrent.futures import ThreadPoolExecutor
    url = lesson_env()["REDIS_URL"].rpartition("/")[0] + "/1"
    other = redis.Redis.from_url(url, decode_responses=True)
    other.flushdb()
    try:
        with ThreadPoolExecutor(2) as both:
            killed = both.submit(Terminal(ctx).run, "run", 110)
            frozen = both.submit(Terminal(ctx, REDIS_URL=url).run, "freeze", 110)
            lines, freeze = killed.result(), frozen.result()
        completed = re.fullmatch(r"Job 1 completed (\d+\.\d) s after the crash", lines[-1])
        assert completed and 60 < float(completed.group(1)) < 75, lines
        assert ctx.rq_connection.hget("rq:job:1", "status") == b"finished", lines
        first = re.fullmatch(r"Rendered intro\.mp4 in process (\d+)", freeze[4])
        again = re.fullmatch(r"Process (\d+) rendered intro\.mp4 again: discarded", freeze[-1])
        assert first and again and first.group(1) != again.group(1), freeze
        assert other.get("renders:done:1") == first.group(1), freeze
    finally:
        other.flushdb()
        other.close()
    return {"run": lines, "freeze": freeze}


@scenario("107")
def lesson_107(ctx):
    """Two workers, two producers started together."""
    from tests.helpers import wait_for_worker
    workers = [ctx.background("107-worker.py", terminal=True) for _ in range(2)]
    wait_for_worker(ctx.rq_connection, "emails", count=4)
    producers = [ctx.background("107-producer.py", name, "3", "0.5", terminal=True)
                 for name in ("A", "B")]
    for producer in producers:
        assert producer.wait(timeout=30) == 0, producer
    wait_until(lambda: sum(len(w.lines) for w in workers) == 6, 30, "six emails sent")
    shown = {"producer-a": run_shown(producers[0], "./107-producer.py A 3 0.5"),
             "producer-b": run_shown(producers[1], "./107-producer.py B 3 0.5"),
             "workers": []}
    for worker in workers:
        worker.signal(signal.SIGINT)
        assert worker.wait(timeout=30) == 0, worker
        shown["workers"] += run_shown(worker, "./107-worker.py")
    return shown


one_script("107-usage")


@scenario("108")
def lesson_108(ctx):
    """The 202 hand-off: queued with no worker, finished once one runs."""
    app = ctx.serve_app("108-image_app.py", ready_path="/jobs/0")
    terminal = curl_terminal(ctx, app)
    shown = {"queued": terminal.run("queued")}
    ctx.background("108-image_worker.py")
    wait_until(lambda: ctx.rq_connection.hget("rq:job:1", "status") == b"finished", 30,
               "the worker finished job 1")
    shown["finished"] = terminal.run("finished")
    return shown


@scenario("111")
def lesson_111(ctx):
    """The worker first, then a scheduler that stops after two runs of each schedule."""
    from rq.registry import FinishedJobRegistry
    from tests.helpers import wait_for_worker
    worker = ctx.background("111-recurring_worker.py", terminal=True)
    wait_for_worker(ctx.rq_connection, "recurring")
    shown = {"scheduler": Terminal(ctx).run("scheduler")}
    finished = FinishedJobRegistry("recurring", connection=ctx.rq_connection)
    wait_until(lambda: finished.count == 4, 10, "the four runs finished")
    worker.signal(signal.SIGINT)
    assert worker.wait(timeout=30) == 0, worker
    return {**shown, "worker": run_shown(worker, "./111-recurring_worker.py")}


@scenario("112")
def lesson_112(ctx):
    """Two workers, then the creator of 30 rate-limited jobs."""
    from tests.helpers import wait_for_worker
    workers = [ctx.background("112-rate_limit_worker.py", terminal=True) for _ in range(2)]
    wait_for_worker(ctx.rq_connection, "sms_provider", count=2)
    shown = {"creator": Terminal(ctx).run("creator"), "workers": []}
    for worker in workers:
        worker.signal(signal.SIGINT)
        assert worker.wait(timeout=30) == 0, worker
        shown["workers"] += run_shown(worker, "./112-rate_limit_worker.py")
    return shown


@scenario("110", slow=True)
def lesson_110(ctx):
    """A failover while jobs flow: the run's own report (nothing lost) is the proof."""
    shown = Terminal(ctx).run("run", timeout=120)
    assert any(line.endswith("0 lost, 0 ran twice, 0 ids handed out twice")
               for line in shown), shown
    return {"run": shown}


@pytest.fixture
def ctx(r, rq_connection, background, serve_app, tmp_path, request):
    """What a scenario needs; commands_in reads its blocks' commands from the document."""
    name = request.node.callspec.params["name"]
    blocks = BLOCKS[name]
    return SimpleNamespace(r=r, rq_connection=rq_connection, background=background,
                           serve_app=serve_app, tmp_path=tmp_path,
                           commands_in=lambda block: commands(blocks[block][1]))


BLOCKS = marked()


@pytest.mark.parametrize("name", [pytest.param(name, marks=[pytest.mark.slow] * bool(slow)
                                               + [pytest.mark.minute] * (slow == "minute"))
                                  for name, (_, slow) in SCENARIOS.items()])
def test_a_transcript_is_what_a_real_run_prints(name, ctx):
    produced = SCENARIOS[name][0](ctx)
    assert sorted(produced) == sorted(BLOCKS.get(name, {})), \
        f"scenario {name}: blocks run {sorted(produced)}, marked {sorted(BLOCKS.get(name, {}))}"
    for block, (mode, expected, doc) in BLOCKS[name].items():
        agree(mode, expected, produced[block], f"{doc}, transcript {name}:{block}")


def test_every_transcript_in_the_documents_is_marked_and_has_a_scenario():
    """A block showing a command and its output is a transcript: it must be tested."""
    unmarked = []
    for doc in DOCS:
        for mark, language, text in FENCED.findall((ROOT / doc).read_text(encoding="utf-8")):
            lines = text.splitlines()
            shows_output = any(line.startswith("$ ") for line in lines) and \
                any(not line.startswith("$ ") for line in lines)
            if shows_output and not mark and not language:
                unmarked.append(f"{doc}: {lines[0]}")
    assert unmarked == []
    assert sorted(BLOCKS) == sorted(SCENARIOS), "a marked scenario nobody runs, or the reverse"


def heading_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a document's headings."""
    anchors = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("doc", DOCS + ["docs/ENGINEERING.md"])
def test_every_link_in_the_documents_works(doc):
    """A relative link names a file of the repository, and its #anchor a heading there."""
    source = ROOT / doc
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", source.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://", target):
            continue  # the project links nothing outside itself
        path, _, anchor = target.partition("#")
        linked = (source.parent / path).resolve() if path else source
        if not linked.exists() or (anchor and anchor not in heading_anchors(linked)):
            broken.append(target)
    assert broken == []
