"""The 定时任务 page and API: admins only, every job of SCHEDULE with its last run, next run
and last failure, and "立即运行" that runs a job once however quickly it is posted twice.

In embedded mode a run-now claim lasts a few seconds in this process, so each test that runs a
job now uses a job of its own.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.accounts.tables import Role
from backend.jobs.tables import DeadJob, JobRun
from backend.jobs.worker import SCHEDULE
from backend.settings import Settings, set_settings
from tests.factories import api_token, csrf_token, make_user, web_login

pytestmark = pytest.mark.usefixtures("database")

SCHEDULED = [name for name, _minutes in SCHEDULE]


async def _runs(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await JobRun.select().where(JobRun.name == name)
    return rows


async def _record(name: str, outcome: str, minutes_ago: int, **extra: Any) -> None:
    started = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    await JobRun.insert(
        JobRun(
            name=name,
            trigger="cron",
            started_at=started,
            finished_at=started + timedelta(seconds=2),
            outcome=outcome,
            duration_ms=2000,
            **extra,
        )
    )


async def test_the_page_lists_every_scheduled_job_in_chinese(client: httpx.AsyncClient) -> None:
    admin = await make_user(Role.admin)
    await _record(
        "needs.sweep_needs",
        "failed",
        90,
        error_type="OperationalError",
        error_message="connection refused [已脱敏]",
    )
    await _record("needs.sweep_needs", "ok", 30)
    await web_login(client, admin.username)

    response = await client.get("/manage/jobs")

    assert response.status_code == 200
    html = response.text
    for label in ("认捐到期释放", "复核到期与截止关闭", "账本签名树头", "通知摘要"):
        assert label in html
    for name in SCHEDULED:  # whatever SCHEDULE holds is on the page, with its button
        assert f'action="/manage/jobs/{name}/run"' in html
    assert "OperationalError" in html and "connection refused" in html
    assert "用时 2.0 秒" in html
    assert "尚未运行" in html  # the jobs that never ran
    assert "未启用定时" in html  # tests run without Redis and without the embedded scheduler
    assert 'href="/manage/jobs" aria-current="page">定时任务' in html


async def test_run_now_from_the_page_runs_once_when_posted_twice(
    client: httpx.AsyncClient,
) -> None:
    admin = await make_user(Role.admin)
    await web_login(client, admin.username)
    token = await csrf_token(client, "/manage/jobs")

    first = await client.post("/manage/jobs/needs.sweep_needs/run", data={"_csrf_token": token})
    second = await client.post("/manage/jobs/needs.sweep_needs/run", data={"_csrf_token": token})

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == "/manage/jobs"
    [run] = await _runs("needs.sweep_needs")
    assert (run["trigger"], run["outcome"]) == ("manual", "ok")
    page = (await client.get("/manage/jobs")).text
    assert "已运行“复核到期与截止关闭”" in page
    assert "刚刚已提交运行，未重复提交" in page
    assert "手动" in page


async def test_run_now_without_the_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    admin = await make_user(Role.admin)
    await web_login(client, admin.username)
    response = await client.post("/manage/jobs/jobs.prune_job_runs/run", data={})
    assert response.status_code == 403
    assert await _runs("jobs.prune_job_runs") == []


async def test_the_api_lists_the_schedule_with_next_runs(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    await _record("pledges.expire_overdue_pledges", "retry", 5, error_type="TimeoutError")

    off = (await client.get("/api/v1/jobs/scheduled", headers=headers)).json()
    assert off["runner"] == "off"
    assert [job["name"] for job in off["jobs"]] == SCHEDULED
    assert all(job["next_run_at"] is None for job in off["jobs"])
    expiry = next(j for j in off["jobs"] if j["name"] == "pledges.expire_overdue_pledges")
    assert expiry["label"] == "认捐到期释放"
    assert expiry["last_run"]["outcome"] == "retry"
    assert expiry["last_failure"]["error_type"] == "TimeoutError"

    set_settings(settings.model_copy(update={"embedded_scheduler": True}))
    try:
        on = (await client.get("/api/v1/jobs/scheduled", headers=headers)).json()
    finally:
        set_settings(settings)
    assert on["runner"] == "embedded"
    now = datetime.now(UTC)
    for job in on["jobs"]:
        next_run = datetime.fromisoformat(job["next_run_at"])
        assert now < next_run <= now + timedelta(hours=1)
        assert next_run.minute in job["minutes"] and next_run.second == 0


async def test_run_now_by_api_runs_once_when_posted_twice_at_once(
    client: httpx.AsyncClient,
) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    url = "/api/v1/jobs/scheduled/notifications.send_digests/run"

    responses = await asyncio.gather(
        client.post(url, headers=headers), client.post(url, headers=headers)
    )

    assert [r.status_code for r in responses] == [202, 202]
    assert sorted(r.json()["accepted"] for r in responses) == [False, True]
    [run] = await _runs("notifications.send_digests")
    assert (run["trigger"], run["outcome"]) == ("manual", "ok")

    listed = await client.get(
        "/api/v1/jobs/runs", params={"name": "notifications.send_digests"}, headers=headers
    )
    assert [(r["trigger_label"], r["outcome_label"]) for r in listed.json()] == [("手动", "成功")]
    too_many = await client.get("/api/v1/jobs/runs", params={"limit": 10_000}, headers=headers)
    assert too_many.status_code == 400


@pytest.mark.parametrize(
    "name",
    [
        "figures.refresh_headline_figures",  # a registered job, but not a scheduled one
        "no.such_job",
        "backend.jobs.service.prune_runs",
    ],
)
async def test_run_now_accepts_only_names_from_the_schedule(
    client: httpx.AsyncClient, name: str
) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(f"/api/v1/jobs/scheduled/{name}/run", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "scheduled_job_not_found"
    assert await JobRun.count().where(JobRun.trigger == "manual") == 0


async def test_only_admins_see_or_run_scheduled_jobs(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/manage/jobs", follow_redirects=False)
    assert anonymous.status_code in (302, 303)
    assert anonymous.headers["location"].startswith("/login")
    assert (await client.get("/api/v1/jobs/scheduled")).status_code == 401

    for role in (Role.staff, Role.auditor, Role.org_member):
        user = await make_user(role)
        headers = await api_token(client, user.username)
        assert (await client.get("/api/v1/jobs/scheduled", headers=headers)).status_code == 403
        run = await client.post("/api/v1/jobs/scheduled/needs.sweep_needs/run", headers=headers)
        assert run.status_code == 403
    staff = await make_user(Role.staff)
    await web_login(client, staff.username)
    page = await client.get("/manage/jobs")
    assert page.status_code == 403
    assert 'href="/manage/jobs"' not in (await client.get("/")).text
    token = await csrf_token(client, "/")
    refused = await client.post("/manage/jobs/needs.sweep_needs/run", data={"_csrf_token": token})
    assert refused.status_code == 403
    assert await JobRun.count().where(JobRun.trigger == "manual") == 0


async def test_run_now_through_the_arq_worker_runs_once(
    app: Litestar, arq_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    admin = await make_user(Role.admin)
    set_settings(arq_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = await api_token(client, admin.username)
        url = "/api/v1/jobs/scheduled/pledges.expire_overdue_pledges/run"
        first = await client.post(url, headers=headers)
        second = await client.post(url, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["accepted"] is True and first.json()["runs_in"] == "worker"
    assert second.json()["accepted"] is False

    for _ in range(150):
        runs = await _runs("pledges.expire_overdue_pledges")
        if runs:
            break
        assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else ""
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the arq worker did not run the job within 15 s")
    await asyncio.sleep(1.5)  # time enough for a second run, were one queued
    [run] = [r for r in await _runs("pledges.expire_overdue_pledges") if r["trigger"] == "manual"]
    assert run["outcome"] == "ok"


def test_every_registered_job_has_a_chinese_label() -> None:
    from backend.jobs.registry import registered_jobs
    from backend.jobs.scheduled import JOB_LABELS

    # The product's jobs; a test may register one of its own.
    ours = {
        name for name, job in registered_jobs().items() if job.__module__.startswith("backend.")
    }
    missing = sorted(ours - set(JOB_LABELS))
    assert not missing, f"label these jobs in backend/jobs/scheduled.py: {missing}"
    for label, description in JOB_LABELS.values():
        assert re.search(r"[\u4e00-\u9fff]", label) and re.search(r"[\u4e00-\u9fff]", description)


async def test_event_jobs_and_failures_are_shown_by_their_labels(
    client: httpx.AsyncClient,
) -> None:
    await _record("needs.index_need", "ok", 5)
    await DeadJob.insert(
        DeadJob(
            name="notifications.email_notification",
            args="[42]",
            error_type="SMTPServerDisconnected",
            error_message="Connection unexpectedly closed",
            tries=5,
        )
    )
    await web_login(client, (await make_user(Role.admin)).username)
    html = (await client.get("/manage/jobs")).text
    assert "更新需求搜索索引" in html and "发送摘要邮件" in html and "5 次" in html
    # What a reader sees names no job by its code; the exception sits folded under 错误详情.
    visible = re.sub(r"<details.*?</details>|<[^>]*>", " ", html, flags=re.S)
    assert not re.search(r"\b[a-z]+\.[a-z_]+\b", visible), re.search(
        r"\b[a-z]+\.[a-z_]+\b", visible
    )
    assert "<summary>错误详情</summary><p><code>SMTPServerDisconnected</code>" in html
