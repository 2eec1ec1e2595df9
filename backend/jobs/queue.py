"""Enqueueing: jobs are collected during a unit of work and flushed after it commits."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings

from backend.jobs.registry import job_name, lookup
from backend.settings import get_settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PendingJob:
    name: str
    args: tuple[Any, ...]
    #: Jobs with the same key are enqueued once while one is waiting (arq ``_job_id``).
    dedupe_key: str | None = None


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
    """The embedded mode: run now, in a fresh unit of work; a failure goes to the dead letters."""
    from backend.db import unit_of_work
    from backend.jobs.service import record_dead_letter

    func = lookup(pending.name)
    try:
        async with unit_of_work():
            await func(*pending.args)
    except Exception as exc:
        log.exception("job_failed", job=pending.name, mode="in-process")
        await record_dead_letter(pending.name, pending.args, exc, tries=1)
