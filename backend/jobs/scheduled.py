"""Scheduled jobs for admins: what each does, when it last ran and failed, when it runs next,
and "run now".

The list is ``SCHEDULE`` itself (``backend/jobs/worker.py``), so a job added there appears here
with no change; a job without a label below shows its registered name. Run now accepts only a
name found in ``SCHEDULE``: the request never chooses which function runs.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from backend.errors import NotFound
from backend.jobs.queue import claim_manual_run, enqueue_manual_run
from backend.jobs.schedule import describe_minutes, next_run
from backend.jobs.scheduler import current_schedule, local_now, scheduler_enabled
from backend.jobs.schemas import (
    OUTCOME_LABELS,
    RUNNER_LABELS,
    TRIGGER_LABELS,
    DeadJobRead,
    JobRunRead,
    Runner,
    RunRequested,
    ScheduledJobRead,
    ScheduledJobs,
)
from backend.jobs.service import dead_letters
from backend.jobs.tables import JobRun, Outcome, Trigger
from backend.settings import get_settings


class ScheduledJobNotFound(NotFound):
    code = "scheduled_job_not_found"
    message = "没有这个定时任务"


#: Chinese names and one-line descriptions of every job, by registered name (a test checks
#: that each registered job has one).
JOB_LABELS: dict[str, tuple[str, str]] = {
    "pledges.expire_overdue_pledges": (
        "认捐到期释放",
        "到期仍未交付的认捐失效，认捐额度退回需求",
    ),
    "needs.sweep_needs": (
        "复核到期与截止关闭",
        "复核到期未复核的需求退回民政复核；过了截止日期的需求关闭",
    ),
    "ledger.sign_tree_head": (
        "账本签名树头",
        "为公开账本签发新的树头，使新记录可被任何人验证",
    ),
    "notifications.send_digests": (
        "通知摘要",
        "向关注相关需求的组织发送站内消息摘要（配置邮件时同时发邮件）",
    ),
    "jobs.prune_job_runs": (
        "清理运行记录",
        "删除 90 天前的定时任务运行记录",
    ),
    # Jobs enqueued by events, not by the schedule: their runs and failures are listed too.
    "needs.index_need": (
        "更新需求搜索索引",
        "需求发布、变更或关闭后，更新需求大厅的搜索索引",
    ),
    "notifications.notify_need_published": (
        "新需求加入通知摘要",
        "新发布的需求加入相关组织的下一份通知摘要",
    ),
    "notifications.email_notification": (
        "发送摘要邮件",
        "把一份通知摘要发到组织登记的邮箱",
    ),
    "figures.refresh_headline_figures": (
        "更新首页统计数字",
        "重新统计首页展示的帮扶数字",
    ),
    "donations.process_stripe_event": (
        "处理在线支付结果",
        "按支付平台的通知确认或退回一笔在线捐赠",
    ),
    "thesaurus.apply_thesaurus": (
        "更新搜索同义词",
        "把同义词表的修改写入需求搜索引擎",
    ),
}

RECENT_RUNS_MAX = 200


def runner() -> Runner:
    settings = get_settings()
    if settings.redis_url:
        return Runner.worker
    return Runner.embedded if scheduler_enabled(settings) else Runner.off


def _label(name: str) -> tuple[str, str]:
    return JOB_LABELS.get(name, (name, ""))


def job_label(name: str) -> str:
    """A job's Chinese name (its registered name only if it has none)."""
    return _label(name)[0]


def _run(row: dict[str, Any] | None) -> JobRunRead | None:
    if row is None:
        return None
    trigger, outcome = Trigger(row["trigger"]), Outcome(row["outcome"])
    return JobRunRead(
        name=row["name"],
        label=job_label(row["name"]),
        trigger=trigger,
        trigger_label=TRIGGER_LABELS[trigger],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        duration_ms=row["duration_ms"],
        outcome=outcome,
        outcome_label=OUTCOME_LABELS[outcome],
        error_type=row["error_type"],
        error_message=row["error_message"],
    )


async def _last_run(name: str, *, failed: bool = False) -> dict[str, Any] | None:
    query = JobRun.select().where(JobRun.name == name)
    if failed:
        query = query.where(JobRun.outcome != Outcome.ok.value)
    row: dict[str, Any] | None = await query.order_by(JobRun.started_at, ascending=False).first()
    return row


async def scheduled_jobs(now: datetime | None = None) -> ScheduledJobs:
    """Every job of the schedule with its last run, last failure and next run.

    Two indexed look-ups per job (``job_run (name, started_at)``); the schedule is short.
    """
    mode = runner()
    now = now or local_now()
    jobs = []
    for name, minutes in current_schedule():
        label, description = _label(name)
        jobs.append(
            ScheduledJobRead(
                name=name,
                label=label,
                description=description,
                schedule=describe_minutes(minutes),
                minutes=sorted(minutes),
                next_run_at=None if mode == Runner.off else next_run(minutes, now),
                last_run=_run(await _last_run(name)),
                last_failure=_run(await _last_run(name, failed=True)),
            )
        )
    return ScheduledJobs(runner=mode, runner_label=RUNNER_LABELS[mode], jobs=jobs)


async def failed_jobs(limit: int = 50) -> list[DeadJobRead]:
    """The newest dead letters: jobs that failed on their last try."""
    rows = await dead_letters(limit)
    return [
        DeadJobRead(
            name=row["name"],
            label=job_label(row["name"]),
            args=row["args"] if isinstance(row["args"], list) else json.loads(row["args"] or "[]"),
            error_type=row["error_type"],
            error_message=row["error_message"],
            tries=row["tries"],
            failed_at=row["failed_at"],
        )
        for row in rows
    ]


async def recent_runs(name: str | None = None, limit: int = 20) -> list[JobRunRead]:
    """The newest run records, of every job or of one."""
    query = JobRun.select().order_by(JobRun.started_at, ascending=False)
    if name:
        query = query.where(JobRun.name == name)
    rows: list[dict[str, Any]] = await query.limit(max(1, min(limit, RECENT_RUNS_MAX)))
    return [run for row in rows if (run := _run(row)) is not None]


def scheduled_name(name: str) -> str:
    """The schedule's own spelling of ``name``; anything else is not a scheduled job."""
    for scheduled, _minutes in current_schedule():
        if scheduled == name:
            return scheduled
    raise ScheduledJobNotFound()


async def request_run(name: str) -> RunRequested:
    """Run a scheduled job once, now (after this unit of work commits).

    A second request for the same job within a few seconds (a double click, a retried POST)
    is accepted without running it again.
    """
    name = scheduled_name(name)
    label, _description = _label(name)
    runs_in = Runner.worker if get_settings().redis_url else Runner.embedded
    if not await claim_manual_run(name):
        return RunRequested(
            name=name,
            label=label,
            accepted=False,
            runs_in=runs_in,
            message=f"“{label}”刚刚已提交运行，未重复提交；请稍后刷新查看结果。",
        )
    enqueue_manual_run(name)
    message = (
        f"已将“{label}”加入任务队列，工作进程将立即运行；请稍后刷新查看结果。"
        if runs_in == Runner.worker
        else f"已运行“{label}”，结果见下表。"
    )
    return RunRequested(name=name, label=label, accepted=True, runs_in=runs_in, message=message)
