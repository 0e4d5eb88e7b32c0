"""Task 100: seats sold through a queue: exactly 50 under any load, never negative."""
import json
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rq import Callback, Queue, Retry
from rq.serializers import JSONSerializer

from kuestyle.liveness import live_workers
from tests.helpers import expire_heartbeats, hammer, import_lesson, lesson_env, wait_until


@pytest.fixture
def seat():
    """The 100-seat module."""
    return import_lesson("100-seat")


@pytest.fixture
def app(seat, redis_server):
    """The seat app on the test server; the consumer /process started is stopped, and
    waited for, afterwards: registered with RQ or still starting (on a busy machine it
    was, missed a shutdown command, and took the next test's first jobs)."""
    seat.put_seats_on_sale()  # what a launch does
    application = seat.create_app(redis_server)
    yield application
    import psutil
    for consumer in psutil.Process().children():  # /process's, this test process's own
        if "consume" in consumer.cmdline():
            consumer.terminate()  # SIGTERM: RQ's warm shutdown, if it got that far
            consumer.wait(timeout=30)


def body(response) -> str:
    """The exact response body: the JSON and not one byte more, as Express sends it."""
    return response.get_data(as_text=True)


def test_launch_puts_50_seats_on_sale_as_a_string(app):
    response = app.test_client().get("/available_seats")
    assert (response.status_code, body(response)) == (200, '{"numberOfAvailableSeats":"50"}')
    assert response.content_type == "application/json"


def test_launch_sets_50_and_resume_keeps_seats_already_sold(seat, redis_server, r):
    r.set("available_seats", 7)
    seat.put_seats_on_sale(resume=True)
    assert r.get("available_seats") == "7"
    seat.create_app(redis_server)  # the factory, which every gunicorn worker runs, sells none
    assert r.get("available_seats") == "7"
    seat.put_seats_on_sale()
    assert r.get("available_seats") == "50"


def test_reserve_seat_queues_a_job(app, rq_connection, r):
    response = app.test_client().get("/reserve_seat")
    assert (response.status_code, body(response)) == (202, '{"status":"Reservation in process"}')
    queue = Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer)
    assert queue.job_ids == ["1"]
    assert r.get("available_seats") == "50"


def test_reservations_blocked_at_zero(app, r):
    r.set("available_seats", 0)
    response = app.test_client().get("/reserve_seat")
    assert (response.status_code, body(response)) == (409, '{"status":"Reservation are blocked"}')


def test_process_takes_seats_and_prints_outcomes(app, r, capfd):
    client = app.test_client()
    r.set("available_seats", 2)
    for _ in range(3):
        assert client.get("/reserve_seat").status_code == 202
    response = client.get("/process")
    assert (response.status_code, body(response)) == (200, '{"status":"Queue processing"}')
    deadline = time.monotonic() + 10
    out = ""  # a read may end mid-line: only whole lines count
    while out.count("\n") < 3 and time.monotonic() < deadline:
        out += capfd.readouterr().out
        time.sleep(0.05)
    lines = out.splitlines()
    assert lines == ["Seat reservation job 1 completed", "Seat reservation job 2 completed",
                     "Seat reservation job 3 failed: Not enough seats available"]
    assert r.get("available_seats") == "0"
    assert body(client.get("/reserve_seat")) == '{"status":"Reservation are blocked"}'


def test_take_seat_never_goes_below_zero(seat, rq_connection, r):
    r.set("available_seats", 0)
    queue = Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer)
    # As the app enqueues it: a Retry for a consumer that dies, never for "no seat".
    job = queue.enqueue("100-seat.take_seat", retry=Retry(max=3),
                        on_failure=Callback("100-seat.seat_not_reserved"))
    from rq import SimpleWorker
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        SimpleWorker([queue], connection=rq_connection,
                     serializer=JSONSerializer).work(burst=True, logging_level="CRITICAL")
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert job.get_status(refresh=True) == "failed"
    assert "Not enough seats available" in job.latest_result().exc_string
    assert len(job.results()) == 1, "no seat is final at once, not retried"
    assert r.get("available_seats") == "0"


