"""Dead letters and run records, each written in its own transaction so that a failed job's
rollback keeps them, and scrubbed of anything that looks like personal data."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from backend.jobs.tables import DeadJob, JobRun, Outcome, Trigger
from backend.logging import scrub_text

log = structlog.get_logger(__name__)

#: Run records older than this are pruned (``jobs.prune_job_runs``); the page shows the last.
RUN_RETENTION = timedelta(days=90)


def _scrubbed(exc: BaseException) -> str:
    return scrub_text(str(exc))[:2000]


async def record_dead_letter(
    name: str, args: tuple[Any, ...], exc: BaseException, tries: int
) -> None:
    from backend.db import unit_of_work

    async with unit_of_work():
        await DeadJob.insert(
            DeadJob(
                name=name,
                args=json.dumps(list(args), default=str),
                error_type=type(exc).__name__,
                error_message=_scrubbed(exc),
                tries=tries,
            )
        )


async def dead_letters(limit: int = 100) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await DeadJob.select().order_by(DeadJob.failed_at, ascending=False).limit(limit)
    )
    return rows


@dataclass(frozen=True)
class RunClock:
    """When a run started: the wall clock for people, a monotonic one for its duration."""

    started_at: datetime
    started: float

    @classmethod
    def start(cls) -> RunClock:
        return cls(datetime.now(UTC), time.perf_counter())

    def elapsed_ms(self) -> int:
        return max(0, round((time.perf_counter() - self.started) * 1000))


async def record_run(
    name: str,
    trigger: Trigger,
    clock: RunClock,
    outcome: Outcome,
    exc: BaseException | None = None,
) -> None:
    """One INSERT in a transaction of its own, after the job's transaction has ended.

    Never raises: a run record that cannot be written (the database is down, which is likely
    why the job failed too) must not turn a job that succeeded into a failure, nor hide the
    job's own error. The log line keeps what was lost.
    """
    from backend.db import unit_of_work

    duration_ms = clock.elapsed_ms()
    try:
        async with unit_of_work():
            await JobRun.insert(
                JobRun(
                    name=name,
                    trigger=trigger.value,
                    started_at=clock.started_at,
                    finished_at=datetime.now(UTC),
                    outcome=outcome.value,
                    error_type=type(exc).__name__ if exc is not None else None,
                    error_message=_scrubbed(exc) if exc is not None else None,
                    duration_ms=duration_ms,
                )
            )
    except Exception:
        log.exception(
            "job_run_not_recorded",
            job=name,
            trigger=trigger.value,
            outcome=outcome.value,
            duration_ms=duration_ms,
        )


async def prune_runs(now: datetime | None = None) -> int:
    """Delete run records older than ``RUN_RETENTION``; returns how many went."""
    cutoff = (now or datetime.now(UTC)) - RUN_RETENTION
    deleted: list[dict[str, Any]] = (
        await JobRun.delete().where(JobRun.started_at < cutoff).returning(JobRun.id)
    )
    return len(deleted)
