"""When a scheduled job runs next: pure functions of the schedule's minutes and a clock reading.

The schedule (``backend.jobs.worker.SCHEDULE``) gives, for each job, the minutes of every hour
at which it runs. arq's cron evaluates them on the wall clock of the worker's time zone at
second 0; the embedded scheduler does the same, and these functions say when that will be.
No I/O here, so the rules are unit tested without a clock of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import pairwise

_HOUR = timedelta(hours=1)


def _check(minutes: Iterable[int]) -> list[int]:
    ordered = sorted(set(minutes))
    if not ordered:
        raise ValueError("a schedule needs at least one minute")
    if ordered[0] < 0 or ordered[-1] > 59:
        raise ValueError(f"minutes of the hour run from 0 to 59, not {ordered}")
    return ordered


def minute_floor(moment: datetime) -> datetime:
    """The start of the minute ``moment`` falls in."""
    return moment.replace(second=0, microsecond=0)


def next_run(minutes: Iterable[int], after: datetime) -> datetime:
    """The first start of a scheduled minute strictly after ``after``.

    A run is due at second 0 of its minute; once that instant has passed the next one is the
    following scheduled minute, in this hour or, past the last one, in the next hour (and so
    into the next day or year). The result keeps ``after``'s time zone.
    """
    ordered = _check(minutes)
    this_minute = minute_floor(after)
    hour = this_minute.replace(minute=0)
    for minute in ordered:
        candidate = hour.replace(minute=minute)
        if candidate > after:
            return candidate
    return hour + _HOUR + timedelta(minutes=ordered[0])


def due_between(minutes: Iterable[int], since: datetime, until: datetime) -> bool:
    """Whether a scheduled minute starts in ``(since, until]``.

    The embedded scheduler asks this of each job for the span since its last look, so a run
    is neither lost when a long job delays a look past a minute nor made twice in one minute.
    """
    return since < until and next_run(minutes, since) <= until


def describe_minutes(minutes: Iterable[int]) -> str:
    """The schedule in words for the jobs page: "每小时第 5 分", "每 10 分钟"."""
    ordered = _check(minutes)
    if len(ordered) > 1:
        step = ordered[1] - ordered[0]
        if (
            60 % step == 0
            and len(ordered) == 60 // step
            and all(b - a == step for a, b in pairwise(ordered))
        ):
            if step == 1:
                return "每分钟"
            offset = f"（第 {ordered[0]} 分起）" if ordered[0] else ""
            return f"每 {step} 分钟{offset}"
    return "每小时第 " + "、".join(str(m) for m in ordered) + " 分"


__all__ = ["describe_minutes", "due_between", "minute_floor", "next_run"]
