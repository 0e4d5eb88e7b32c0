"""Lesson 108: 202 Accepted, a status URL, and JSON errors for bad input."""
import signal

import pytest
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from tests.helpers import import_lesson


@pytest.fixture
def client(redis_server):
    """A test client of the image app on the test server."""
    return import_lesson("108-image_app").create_app(redis_server).test_client()


def run_burst_worker(connection) -> None:
    """Process the images queue in this process, keeping pytest's signal handlers."""
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        SimpleWorker([Queue("images", connection=connection, serializer=JSONSerializer)],
                     connection=connection,
                     serializer=JSONSerializer).work(burst=True, logging_level="CRITICAL")
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])


def test_upload_answers_202_with_job_id_and_status_url(client, rq_connection):
    response = client.post("/upload-image", json={"imageId": "cat-42"})
    assert response.status_code == 202
    assert response.get_json() == {"status": "Accepted", "jobId": "1", "statusUrl": "/jobs/1"}
    assert response.headers["Location"] == "/jobs/1"
    assert Queue("images", connection=rq_connection, serializer=JSONSerializer).job_ids == ["1"]
    status = client.get("/jobs/1")
    assert status.get_json() == {"jobId": "1", "state": "queued", "progress": 0}


def test_job_status_reports_progress_and_result(client, rq_connection):
    client.post("/upload-image", json={"imageId": "dog_7"})
    run_burst_worker(rq_connection)
    assert client.get("/jobs/1").get_json() == {
        "jobId": "1", "state": "finished", "progress": 100,
        "result": {"imageId": "dog_7", "thumbnail": "thumbnails/dog_7.png"}}


@pytest.mark.parametrize("payload", [
    {"data": "not json", "content_type": "text/plain"},
    {"data": "{broken", "content_type": "application/json"},
    {"json": ["imageId"]}, {"json": {}}, {"json": {"imageId": None}},
    {"json": {"imageId": 42}}, {"json": {"imageId": ""}}, {"json": {"imageId": "a" * 65}},
    {"json": {"imageId": "../etc/passwd"}}, {"json": {"imageId": "cat 42"}},
    {"json": {"imageId": ["cat"]}}, {"json": "cat-42"}])
def test_bad_input_is_400_json_and_queues_nothing(client, payload, rq_connection):
    response = client.post("/upload-image", **payload)
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert set(response.get_json()) == {"status"}
    assert Queue("images", connection=rq_connection, serializer=JSONSerializer).count == 0


def test_unknown_job_and_other_queues_jobs_are_404(client, rq_connection):
    Queue("other", connection=rq_connection,
          serializer=JSONSerializer).enqueue("builtins.print", job_id="77")
    for path in ("/jobs/77", "/jobs/999", "/jobs/%20", "/jobs/x%3Ay"):
        response = client.get(path)
        assert (response.status_code, response.get_json()) == (404, {"status": "Job not found"})


def test_get_on_upload_is_405_json(client):
    response = client.get("/upload-image")
    assert response.status_code == 405 and response.get_json() == {"status": "Method Not Allowed"}


def test_deeply_nested_json_is_a_400_not_a_500(redis_server):
    client = import_lesson("108-image_app").create_app(redis_server).test_client()
    body = "[" * 8_000 + "]" * 8_000  # under the size limit, deeper than Python recurses
    response = client.post("/upload-image", data=body, content_type="application/json")
    assert response.status_code == 400 and response.is_json


def test_a_body_over_16_kib_is_413_json_and_queues_nothing(redis_server, rq_connection):
    client = import_lesson("108-image_app").create_app(redis_server).test_client()
    body = '{"imageId": "cat", "pad": "' + "x" * 1_000_000 + '"}'
    response = client.post("/upload-image", data=body, content_type="application/json")
    assert (response.status_code, response.get_json()) == (
        413, {"status": "Request Entity Too Large"})
    assert Queue("images", connection=rq_connection).count == 0
