"""Lesson 109: rq-dashboard on 127.0.0.1 against REDIS_URL, its queues JSON."""
import json

from rq import Queue
from rq.serializers import JSONSerializer

from tests.helpers import listening_address


def test_dashboard_lists_the_queues_and_binds_loopback(serve_app, rq_connection):
    Queue("push_notification_code", connection=rq_connection,
          serializer=JSONSerializer).enqueue("builtins.print", "x")
    dashboard = serve_app("109-dashboard.py", ready_path="/0/data/queues.json")
    status, text, content_type = dashboard.get("/0/data/queues.json")
    assert (status, content_type) == (200, "application/json")
    queues = {queue["name"]: queue for queue in json.loads(text)["queues"]}
    assert queues["push_notification_code"]["count"] == 1
    assert dashboard.get("/")[0] == 200
    assert listening_address(dashboard.proc.pid, dashboard.port) == "127.0.0.1"
