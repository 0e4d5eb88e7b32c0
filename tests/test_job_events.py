"""The shared job-events listener: what it delivers, replays and lets go."""
import json
import time

from job_events import JobListener, channel


def publish(connection, job_id: str, event: str) -> None:
    """Publish a bare event as a worker's callback would."""
    connection.publish(channel("q"), json.dumps({"id": job_id, "event": event}))


def test_early_events_are_replayed_and_other_jobs_ignored(rq_connection):
    seen: list[tuple[str, str]] = []
    listener = JobListener(rq_connection, "q", lambda e: seen.append((e["id"], e["event"])))
    publish(rq_connection, "1", "progress")       # before watch: kept for replay
    time.sleep(0.3)
    listener.watch(["1"])
    for _ in range(50):                           # after watch: not this listener's
        publish(rq_connection, "99", "progress")
    publish(rq_connection, "1", "complete")
    assert listener.wait(timeout=5)
    listener.close()
    assert seen == [("1", "progress"), ("1", "complete")]
    assert listener._early == []                  # nothing held for other jobs


def test_watch_all_delivers_every_job(rq_connection):
    seen: list[str] = []
    listener = JobListener(rq_connection, "q", lambda e: seen.append(e["id"]))
    listener.watch_all()
    for job_id in ("5", "6"):
        publish(rq_connection, job_id, "complete")
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    listener.close()
    assert seen == ["5", "6"]
