"""The one place that leans on an RQ method RQ does not document; tests pin the version.

RQ lets a running job's heartbeat expire 60 s after it was due (after the job's
timeout for a ``SimpleWorker``, which does not renew it; after the next renewal
for a forking ``Worker``), so a killed worker's job is noticed a minute late at
best.  Only ``Worker.get_heartbeat_ttl`` decides that number; it takes ``(job)``
in RQ 2.12 and ``(job, working_time)`` in the next release, so the override takes both.
The same class starts no scheduler process, which ``WorkerPool`` forces on (a worker that
dies mid-job, by ``os._exit``, left its scheduler running after the pool had stopped), and
says a Redis error that ends ``work()`` in one line.
"""
from typing import Any

import redis
from rq import Worker

RQ_GRACE = 60  # what RQ adds to every heartbeat TTL


def heartbeat_grace(worker_class: type[Worker], grace: int) -> type[Worker]:
    """Return worker_class whose running job's heartbeat expires grace seconds after it was due."""
    class HeartbeatGrace(worker_class):
        """worker_class, giving a job's heartbeat grace seconds instead of RQ's 60."""

        def get_heartbeat_ttl(self, job: Any, *args: Any, **kwargs: Any) -> int:
            """RQ's TTL for this job, with grace seconds of slack instead of 60."""
            return super().get_heartbeat_ttl(job, *args, **kwargs) - RQ_GRACE + grace

        def work(self, *args: Any, **kwargs: Any) -> bool:
            """RQ's loop, with no scheduler process (a WorkerPool asks for one: if its worker
            dies mid-job, the orphan would outlive the pool); a Redis error that ends it is one
            line, even in a WorkerPool's process, where multiprocessing prints a traceback."""
            kwargs["with_scheduler"] = False  # the processors' jobs are never delayed
            try:
                return super().work(*args, **kwargs)
            except redis.exceptions.RedisError as error:
                raise SystemExit(f"Redis error: {error}") from None

    HeartbeatGrace.__name__ = HeartbeatGrace.__qualname__ = f"{worker_class.__name__}"
    return HeartbeatGrace
