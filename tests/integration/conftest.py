"""Fixtures for tests that run jobs through a real arq worker on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from backend.jobs.queue import close_redis_pool
from backend.settings import Settings, set_settings
from tests.settings import TEST_REDIS_URL


@pytest.fixture
async def arq_settings(settings: Settings) -> AsyncIterator[Settings]:
    """The app's settings with jobs going to Redis, on a queue of this test's own.

    Not yet in force: a test switches to them with ``set_settings`` once its set-up (which
    enqueues jobs of its own) has run in-process.
    """
    queued = settings.model_copy(
        update={"redis_url": TEST_REDIS_URL, "job_queue_name": f"aidbridge:test:{uuid.uuid4().hex}"}
    )
    redis = Redis.from_url(TEST_REDIS_URL)
    await redis.flushdb()  # Redis db of the tests' own: no job ids left from other runs
    yield queued
    await close_redis_pool()
    await redis.flushdb()
    await redis.aclose()
    set_settings(settings)


@pytest.fixture
def worker(arq_settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "REDIS_URL": TEST_REDIS_URL,
        "JOB_QUEUE_NAME": arq_settings.job_queue_name,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
