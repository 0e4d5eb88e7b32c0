#!/usr/bin/env python3
"""Accept work over HTTP with 202 Accepted; a worker does it in the background.

``POST /upload-image`` with ``{"imageId": "cat-42"}`` validates the input,
queues a job and answers at once: 202, the job id and a URL to poll.
``GET /jobs/<id>`` reports the job's state and progress.  The worker is
./108-image_worker.py; the app is ./108-image_app.py (port 1245).
"""
import re
import time


from flask import Flask, request
from rq import Queue, get_current_job
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from kuestyle.connection import QUICK, client_for, connect, redis_url, run
from kuestyle.ids import next_id
from kuestyle.settings import KEPT
from kuestyle.web import answers_like_express, serve

QUEUE = "images"
IMAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
STEP_SECONDS = 0.2
MAX_BODY_BYTES = 16 * 1024


def process_image(image_id: str) -> dict:
    """The job: make a thumbnail in steps, saving its progress in job.meta."""
    job = get_current_job()
    for percent in (0, 25, 50, 75, 100):
        job.meta["progress"] = percent
        job.save_meta()  # GET /jobs/<id> reads it
        if percent < 100:
            time.sleep(STEP_SECONDS)
    return {"imageId": image_id, "thumbnail": f"thumbnails/{image_id}.png"}


def validate(body: object) -> str | None:
    """Return what is wrong with a request body, or None if it is good."""
    if not isinstance(body, dict):
        return ("Send a JSON object, {\"imageId\": \"...\"}, with "
                "Content-Type: application/json")
    image_id = body.get("imageId")
    if image_id is None:
        return "imageId is required"
    if not isinstance(image_id, str) or not IMAGE_ID.fullmatch(image_id):
        return "imageId must be 1 to 64 letters, digits, '-' or '_'"
    return None


def describe_job(job: Job) -> dict:
    """Return what a client may know about a job: state, progress, result."""
    state = job.get_status(refresh=True).value
    answer = {"jobId": job.id, "state": state,
              "progress": job.meta.get("progress", 0)}
    if state == "finished":
        answer["result"] = job.return_value()
    return answer


def create_app(url: str | None = None) -> Flask:
    """Build the upload app on the Redis at url (default: REDIS_URL)."""
    app = answers_like_express(Flask(__name__))
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # larger: 413, as JSON
    # QUICK: a 503 at once when Redis is down.
    connection = client_for(url or redis_url(), **QUICK)
    queue = Queue(QUEUE, connection=connection, serializer=JSONSerializer)

    @app.post("/upload-image")
    def upload() -> tuple[dict, int, dict]:
        """Validate, queue, and answer 202 with where to follow the job."""
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None
        problem = validate(body)
        if problem:
            return {"status": problem}, 400, {}
        job = queue.enqueue("108-image_app.process_image", body["imageId"],
                            job_id=next_id(queue.connection), **KEPT)
        status_url = f"/jobs/{job.id}"
        return ({"status": "Accepted", "jobId": job.id,
                 "statusUrl": status_url}, 202, {"Location": status_url})

    @app.get("/jobs/<job_id>")
    def job_status(job_id: str) -> dict | tuple[dict, int]:
        """Report a job of this queue; any other id is not found."""
        job = None
        try:
            if JOB_ID.fullmatch(job_id):  # RQ's own rule for a job id
                job = Job.fetch(job_id, connection=queue.connection,
                                serializer=JSONSerializer)
            if job is not None and job.origin == QUEUE:
                return describe_job(job)
        except NoSuchJobError:
            pass
        except (DeserializationError, ValueError):
            # JSON only: data that is not JSON is refused, never unpickled.
            return {"status": "Job data is not valid JSON"}, 422
        return {"status": "Job not found"}, 404

    return app


def main() -> None:
    """Check that Redis answers, then serve on port 1245 until Ctrl-C."""
    connect(**QUICK)
    serve(create_app(), 1245)


if __name__ == "__main__":
    run(main)
