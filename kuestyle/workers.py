"""What RQ's workers lack for the lessons: their logs off stdout, one write per line, and
the recovery rule's worker (recovery.py says the rule)."""
import logging
import os
import sys
from typing import Any

from kuestyle.recovery import HEARTBEAT_GRACE, IN_FLIGHT_GRACE
from kuestyle.rq_gaps import (FewerWorkerKeyWrites, HeartbeatGrace, PromptInFlightCleanup,
                              SaysWhyItStopped)


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


class PromptRecovery(HeartbeatGrace, PromptInFlightCleanup, FewerWorkerKeyWrites,
                     SaysWhyItStopped):
    """Mixin for RQ's SimpleWorker (``class W(PromptRecovery, SimpleWorker)``): a dead
    worker's job is found in seconds (HEARTBEAT_GRACE), and so is a job a crash left in
    flight (IN_FLIGHT_GRACE); an error that ends the loop is one
    line and exit status 1; the worker's own key is renewed once a second, not five times a
    job, and its state written when it changes (rq_gaps.py); and no scheduler process
    starts, even in a WorkerPool, which asks for one (had its worker died mid-job, the
    orphan would outlive the pool): these workers' jobs are never delayed."""

    heartbeat_grace = HEARTBEAT_GRACE
    in_flight_grace = IN_FLIGHT_GRACE

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's loop, with no scheduler."""
        kwargs["with_scheduler"] = False
        return super().work(*args, **kwargs)
