"""The arq worker: every registered job, wrapped with back-off retries, a dead-letter log and a
run record (``job_run``) for every try."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from arq import Retry, cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, Worker, func

from backend.db import start_engine, stop_engine, unit_of_work
from backend.jobs.queue import trigger_of
from backend.jobs.registry import JobFunction, registered_jobs
from backend.jobs.service import RunClock, record_dead_letter, record_run
from backend.jobs.tables import Outcome, Trigger
from backend.logging import configure_logging
from backend.settings import Settings, get_settings

log = structlog.get_logger(__name__)


def backoff_seconds(job_try: int) -> int:
    """5 s, 20 s, 45 s, 80 s …: quadratic, so a brief outage costs little and a long one waits."""
    return 5 * job_try * job_try


def _wrap(
    name: str, job_function: JobFunction, max_tries: int, *, trigger: Trigger | None = None
) -> Function:
    """The job as arq runs it. ``trigger`` is given for cron jobs; otherwise the job id tells
    a manual run (``manual:…``) from an enqueued one."""

    async def run(ctx: dict[str, Any], *args: Any) -> Any:
        job_try = int(ctx.get("job_try", 1))
        started_by = trigger or trigger_of(ctx.get("job_id"))
        clock = RunClock.start()
        try:
            async with unit_of_work():
                result = await job_function(*args)
        except asyncio.CancelledError as cancelled:
            # arq's job timeout, or the worker stopping: the try ended without an outcome.
            await record_run(name, started_by, clock, Outcome.failed, cancelled)
            raise
        except Exception as exc:
            if job_try < max_tries:
                log.warning("job_retry", job=name, job_try=job_try, error=type(exc).__name__)
                await record_run(name, started_by, clock, Outcome.retry, exc)
                raise Retry(defer=backoff_seconds(job_try)) from exc
            log.exception("job_dead", job=name, job_try=job_try)
            await record_run(name, started_by, clock, Outcome.failed, exc)
            await record_dead_letter(name, args, exc, tries=job_try)
            raise
        await record_run(name, started_by, clock, Outcome.ok)
        return result

    run.__qualname__ = run.__name__ = name
    # arq's own max_tries is one above ours so that our last try reaches the dead-letter log.
    return func(run, name=name, max_tries=max_tries + 1)


#: Scheduled jobs: (registered job name, minutes of each hour at which it runs).
SCHEDULE: tuple[tuple[str, frozenset[int]], ...] = (
    # Digests are at most hourly per organisation; every ten minutes bounds their delay.
    ("notifications.send_digests", frozenset(range(0, 60, 10))),
    # Pledges expire by the day; hourly keeps a release at most an hour late.
    ("pledges.expire_overdue_pledges", frozenset({5})),
    # Review dates and deadlines are days: an hourly sweep is prompt enough.
    ("needs.sweep_needs", frozenset({15})),
    # Signed tree heads: an entry becomes verifiable within a minute of being recorded.
    ("ledger.sign_tree_head", frozenset(range(60))),
    # Run records older than 90 days go; an hourly delete of an hour's rows stays cheap.
    ("jobs.prune_job_runs", frozenset({45})),
)


def cron_jobs(settings: Settings, jobs: dict[str, JobFunction]) -> list[CronJob]:
    """The schedule as arq cron jobs, wrapped like every other job (retries, dead letters).

    Named apart from the plain job of the same function, which stays enqueueable; ``unique``
    keeps two workers from both running one tick.
    """
    scheduled = []
    for name, minutes in SCHEDULE:
        wrapped = _wrap(name, jobs[name], settings.job_max_tries, trigger=Trigger.cron)
        scheduled.append(
            cron(
                wrapped.coroutine,
                name=f"cron:{name}",
                minute=set(minutes),
                unique=True,
                max_tries=settings.job_max_tries + 1,
                run_at_startup=False,
            )
        )
    return scheduled


async def _startup(ctx: dict[str, Any]) -> None:
    configure_logging(get_settings())
    await start_engine()


async def _shutdown(ctx: dict[str, Any]) -> None:
    await stop_engine()


def build_worker(settings: Settings | None = None, *, burst: bool = False) -> Worker:
    settings = settings or get_settings()
    if not settings.redis_url:
        raise SystemExit("aidbridge worker needs REDIS_URL; without it jobs run in-process.")
    jobs = registered_jobs()
    functions = [
        _wrap(name, job_function, settings.job_max_tries)
        for name, job_function in sorted(jobs.items())
    ]
    return Worker(
        functions=functions,
        cron_jobs=cron_jobs(settings, jobs),
        queue_name=settings.job_queue_name,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=_startup,
        on_shutdown=_shutdown,
        burst=burst,
        keep_result=0,
        job_timeout=300,
        handle_signals=True,
    )
