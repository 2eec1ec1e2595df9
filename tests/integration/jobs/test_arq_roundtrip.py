"""Jobs enqueued by a request run in a real arq worker on Redis; failed jobs retry, then
dead-letter."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import pytest
from arq import Retry
from litestar import Litestar
from redis.asyncio import Redis

from backend.accounts.tables import Role
from backend.figures.tables import HeadlineFigures
from backend.jobs.tables import DeadJob
from backend.jobs.worker import _wrap
from backend.settings import Settings, get_settings, set_settings
from tests.factories import api_token, make_user, valid_uscc
from tests.settings import TEST_REDIS_URL

pytestmark = pytest.mark.usefixtures("database")


async def test_job_enqueued_by_a_request_runs_in_the_arq_worker(
    app: Litestar, arq_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    admin = await make_user(Role.admin)
    await HeadlineFigures.delete(force=True)  # make_user ran its job in-process
    set_settings(arq_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = await api_token(client, admin.username)
        response = await client.post(
            "/api/v1/organisations",
            json={
                "name": "队列测试慈善会",
                "kind": "charity",
                "uscc": valid_uscc(),
                "verified": True,
            },
            headers=headers,
        )
    assert response.status_code == 201, response.text

    # The request only enqueued the job: the figures appear once the worker has run it.
    for _ in range(150):
        row = await HeadlineFigures.select().first()
        if row is not None:
            break
        assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else ""
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the arq worker did not run the job within 15 s")
    figures = row["figures"]
    assert '"organisations_verified": 1' in figures


async def test_jobs_are_not_enqueued_when_the_request_fails(
    app: Litestar, arq_settings: Settings
) -> None:
    admin = await make_user(Role.admin)
    set_settings(arq_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = await api_token(client, admin.username)
        uscc = valid_uscc()
        body = {"name": "重复登记", "kind": "charity", "uscc": uscc}
        assert (
            await client.post("/api/v1/organisations", json=body, headers=headers)
        ).status_code == 201
        redis = Redis.from_url(TEST_REDIS_URL)
        queued_before = await redis.zcard(arq_settings.job_queue_name)
        conflict = await client.post("/api/v1/organisations", json=body, headers=headers)
        assert conflict.status_code == 409
        assert await redis.zcard(arq_settings.job_queue_name) == queued_before
        await redis.aclose()


async def _failing_job(marker: str) -> None:
    raise ValueError(f"cannot reach the mail server for 13812345678 ({marker})")


async def test_failed_job_retries_with_backoff_then_dead_letters(settings: Settings) -> None:
    run = _wrap("tests.failing", _failing_job, max_tries=3)

    with pytest.raises(Retry) as retry:
        await run.coroutine({"job_try": 1}, "first")
    assert retry.value.defer_score == 5_000

    with pytest.raises(ValueError):
        await run.coroutine({"job_try": 3}, "last")

    dead = await DeadJob.select().first()
    assert dead is not None
    assert dead["name"] == "tests.failing"
    assert dead["tries"] == 3
    assert dead["error_type"] == "ValueError"
    assert "13812345678" not in dead["error_message"]  # scrubbed: it looks like a phone
    assert "last" in dead["error_message"]


def test_worker_refuses_to_start_without_redis() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "worker", "--burst"],
        env={k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        capture_output=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert b"REDIS_URL" in result.stderr + result.stdout


def test_settings_fixture_is_in_process_mode() -> None:
    assert get_settings().redis_url is None
