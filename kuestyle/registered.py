"""A worker runs only the functions its lesson registers, as Kue's ``queue.process(name, fn)``:
RQ imports whatever dotted name a job holds, so whoever can write to Redis could make it run
``os.system``.  ``job_class=runs_only(...)`` (RQ's hook) fails any other job with the reason,
before anything is imported, and sets aside (one line on stderr) a queue entry that is not a
job it can read, where RQ's loop would stop."""
import sys
from typing import Any

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError, StopRequested
from rq.job import Job

CALLBACKS = ("success_callback_name", "failure_callback_name", "stopped_callback_name")
EVENT_CALLBACKS = ("kuestyle.events.job_completed", "kuestyle.events.job_failed",
                   "kuestyle.events.attempt_failed")


class NotRegistered(Exception):
    """A job names a function its worker does not run."""


def runs_only(*names: str) -> type[Job]:
    """RQ's Job class for a worker that runs only these dotted names (functions, callbacks)."""

    class RegisteredJob(Job):
        """An RQ job whose function and callbacks run only if the worker registered them."""

        runs = frozenset(names)

        @classmethod
        def fetch(cls, id: str, connection: Any = None, serializer: Any = None) -> Job:
            """RQ's fetch; an unreadable entry is set aside (RQ skips a job that is gone)."""
            try:
                return super().fetch(id, connection=connection, serializer=serializer)
            except (NoSuchJobError, StopRequested, RedisError):
                raise
            except Exception as error:  # its id, status, dates... are not RQ's
                sys.stderr.write(f"Skipped queue entry {id!r}: not a job this worker can "
                                 f"read ({type(error).__name__}: {error})\n")
                raise NoSuchJobError(f"unreadable job {id!r}") from None

        def unregistered(self) -> str | None:
            """The first name this job holds that its worker does not run, or None."""
            if self.instance is not None:
                return f"{self.func_name} (a method of stored data)"
            stored = self.to_dict(include_meta=False)
            for name in (self.func_name, *(stored.get(field) for field in CALLBACKS)):
                if name and name not in self.runs:
                    return name
            return None

        @property
        def func(self) -> Any:
            """The job's function, imported only once the check has passed."""
            if (name := self.unregistered()) is not None:
                self.retries_left = 0  # refused for good: a retry would be refused again
                raise NotRegistered(f"not a function this worker runs: {name}")
            return super().func

        def allowed(self, field: str) -> bool:
            """True if the callback stored in field is registered (may be imported)."""
            return self.to_dict(include_meta=False).get(field) in self.runs

        @property
        def success_callback(self) -> Any:
            """RQ's success callback, if registered; else none."""
            return super().success_callback if self.allowed(CALLBACKS[0]) else None

        @property
        def failure_callback(self) -> Any:
            """RQ's failure callback, if registered; else none."""
            return super().failure_callback if self.allowed(CALLBACKS[1]) else None

        @property
        def stopped_callback(self) -> Any:
            """RQ's stopped callback, if registered; else none."""
            return super().stopped_callback if self.allowed(CALLBACKS[2]) else None

    return RegisteredJob