def test_200_reservations_and_3_process_calls_sell_exactly_50(serve_app, r, rq_connection):
    app = serve_app("100-seat.py", ready_path="/available_seats")
    urls = [app.url("/reserve_seat")] * 200
    with ThreadPoolExecutor(max_workers=4) as pool:
        reservations = pool.submit(hammer, urls)
        processing = [pool.submit(hammer, [app.url("/process")]) for _ in range(3)]
        answers = reservations.result()
        assert all(p.result()[0][0] == 200 for p in processing)
    accepted = sum(1 for status, _, _ in answers if status == 202)
    blocked = sum(1 for status, text, _ in answers
                  if (status, text) == (409, '{"status":"Reservation are blocked"}'))
    assert accepted + blocked == 200 and accepted >= 50
    app.wait_for(lambda lines: sum(line.startswith("Seat reservation job") for line in lines)
                 >= accepted, timeout=30, what="every job's outcome")
    completed = [line for line in app.lines if line.endswith(" completed")]
    failed = [line for line in app.lines
              if line.endswith(" failed: Not enough seats available")]
    assert (len(completed), len(failed)) == (50, accepted - 50), app.lines
    assert json.loads(app.get("/available_seats")[1]) == {"numberOfAvailableSeats": "0"}
    assert app.get("/reserve_seat")[0] == 409
    workers = rq_connection.smembers("rq:workers:reserve_seat")
    assert len(workers) == 1, "a second /process started a competing consumer"


def test_a_launch_sets_50_seats_and_resume_keeps_the_count(serve_app, r):
    app = serve_app("100-seat.py", ready_path="/available_seats")
    app.get("/reserve_seat")
    app.get("/process")
    app.wait_for_line("Seat reservation job 1 completed")
    app.signal(signal.SIGINT)
    assert app.wait() == 0
    again = serve_app("100-seat.py", "--resume", ready_path="/available_seats")
    assert json.loads(again.get("/available_seats")[1]) == {"numberOfAvailableSeats": "49"}
    again.signal(signal.SIGTERM)
    assert again.wait() == 0
    variable = serve_app("100-seat.py", ready_path="/available_seats",
                         env=lesson_env(RESUME_SEATS="1"))
    assert json.loads(variable.get("/available_seats")[1]) == {"numberOfAvailableSeats": "49"}
    variable.signal(signal.SIGTERM)
    assert variable.wait() == 0
    launch = serve_app("100-seat.py", ready_path="/available_seats")  # a new launch: 50 again
    assert json.loads(launch.get("/available_seats")[1]) == {"numberOfAvailableSeats": "50"}
    fresh = serve_app("100-seat.py", ready_path="/available_seats")
    assert json.loads(fresh.get("/available_seats")[1]) == {"numberOfAvailableSeats": "50"}


def test_ctrl_c_lets_a_running_seat_job_finish(serve_app, r):
    app = serve_app("100-seat.py", ready_path="/available_seats")
    for _ in range(5):
        app.get("/reserve_seat")
    app.get("/process")
    app.wait_for_line("Seat reservation job 5 completed")
    app.signal(signal.SIGINT)
    assert app.wait() == 0
    assert not any("Traceback" in line for line in app.errors)
    assert r.get("available_seats") == "45"


def test_redis_down_is_503_json_and_the_app_recovers(serve_app, private_redis):
    app = serve_app("100-seat.py", ready_path="/available_seats",
                    env=lesson_env(REDIS_URL=private_redis.url))
    private_redis.stop()
    status, text, content_type = app.get("/available_seats")
    assert (status, json.loads(text)["status"], content_type) == (
        503, "Redis unavailable", "application/json")
    status, text, _ = app.get("/reserve_seat")
    assert (status, text) == (503, '{"status":"Reservation failed"}')
    private_redis.start()  # an empty Redis: no seats key yet
    assert app.get("/reserve_seat")[0] == 409
    assert not any("Traceback" in line for line in app.errors)


