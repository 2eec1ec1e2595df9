"""Enqueueing: jobs are collected during a unit of work and flushed after it commits.

Every run is recorded (``job_run``): on the arq worker by ``worker._wrap``, in embedded mode by
``run_in_process`` here, the one place each mode runs a job.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings

from backend.jobs.registry import job_name, lookup
from backend.jobs.tables import Outcome, Trigger
from backend.settings import get_settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PendingJob:
    name: str
    args: tuple[Any, ...]
    #: Jobs with the same key are enqueued once while one is waiting (arq ``_job_id``).
    dedupe_key: str | None = None
    #: What started it, for the run record. On arq a manual run is told by its job id.
    trigger: Trigger = Trigger.enqueued


@dataclass
class PendingJobs:
    jobs: list[PendingJob] = field(default_factory=list)

    def add(self, job: PendingJob) -> None:
        if job.dedupe_key and any(j.dedupe_key == job.dedupe_key for j in self.jobs):
            return
        self.jobs.append(job)

    def discard(self) -> None:
        self.jobs.clear()

    async def flush(self) -> None:
        jobs, self.jobs = self.jobs, []
        for pending in jobs:
            await dispatch(pending)


_pending: contextvars.ContextVar[PendingJobs | None] = contextvars.ContextVar(
    "aidbridge_pending_jobs", default=None
)


@asynccontextmanager
async def collect_jobs() -> AsyncIterator[PendingJobs]:
    """Collect jobs enqueued inside the block; an enclosing collector keeps ownership."""
    outer = _pending.get()
    if outer is not None:
        yield outer
        return
    pending = PendingJobs()
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def enqueue(func: Callable[..., Awaitable[Any]], *args: Any, dedupe_key: str | None = None) -> None:
    """Run ``func(*args)`` in the background once the current unit of work commits."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("enqueue() must be called inside a unit of work (backend.db)")
    pending.add(PendingJob(job_name(func), args, dedupe_key))


#: arq job ids of runs an admin started ("立即运行"): ``manual:<job name>``.
MANUAL_JOB_ID_PREFIX = "manual:"
#: How long a run-now request absorbs the next ones for the same job (a double click).
MANUAL_RUN_COOLDOWN_SECONDS = 10.0


def trigger_of(job_id: str | None) -> Trigger:
    """What started an arq job that is not a cron tick, told by its job id."""
    if job_id and job_id.startswith(MANUAL_JOB_ID_PREFIX):
        return Trigger.manual
    return Trigger.enqueued


def enqueue_manual_run(name: str) -> None:
    """Run the registered job ``name`` (no arguments) once the current unit of work commits.

    For the jobs page's "立即运行": the caller has checked ``name`` against the schedule. The
    arq job id ``manual:<name>`` makes arq refuse a second one while the first is waiting or
    running; ``claim_manual_run`` covers the moments after it has finished.
    """
    lookup(name)  # a name that is not a registered job fails here, inside the request
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("enqueue_manual_run() must be called inside a unit of work")
    pending.add(PendingJob(name, (), f"{MANUAL_JOB_ID_PREFIX}{name}", Trigger.manual))


_manual_claims: dict[str, float] = {}


async def claim_manual_run(name: str) -> bool:
    """Whether this run-now request is the first for ``name`` within the cooldown.

    With Redis the claim is a key set only if absent (atomic across app replicas); in
    embedded mode, one process, it is a deadline in memory, checked and set without an
    ``await`` in between so two concurrent requests cannot both win.
    """
    settings = get_settings()
    if settings.redis_url:
        pool = await redis_pool()
        key = f"{settings.job_queue_name}:{MANUAL_JOB_ID_PREFIX}{name}"
        claimed = await pool.set(key, b"1", nx=True, px=int(MANUAL_RUN_COOLDOWN_SECONDS * 1000))
        return bool(claimed)
    now = time.monotonic()
    if _manual_claims.get(name, 0.0) > now:
        return False
    _manual_claims[name] = now + MANUAL_RUN_COOLDOWN_SECONDS
    return True


_redis: ArqRedis | None = None
_redis_lock = asyncio.Lock()


async def redis_pool() -> ArqRedis:
    global _redis
    async with _redis_lock:
        if _redis is None:
            settings = get_settings()
            assert settings.redis_url, "redis_pool() needs REDIS_URL"
            _redis = await create_pool(
                RedisSettings.from_dsn(settings.redis_url),
                default_queue_name=settings.job_queue_name,
            )
    return _redis


async def close_redis_pool() -> None:
    global _redis
    if _redis is not None:
        await _redis.aclose()
        _redis = None


async def dispatch(pending: PendingJob) -> None:
    settings = get_settings()
    if settings.redis_url:
        pool = await redis_pool()
        await pool.enqueue_job(pending.name, *pending.args, _job_id=pending.dedupe_key)
        log.info("job_enqueued", job=pending.name)
        return
    await run_in_process(pending)


async def run_in_process(pending: PendingJob) -> None:
    """The embedded mode: run now, in a fresh unit of work; a failure goes to the dead letters.

    The run record follows in a transaction of its own. Its duration includes the in-process
    runs of the jobs this one enqueued, which flush as its unit of work ends.
    """
    from backend.db import unit_of_work
    from backend.jobs.service import RunClock, record_dead_letter, record_run

    func = lookup(pending.name)
    clock = RunClock.start()
    try:
        async with unit_of_work():
            await func(*pending.args)
    except Exception as exc:
        log.exception("job_failed", job=pending.name, mode="in-process")
        await record_run(pending.name, pending.trigger, clock, Outcome.failed, exc)
        await record_dead_letter(pending.name, pending.args, exc, tries=1)
        return
    await record_run(pending.name, pending.trigger, clock, Outcome.ok)
