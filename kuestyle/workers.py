"""What RQ's workers lack for the lessons: their logs off stdout, and a liveness check."""
import logging
import os
import sys

from rq import Queue, Worker


def quiet_rq_logs() -> None:
    """RQ's logs to stderr at $RQ_LOG_LEVEL (default: critical only; RQ's own default is
    stdout), and one write per printed line, so workers sharing a terminal never interleave."""
    logger = logging.getLogger("rq")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
        handler.setLevel(os.environ.get("RQ_LOG_LEVEL", "CRITICAL").upper())
        logger.addHandler(handler)
    sys.stdout.reconfigure(line_buffering=True, write_through=False)


def live_workers(queue: Queue) -> list[Worker]:
    """The workers listening on queue: ``Worker.all`` lists a SIGKILLed one for minutes,
    a live one has a subscriber on its command channel."""
    workers = Worker.all(queue=queue)
    if not workers:
        return []
    counts = dict(queue.connection.pubsub_numsub(*[w.pubsub_channel_name for w in workers]))
    return [w for w in workers if counts.get(w.pubsub_channel_name.encode())
            or counts.get(w.pubsub_channel_name)]
