"""What RQ's workers lack for the lessons: their logs off stdout, one write per line."""
import logging
import os
import sys


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
