"""The one place that leans on an RQ method RQ does not document.

RQ lets a job's heartbeat expire ``job_monitoring_interval + 60`` seconds after
its last renewal, so a killed worker's job is noticed a minute late at best.
Only ``Worker.get_heartbeat_ttl`` decides that number; it takes ``(job)`` in
RQ 2.12 and ``(job, working_time)`` in the next release, so the override takes
both.  ``tests/test_rq_gaps.py`` pins the RQ versions it was checked against.
"""
from typing import Any

from rq import Worker


def short_heartbeat(worker_class: type[Worker], ttl: int) -> type[Worker]:
    """Return worker_class whose running job's heartbeat expires ttl seconds after renewal."""
    class ShortHeartbeat(worker_class):
        """{worker_class} with a job heartbeat of ttl seconds."""

        def get_heartbeat_ttl(self, job: Any, *args: Any, **kwargs: Any) -> int:
            """Let a running job's heartbeat expire ttl seconds after each renewal."""
            return ttl

    ShortHeartbeat.__name__ = ShortHeartbeat.__qualname__ = f"ShortHeartbeat{worker_class.__name__}"
    return ShortHeartbeat
