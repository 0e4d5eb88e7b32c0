"""RQ's worker logs, for the lessons: off stdout (the lesson's lines are there), and an error
that ends RQ's loop ends the process with one line and status 1.  RQ's loop logs such an
error and returns as if it had been asked to stop: a process manager would see status 0 and
start nothing.  A handler on RQ's logger, as RQ's docs suggest, is the documented way in."""
import logging
import os
import sys


class LoopErrors(logging.Handler):
    """An ERROR logged by RQ's work loop ends the process, in one line."""

    def emit(self, record: logging.LogRecord) -> None:
        """Turn the loop's error record into SystemExit (status 1, one line)."""
        if record.levelno >= logging.ERROR and record.funcName == "work":
            kind, error = (record.exc_info or (None, None, None))[:2]
            reason = f"{kind.__name__}: {error}" if kind else record.getMessage()
            raise SystemExit(f"Worker stopped: {reason}")


def quiet_rq_logs() -> None:
    """RQ's logs on stderr at $RQ_LOG_LEVEL (default: critical only; RQ's own default is
    stdout at INFO), and its loop's errors as one line and status 1."""
    logger = logging.getLogger("rq")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
        handler.setLevel(os.environ.get("RQ_LOG_LEVEL", "CRITICAL").upper())
        logger.addHandler(handler)
        logger.addHandler(LoopErrors())
