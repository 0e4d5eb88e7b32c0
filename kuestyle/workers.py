"""What RQ's workers lack for the lessons: their log lines off stdout, and a liveness check.

RQ logs INFO lines to stdout unless the ``rq`` logger already has a handler;
``quiet_rq_logs()`` gives it one on stderr, silent unless $RQ_LOG_LEVEL asks
(``RQ_LOG_LEVEL=INFO ./7-job_processor.py``), and makes each printed line one
write, so two worker processes sharing a terminal never interleave mid-line.
"""
import logging
import os
import sys

from rq import Queue, Worker


def quiet_rq_logs() -> None:
    """Send RQ's logs to stderr, at $RQ_LOG_LEVEL (default: only critical ones)."""
    logger = logging.getLogger("rq")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
        handler.setLevel(os.environ.get("RQ_LOG_LEVEL", "CRITICAL").upper())
        logger.addHandler(handler)
    sys.stdout.reconfigure(line_buffering=True, write_through=False)


def live_workers(queue: Queue) -> list[Worker]:
    """The workers really listening on queue.

    ``Worker.all`` lists a SIGKILLed worker until its key expires (minutes);
    a live worker has a subscriber on its command channel.
    """
    workers = Worker.all(queue=queue)
    if not workers:
        return []
    counts = dict(queue.connection.pubsub_numsub(*[w.pubsub_channel_name for w in workers]))
    return [w for w in workers if counts.get(w.pubsub_channel_name.encode())
            or counts.get(w.pubsub_channel_name)]
