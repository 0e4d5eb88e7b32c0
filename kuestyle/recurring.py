"""When a recurring job's next run is, and the one id every scheduler gives that run.

Two forms, as Bull's ``repeat`` has them: a cron expression (croniter, RQ's own
dependency, reads a sixth field as seconds) and a fixed interval, counted from the
epoch, so that schedulers on several hosts compute the same runs without talking to
each other.  A run's id names its schedule and its time: enqueued with RQ's
``unique=True``, a second scheduler's copy of the same run is refused in one atomic step.
"""
from datetime import datetime, timedelta, timezone

from croniter import croniter

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def next_cron_run(expression: str, after: datetime) -> datetime:
    """The first time after ``after`` that the cron expression names (UTC)."""
    return croniter(expression, after.astimezone(timezone.utc)).get_next(datetime)


def next_interval_run(every: timedelta, after: datetime) -> datetime:
    """The first multiple of ``every`` since the epoch that comes after ``after``."""
    done = (after - EPOCH) // every
    return EPOCH + (done + 1) * every


def run_id(schedule: str, when: datetime) -> str:
    """The id of the schedule's run at when: the same on every host."""
    return f"{schedule}-{when.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"
