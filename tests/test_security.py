"""Nothing runs what Redis holds: a crafted pickle stays data; the dashboard obeys only itself."""
import importlib
import pickle
from json import loads as json_loads

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from tests.helpers import wait_for_worker, wait_until


class Exploit:
    """Unpickling this creates a marker file: the proof that code ran."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def marker(tmp_path):
    """Where a successful attack would leave its file."""
    return tmp_path / "code-ran"


def plant(connection, queue_name: str, job_id: str, field: str, marker) -> None:
    """Queue a normal job, then overwrite one of its stored fields with a crafted pickle."""
    queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
    job = queue.enqueue("108-image_app.process_image", "cat", job_id=job_id)
    connection.hset(job.key, field, pickle.dumps(Exploit(marker)))
    if field == "result":
        connection.hset(job.key, "status", "finished")


def test_the_processor_runs_no_pickle_and_keeps_working(background, rq_connection, marker):
    plant(rq_connection, "push_notification_code", "1", "data", marker)
    Queue("push_notification_code", connection=rq_connection,
          serializer=JSONSerializer).enqueue("6-job_processor.process_notification",
                                             {"phoneNumber": "2", "message": "fine"},
                                             job_id="2")
    processor = background("6-job_processor.py")
    processor.wait_for_line("Sending notification to 2, with message: fine")
    assert not marker.exists()
    failed = Queue("push_notification_code", connection=rq_connection,
                   serializer=JSONSerializer).failed_job_registry
    assert failed.get_job_ids() == ["1"]
    job = failed.get_queue().fetch_job("1")
    reason = job.latest_result().exc_string
    assert "DeserializationError" in reason and "UnicodeDecodeError" in reason, reason
    assert processor.proc.poll() is None, "the processor must keep working"


@pytest.mark.parametrize("field", ["data", "meta", "result"])
def test_the_image_app_answers_a_pickled_job_cleanly(rq_connection, redis_server, marker,
                                                     field):
    plant(rq_connection, "images", "5", field, marker)
    app = importlib.import_module("108-image_app").create_app(redis_server)
    response = app.test_client().get("/jobs/5")
    assert not marker.exists()
    assert response.status_code in (200, 422) and response.is_json, response.data


@pytest.fixture
def dashboard(redis_server):
    """A test client of the dashboard, write actions allowed (from its own pages only)."""
    app = importlib.import_module("109-dashboard").create_app(redis_server, write=True)
    return app.test_client()


@pytest.mark.parametrize("field", ["data", "meta", "result"])
def test_the_dashboard_runs_no_pickle_on_any_job_route(dashboard, rq_connection, marker,
                                                       field):
    plant(rq_connection, "images", "5", field, marker)
    own = {"Origin": "http://localhost"}
    answers = [dashboard.get("/0/view/job/5").status_code,
               dashboard.get("/0/data/job/5.json").status_code,
               dashboard.get("/0/data/jobs/images/queued/8/1.json").status_code,
               dashboard.post("/job/5/delete", headers=own).status_code]
    assert not marker.exists()
    assert 500 not in answers, answers


def test_a_foreign_host_is_refused(dashboard):
    response = dashboard.get("/0/data/queues.json", headers={"Host": "attacker.example"})
    assert response.status_code == 403


def test_a_cross_origin_form_changes_nothing(dashboard, rq_connection):
    queue = Queue("images", connection=rq_connection, serializer=JSONSerializer)
    job = queue.enqueue("108-image_app.process_image", "cat", job_id="9")
    for headers in ({"Origin": "http://attacker.example"},
                    {"Referer": "http://attacker.example/page"}, {}):
        assert dashboard.post("/job/9/delete", headers=headers).status_code == 403
        assert dashboard.post("/queue/images/queued/empty", headers=headers).status_code == 403
        assert dashboard.get("/requeue/images", headers=headers).status_code == 403
    assert queue.job_ids == ["9"] and job.get_status(refresh=True) == "queued"
    response = dashboard.post("/job/9/delete", headers={"Origin": "http://localhost"})
    assert response.status_code == 200 and queue.job_ids == []


def test_read_only_unless_asked(redis_server, rq_connection):
    app = importlib.import_module("109-dashboard").create_app(redis_server)
    queue = Queue("images", connection=rq_connection, serializer=JSONSerializer)
    queue.enqueue("108-image_app.process_image", "cat", job_id="9")
    response = app.test_client().post("/queue/images/queued/empty",
                                      headers={"Origin": "http://localhost"})
    assert response.status_code == 403 and b"--write" in response.data
    assert queue.job_ids == ["9"]
    assert app.test_client().get("/0/view/job/9").status_code == 200


def test_the_dashboard_workaround_is_checked_against_its_version():
    import rq_dashboard.version
    assert rq_dashboard.version.VERSION == "0.9.0", "re-check kuestyle/rq_dashboard_gaps.py"


def test_a_worker_started_with_the_lessons_serializer_is_seen(background, rq_connection):
    background("108-image_worker.py")
    wait_for_worker(rq_connection, "images")


def plant_failed(connection, queue_name: str, job_id: str, field: str, marker) -> None:
    """A failed job on queue_name whose data, meta or latest result holds a crafted pickle."""
    import base64
    queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
    job = queue.enqueue("108-image_app.process_image", "cat", job_id=job_id)
    connection.lrem(queue.key, 0, job_id)
    connection.hset(job.key, "status", "failed")
    connection.zadd(queue.failed_job_registry.key, {job_id: 2 ** 40})
    if field == "result":
        payload = base64.b64encode(pickle.dumps(Exploit(marker)))
        connection.xadd(f"rq:results:{job_id}", {"type": 2, "return_value": payload,
                                                 "worker_name": ""})
    else:
        connection.hset(job.key, field, pickle.dumps(Exploit(marker)))


def plant_busy_worker(connection, queue_name: str, job_id: str) -> None:
    """A worker record, as RQ writes it, that says it is running job_id."""
    key = "rq:worker:planted"
    connection.hset(key, mapping={"queues": queue_name, "state": "busy", "current_job": job_id,
                                  "birth": "2026-01-01T00:00:00.000000Z",
                                  "last_heartbeat": "2026-01-01T00:00:00.000000Z"})
    connection.sadd("rq:workers", key)
    connection.sadd(f"rq:workers:{queue_name}", key)


OWN = {"Origin": "http://localhost"}


@pytest.mark.parametrize("field", ["data", "meta", "result"])
def test_requeue_and_requeue_all_run_no_pickle(dashboard, rq_connection, marker, field):
    plant_failed(rq_connection, "images", "5", field, marker)
    answers = [dashboard.post("/job/5/requeue", headers=OWN),
               dashboard.post("/requeue/images", headers=OWN),
               dashboard.get("/requeue/images", headers=OWN)]
    assert not marker.exists()
    assert [a.status_code for a in answers if a.status_code >= 500] == [], answers


def test_the_workers_list_runs_no_pickle(dashboard, redis_server, rq_connection, marker):
    """The Workers tab polls workers.json, which reads each worker's current job."""
    plant(rq_connection, "images", "5", "meta", marker)
    plant_busy_worker(rq_connection, "images", "5")
    for app in (dashboard,
                importlib.import_module("109-dashboard").create_app(redis_server).test_client()):
        response = app.get("/0/data/workers.json")
        assert not marker.exists()
        assert response.status_code == 200, response.data
        # RQ keeps meta it cannot read as JSON as raw data, never unpickled.
        assert response.json["workers"][0]["current_job"]["job_id"] == "5"


