"""The patient client through an outage, as several threads see it (kuestyle/overrides.py),
and run()'s one write per line."""
import threading

import redis

from kuestyle.overrides import SaysWhenRedisIsBack
from kuestyle.settings import PATIENT
from tests.helpers import wait_until


def test_an_outage_is_one_lost_and_one_back_line_per_process(private_redis, capsys):
    """Eight threads lose Redis at once (a WorkerPool's worker, its heartbeat, a listener):
    the process says once that it went and once that it is back, each on its own line."""
    client = redis.Redis.from_url(private_redis.url, **PATIENT)
    client.ping()
    private_redis.stop()
    threads = [threading.Thread(target=client.ping) for _ in range(8)]
    for thread in threads:
        thread.start()
    wait_until(lambda: SaysWhenRedisIsBack.lost, 15, "the outage noticed")
    private_redis.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a command never came back"
    lines = capsys.readouterr().err.splitlines()
    assert [line.partition(" (")[0] for line in lines] == [
        "Redis connection lost", "Redis connection is back"], lines
    client.close()


def test_every_line_is_one_write_even_unbuffered():
    """``python -u`` writes an exit message and its newline apart, and print() its text and
    newline apart, so two refused workers sharing a terminal printed ``Redis error: ...The
    demo stopped: ...`` (seen in 106's demo), and 110's worker's outage line landed inside
    the lesson's own.  Under run() stdout and stderr write whole lines only."""
    import subprocess
    import sys

    from tests.helpers import ROOT
    child = ("import sys\n"
             "from kuestyle.connection import run\n"
             "print(sys.stderr.write_through, file=sys.stdout)\n"
             "def main():\n"
             "    print(sys.stderr.write_through, sys.stderr.line_buffering,\n"
             "          sys.stdout.write_through, sys.stdout.line_buffering)\n"
             "    raise SystemExit('Redis error: refused')\n"
             "run(main)\n")
    ran = subprocess.run([sys.executable, "-u", "-c", child], cwd=ROOT, capture_output=True,
                         text=True, timeout=30)
    assert ran.stdout.split() == ["True", "False", "True", "False", "True"], ran  # then by line
    assert (ran.returncode, ran.stderr) == (1, "Redis error: refused\n"), ran