def test_head_queues_nothing(app, rq_connection):
    assert app.test_client().head("/reserve_seat").status_code == 405
    assert Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer).count == 0
    assert app.test_client().head("/available_seats").status_code == 200


def test_a_consumer_left_by_a_killed_app_is_the_only_one_after_a_relaunch(
        serve_app, rq_connection):
    """kill -9 of the app leaves its consumer (a process of its own) working the queue; a
    relaunch's /process, called twice, starts no second one."""
    import os
    app = serve_app("100-seat.py", ready_path="/available_seats")
    app.get("/process")
    queue = Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer)
    wait_until(lambda: len(live_workers(queue)) == 1, 15, "the consumer listening")
    consumer = live_workers(queue)[0]
    os.kill(app.proc.pid, signal.SIGKILL)
    app.wait()
    try:
        again = serve_app("100-seat.py", "--resume", ready_path="/available_seats")
        again.get("/process")
        again.get("/process")
        time.sleep(2)  # a second consumer, had one started, would listen by now
        assert [w.pid for w in live_workers(queue)] == [consumer.pid]
        assert again.get("/reserve_seat")[0] == 202
        wait_until(lambda: rq_connection.get("available_seats") == b"49", 15,
                   "the orphan consumer took the seat")
    finally:
        os.kill(consumer.pid, signal.SIGTERM)


@pytest.mark.slow
def test_a_crash_mid_job_retries_it_and_sells_exactly_50(serve_app, rq_connection, r):
    """kill -9 of the app and its consumer while a seat job runs: a relaunch's consumer
    retries the job once its heartbeat expired (RQ's minute, expired at once here) and
    exactly 50 jobs complete, 50 seats taken."""
    import os
    from rq.registry import StartedJobRegistry
    app = serve_app("100-seat.py", ready_path="/available_seats")
    assert {status for status, _, _ in hammer([app.url("/reserve_seat")] * 80)} == {202}
    queue = Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer)
    started = StartedJobRegistry(queue=queue)
    app.get("/process")
    wait_until(lambda: live_workers(queue), 15, "the consumer listening")
    consumer = live_workers(queue)[0]
    deadline = time.monotonic() + 30
    while True:  # catch the consumer with a job started, then crash both processes
        assert time.monotonic() < deadline and queue.count, "no job caught running"
        if started.get_job_ids():
            os.kill(consumer.pid, signal.SIGSTOP)
            running = started.get_job_ids()
            if running:
                break
            os.kill(consumer.pid, signal.SIGCONT)
    os.kill(consumer.pid, signal.SIGKILL)
    os.kill(app.proc.pid, signal.SIGKILL)
    app.wait()
    expire_heartbeats(rq_connection, "reserve_seat")  # as RQ's minute later
    again = serve_app("100-seat.py", "--resume", ready_path="/available_seats")
    again.get("/process")
    jobs = [queue.fetch_job(str(n)) for n in range(1, 81)]

    def ended() -> bool:
        return all(job.get_status(refresh=True) in ("finished", "failed") for job in jobs)
    deadline = time.monotonic() + 60
    while not ended():
        assert time.monotonic() < deadline, [job.get_status() for job in jobs]
        time.sleep(0.2)
    statuses = [job.get_status() for job in jobs]
    assert (statuses.count("finished"), statuses.count("failed")) == (50, 30)
    assert r.get("available_seats") == "0"
    assert len(r.keys("reserve_seat:[0-9]*")) == 50  # one receipt per seat taken
    crashed = queue.fetch_job(running[0])
    assert crashed.retries_left < 3, "the crashed job was not retried"