@pytest.mark.parametrize("write", [False, True])
def test_no_route_of_the_dashboard_runs_a_pickle(redis_server, rq_connection, marker, write):
    """Every route rq-dashboard has, GET and POST from its own page, with pickles planted in a
    queued job, a failed one (data, meta, result) and behind a busy worker."""
    for job_id, field in (("11", "data"), ("12", "meta"), ("13", "result")):
        plant_failed(rq_connection, "images", job_id, field, marker)
    plant(rq_connection, "images", "5", "meta", marker)
    plant_busy_worker(rq_connection, "images", "5")
    app = importlib.import_module("109-dashboard").create_app(redis_server, write=write)
    client = app.test_client()
    values = {"instance_number": 0, "queue_name": "images", "per_page": 8, "order": "asc",
              "page": 1}
    asked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static"):
            continue
        for job_id in ("5", "11", "12", "13"):
            for registry in ("queued", "failed", "started", "finished", "deferred",
                             "scheduled", "canceled"):
                arguments = {**values, "job_id": job_id, "registry_name": registry}
                path = rule.build({k: v for k, v in arguments.items() if k in rule.arguments},
                                  append_unknown=False)[1]
                for method in {"GET", "POST"} & rule.methods:
                    answer = client.open(path, method=method, headers=OWN)
                    asked.append((method, path, answer.status_code))
    assert not marker.exists()
    assert [a for a in asked if a[2] >= 500] == []
    assert len({path for _, path, _ in asked}) >= 20, asked  # the sweep reached the routes


def test_an_ordinary_failed_job_requeued_twice_stays_json_and_runs(dashboard, rq_connection,
                                                                   background):
    queue = Queue("images", connection=rq_connection, serializer=JSONSerializer)
    job = queue.enqueue("108-image_app.process_image", "cat", job_id="7", meta={"note": "hi"})
    for _ in range(2):
        queue.remove(job.id)
        job.set_status("failed")
        queue.failed_job_registry.add(job, ttl=600)
        assert dashboard.post("/job/7/requeue", headers=OWN).status_code == 200
    assert json_loads(rq_connection.hget(job.key, "meta")) == {"note": "hi"}
    assert dashboard.get("/0/data/job/7.json").status_code == 200
    background("108-image_worker.py")
    wait_until(lambda: job.get_status(refresh=True) == "finished", 20, "the requeued job ran")


def test_read_only_pages_show_no_button_they_would_refuse(redis_server, rq_connection):
    queue = Queue("images", connection=rq_connection, serializer=JSONSerializer)
    queue.enqueue("108-image_app.process_image", "cat", job_id="9")
    read_only = importlib.import_module("109-dashboard").create_app(redis_server).test_client()
    writable = importlib.import_module("109-dashboard").create_app(redis_server, write=True)
    for path in ("/0/view/jobs/images/failed/8/asc/1", "/0/view/job/9"):
        page = read_only.get(path).get_data(as_text=True)
        assert "#requeue-all-btn" in page and "display: none !important" in page, path
        assert "--write to requeue, delete or empty" in page
        assert "read-only-note" not in writable.test_client().get(path).get_data(as_text=True)
