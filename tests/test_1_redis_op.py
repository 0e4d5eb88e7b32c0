"""Tasks 0, 1 and 2: connecting, SET/GET, and the same with the asyncio client."""
import asyncio

import pytest

from tests.helpers import describe, import_lesson, run_lesson

EXPECTED = ("Redis client connected to the server\n"
            "School\n"
            "Reply: OK\n"
            "100\n")


def test_client_prints_the_connected_line():
    proc = run_lesson("0-redis_client.py")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "Redis client connected to the server\n", ""), describe(proc)


@pytest.mark.parametrize("lesson", ["1-redis_op.py", "2-redis_op_async.py"])
def test_script_output_with_the_dump_loaded(lesson, r):
    r.set("Holberton", "School")
    proc = run_lesson(lesson)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, EXPECTED, ""), describe(proc)
    assert r.get("HolbertonSanFrancisco") == "100"


@pytest.mark.parametrize("lesson", ["1-redis_op.py", "2-redis_op_async.py"])
def test_missing_key_prints_none(lesson, r):
    proc = run_lesson(lesson)
    assert proc.stdout.splitlines()[1] == "None", describe(proc)


def test_set_new_school_prints_reply_ok(r, capsys):
    import_lesson("1-redis_op").set_new_school("Lagos", "7")
    assert capsys.readouterr().out == "Reply: OK\n"
    assert r.get("Lagos") == "7"


def test_display_school_value(r, capsys):
    lesson = import_lesson("1-redis_op")
    r.set("Holberton", "School")
    lesson.display_school_value("Holberton")
    lesson.display_school_value("NoSuchSchool")
    assert capsys.readouterr().out == "School\nNone\n"


def test_async_functions_await_in_order(r, capsys):
    lesson = import_lesson("2-redis_op_async")

    async def scenario() -> None:
        await lesson.set_new_school("Kigali", "12")
        await lesson.display_school_value("Kigali")
        await lesson.display_school_value("Nowhere")
        await lesson.async_client().aclose()

    asyncio.run(scenario())
    assert capsys.readouterr().out == "Reply: OK\n12\nNone\n"
    assert r.get("Kigali") == "12"


def test_async_functions_are_coroutines():
    lesson = import_lesson("2-redis_op_async")
    assert asyncio.iscoroutinefunction(lesson.set_new_school)
    assert asyncio.iscoroutinefunction(lesson.display_school_value)
