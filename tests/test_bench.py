"""The benchmark runs and prints its table (timing targets live in tools/bench/, not here)."""
import shutil
import subprocess

import pytest

from tests.helpers import PYTHON, ROOT

ROWS = ["enqueue, one at a time", "enqueue_many, pipelined", "RQ default forking Worker",
        "RQ SimpleWorker (no fork), 1 process", "RQ SimpleWorker, JSON, 1 process",
        "lessons' processor (SimpleWorker", "lessons' processor / RQ SimpleWorker, JSON",
        "notification pipeline",
        "/list_products/1, 50 connections", "/reserve_product/1, 50 connections",
        "INCR, one round trip each", "PING, pipelined"]
KUE_ROWS = ["task 6, 1 job, creator start to exit", "task 7, 11 jobs, creator start to exit",
            "Redis commands per job, task 7", "no-op jobs/s, one worker process",
            "memory per queued job", "memory per finished job", "100-seat: /process to the",
            "9-stock /list_products/1, 50 connections"]


# Every row runs, the comparison beside Kue too (npm install included on a fresh clone):
# about a minute idle, over two on a loaded machine; the deadline is for a hang, not speed.
@pytest.mark.slow
@pytest.mark.minute
@pytest.mark.timeout(600)
def test_the_benchmark_prints_a_full_table_and_oversells_nothing():
    proc = subprocess.run([PYTHON, "-m", "tools.bench.run", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=500)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Machine: ") and " cores, " in lines[0]
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| measurement | command | result |"
    for row in ROWS:
        assert any(line.startswith(f"| {row}") for line in table), row
    reservations = [line for line in table if line.startswith("| /reserve_product/1")]
    assert len(reservations) == 2
    assert all(line.rstrip(" |").endswith("oversold 0") for line in reservations), reservations
    if not (shutil.which("node") and shutil.which("npm")):
        assert "Kue + Express: skipped (node and npm not found)" in lines
        return
    beside = lines[lines.index("| workload | Kue / Express | project | project / Kue |"):]
    for row in KUE_ROWS:
        assert any(line.startswith(f"| {row}") for line in beside), row
    stock = [line for line in beside if line.startswith("| 9-stock: reservations confirmed")]
    assert stock and stock[0].endswith("| 4 | exact |"), stock
