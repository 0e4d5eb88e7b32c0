"""Task 4: a hash stored field by field, then read whole."""
from tests.helpers import describe, import_lesson, run_lesson

HASH = "{'Portland': '50', 'Seattle': '80', 'New York': '20', 'Bogota': '20', " \
       "'Cali': '40', 'Paris': '2'}"


def test_first_run_creates_six_fields():
    proc = run_lesson("4-redis_advanced_op.py")
    expected = "Redis client connected to the server\n" + "Reply: 1\n" * 6 + HASH + "\n"
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, ""), describe(proc)


def test_second_run_replies_zero_because_the_fields_exist():
    run_lesson("4-redis_advanced_op.py")
    proc = run_lesson("4-redis_advanced_op.py")
    expected = "Redis client connected to the server\n" + "Reply: 0\n" * 6 + HASH + "\n"
    assert (proc.returncode, proc.stdout) == (0, expected), describe(proc)


def test_hash_is_stored_in_redis(r):
    run_lesson("4-redis_advanced_op.py")
    assert r.hgetall("HolbertonSchools") == {
        "Portland": "50", "Seattle": "80", "New York": "20",
        "Bogota": "20", "Cali": "40", "Paris": "2"}


def test_functions_called_directly(r, capsys):
    lesson = import_lesson("4-redis_advanced_op")
    lesson.store_schools()
    lesson.display_schools()
    assert capsys.readouterr().out == "Reply: 1\n" * 6 + HASH + "\n"