@pytest.mark.parametrize("production", [False, True], ids=["dev", "production"])
def test_sigterm_answers_every_request_it_took_before_exiting(serve_app, rq_connection,
                                                              production):
    """A request the app began is answered before it exits: as many seat jobs exist as
    clients were told "Reservation in process"; the rest were refused, never half-done."""
    import threading
    app = serve_app("100-seat.py", ready_path="/available_seats", production=production)
    answers = []
    stop_at = threading.Event()

    def client() -> None:
        while not stop_at.is_set():
            try:
                answers.append(app.get("/reserve_seat")[0])
            except OSError:  # refused, or reset before the app read the request
                answers.append(0)
                stop_at.wait(0.01)  # not a busy loop on a port that is closed

    clients = [threading.Thread(target=client) for _ in range(20)]
    for thread in clients:
        thread.start()
    time.sleep(0.5)
    app.signal(signal.SIGTERM)
    assert app.wait() == 0
    stop_at.set()
    for thread in clients:
        thread.join()
    queue = Queue("reserve_seat", connection=rq_connection, serializer=JSONSerializer)
    assert answers.count(202) == queue.count > 0, set(answers)
    assert set(answers) <= {202, 409, 0}
    assert not any("Traceback" in line for line in app.errors), app.errors


@pytest.mark.slow
def test_one_gunicorn_launch_sells_50_however_its_workers_are_replaced(
        serve_app, r, rq_connection):
    """The production command, without --preload so that every worker runs create_app(): a
    worker SIGKILLed or replaced on HUP mid-sale must not put 50 seats on sale again (the
    factory used to: 90 sold for 50); the launch is gunicorn's on_starting hook."""
    import psutil
    from tools.lesson_processes import PRODUCTION_SERVER
    # Old workers get 5 s to finish after HUP (gunicorn's default: 30).
    app = serve_app("100-seat.py", ready_path="/available_seats",
                    production=[*(o for o in PRODUCTION_SERVER if o != "--preload"),
                                "--graceful-timeout", "5"])
    master = psutil.Process(app.proc.pid)
    finished = Queue("reserve_seat", connection=rq_connection,
                     serializer=JSONSerializer).finished_job_registry

    def sell(count: int, left: int) -> None:
        assert {app.get("/reserve_seat")[0] for _ in range(count)} == {202}
        app.get("/process")
        wait_until(lambda: r.get("available_seats") == str(left), 30, f"{left} seats left")

    def replace_workers(how) -> None:
        before = {worker.pid for worker in master.children()}
        how(before)
        wait_until(lambda: len({w.pid for w in master.children()} - before) >= 1
                   and len(master.children()) == 2, 45, "gunicorn replaced a worker")

    sell(40, 10)
    replace_workers(lambda pids: os.kill(min(pids), signal.SIGKILL))
    replace_workers(lambda pids: master.send_signal(signal.SIGHUP))
    answers = {app.get("/available_seats")[1] for _ in range(20)}  # both workers answer
    assert answers == {'{"numberOfAvailableSeats":"10"}'}
    sell(10, 0)
    wait_until(lambda: len(finished) == 50, 30, "50 seat jobs completed")
    assert app.get("/reserve_seat")[:2] == (409, '{"status":"Reservation are blocked"}')


@pytest.mark.slow
def test_every_key_a_seat_job_leaves_expires(serve_app, r):
    """A census after 500 reservations for 50 seats (450 fail): a failed job's hash and
    result stream used to keep RQ's year and no expiry at all (246 of 246 after 5,000)."""
    from kuestyle.settings import KEPT
    app = serve_app("100-seat.py", ready_path="/available_seats")
    answers = hammer([app.url("/reserve_seat")] * 500, concurrency=20)
    assert {status for status, _, _ in answers} == {202}  # all queued before any is run
    app.get("/process")
    app.wait_for(lambda lines: sum(line.startswith("Seat reservation job") for line in lines)
                 >= 500, timeout=120, what="500 outcomes")
    forever, per_job = [], 0
    for key in r.scan_iter(count=1000):
        ttl = r.ttl(key)
        if re.search(r"\d", key):  # a key with an id in it belongs to one job or worker
            per_job += 1
            assert 0 < ttl <= KEPT["failure_ttl"], (key, ttl)
        elif ttl == -1:
            forever.append(key)
    assert per_job >= 1000  # each job's hash and result stream, at least
    # What stays is one key per name, however many jobs ran: the seats, the id counter,
    # the queue's registries and RQ's sets of queues and workers.
    assert len(forever) <= 12, sorted(forever)
