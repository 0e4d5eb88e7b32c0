"""Nothing runs what Redis holds: a crafted pickle stays data; the dashboard obeys only itself."""
import importlib
import pickle

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from tests.helpers import wait_for_worker


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
