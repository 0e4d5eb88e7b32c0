#!/usr/bin/env python3
"""Make Ctrl-C and SIGTERM stop a long-running lesson cleanly, with no traceback.

A process started with ``&`` from a non-interactive shell inherits SIGINT as
ignored, so the handlers are installed explicitly rather than assumed.
"""
import signal
from types import FrameType


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Turn a stop signal into KeyboardInterrupt in the main thread."""
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Let SIGINT and SIGTERM raise KeyboardInterrupt, for the script to catch and exit 0."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
