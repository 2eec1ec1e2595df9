"""The embedded scheduler: without Redis there is no arq worker and so no cron, and the
scheduled jobs (pledge expiry, need sweeps, ledger tree heads, digests …) would never run in
``make demo``. This runs ``SCHEDULE`` inside the app process at the same minutes as arq's cron,
through the same in-process runner as every embedded job (run record, dead letters).

Started with the app (Litestar ``on_startup``) only when ``REDIS_URL`` is unset; off under
``ENVIRONMENT=test`` unless ``EMBEDDED_SCHEDULER`` turns it on. Several app processes on one
``var/`` directory (``serve --workers 2``) share a lock file, so one of them schedules.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import structlog

from backend.jobs.queue import PendingJob, run_in_process
from backend.jobs.schedule import due_between, minute_floor
from backend.jobs.tables import Trigger
from backend.settings import Settings

log = structlog.get_logger(__name__)

Schedule = Sequence[tuple[str, frozenset[int]]]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

#: After a pause longer than this (a suspended laptop), missed runs are not caught up: each
#: job due in the last hour runs once, not once per missed tick.
CATCH_UP = timedelta(hours=1)
#: Look a little after the top of each minute, as arq does (it runs at second 0.123456).
_AFTER_MINUTE = timedelta(milliseconds=200)


def local_now() -> datetime:
    """Now on the system time zone's wall clock, which is what arq's cron evaluates."""
    return datetime.now().astimezone()


def current_schedule() -> Schedule:
    """``SCHEDULE`` as it is now: jobs added to it are picked up without a change here."""
    from backend.jobs.worker import SCHEDULE

    return SCHEDULE


def scheduler_enabled(settings: Settings) -> bool:
    """Only without Redis (with it, the arq worker's cron schedules); off in tests by default."""
    if settings.redis_url:
        return False
    if settings.embedded_scheduler is not None:
        return settings.embedded_scheduler
    return settings.environment != "test"


class _LockFile:
    """An advisory lock on a file under ``var/``: whoever holds it schedules."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self.path is None or self._file is not None:
            return True
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: one process is assumed
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None


class EmbeddedScheduler:
    """Runs each scheduled job once for every scheduled minute that has begun since its last
    look. The clock and the sleep are injected so tests drive it without waiting minutes."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        schedule: Callable[[], Schedule] = current_schedule,
        clock: Clock = local_now,
        sleep: Sleep = asyncio.sleep,
        lock_path: Path | None = None,
    ) -> None:
        self.enabled = enabled
        self._schedule = schedule
        self._clock = clock
        self._sleep = sleep
        self._lock = _LockFile(lock_path)
        self._since: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddedScheduler:
        return cls(
            enabled=scheduler_enabled(settings),
            lock_path=settings.var_dir / "scheduler.lock",
        )

    async def tick(self) -> list[str]:
        """Run the jobs due since the last tick; returns their names. The first tick only
        notes the time: like arq's cron, a job is not run for a minute already under way."""
        now = self._clock()
        since, self._since = self._since, now
        if since is None:
            return []
        since = max(since, now - CATCH_UP)
        due = [name for name, minutes in self._schedule() if due_between(minutes, since, now)]
        for name in due:
            # run_in_process records the run and dead-letters a failure; it never raises one.
            await run_in_process(PendingJob(name, (), trigger=Trigger.cron))
        return due

    def seconds_to_next_minute(self) -> float:
        now = self._clock()
        wake = minute_floor(now) + timedelta(minutes=1) + _AFTER_MINUTE
        return max((wake - now).total_seconds(), 0.05)

    async def _run(self) -> None:
        while True:
            try:
                if self._lock.acquire():
                    await self.tick()
                else:
                    self._since = None  # another process schedules; start afresh if it stops
            except Exception:
                log.exception("scheduler_tick_failed")
            await self._sleep(self.seconds_to_next_minute())

    async def start(self) -> None:
        if not self.enabled or self._task is not None:
            return
        self._task = asyncio.create_task(self._run(), name="aidbridge-embedded-scheduler")
        log.info("scheduler_started", mode="embedded")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._lock.release()
        self._since = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()
