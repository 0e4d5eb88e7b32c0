"""The README's marked transcripts are what the lessons really print."""
import re

import pytest

from tests.helpers import ROOT, describe, run_lesson

MARKED = re.compile(r"<!-- transcript: (\S+) -->\n```\n(.*?)```", re.S)
TRANSCRIPTS = MARKED.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_readme_marks_the_fixed_output_lessons():
    assert {name for name, _ in TRANSCRIPTS} >= {
        "0-redis_client.py", "1-redis_op.py", "2-redis_op_async.py",
        "4-redis_advanced_op.py", "5-subscriber.py", "5-publisher.py"}


@pytest.mark.parametrize("name,expected", TRANSCRIPTS, ids=[n for n, _ in TRANSCRIPTS])
def test_transcript_matches_a_real_run(name, expected, r, background):
    r.set("Holberton", "School")  # the dump, loaded
    if name == "5-subscriber.py":
        subscriber = background(name)
        subscriber.wait_for_line("Redis client connected to the server")
        run_lesson("5-publisher.py")
        assert subscriber.wait() == 0
        assert "\n".join(subscriber.lines) + "\n" == expected
        return
    proc = run_lesson(name)
    assert (proc.returncode, proc.stdout) == (0, expected), describe(proc)
