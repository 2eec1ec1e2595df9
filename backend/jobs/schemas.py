"""What the jobs page and API show of scheduled jobs and their runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from backend.jobs.tables import Outcome, Trigger

TRIGGER_LABELS = {Trigger.cron: "定时", Trigger.manual: "手动", Trigger.enqueued: "事件触发"}
OUTCOME_LABELS = {Outcome.ok: "成功", Outcome.retry: "失败，将重试", Outcome.failed: "失败"}


class Runner(StrEnum):
    """Who runs the schedule in this deployment."""

    #: The arq worker's cron (REDIS_URL set).
    worker = "worker"
    #: The embedded scheduler in the app process.
    embedded = "embedded"
    #: Nobody: no Redis and the embedded scheduler turned off; only "run now" runs them.
    off = "off"


RUNNER_LABELS = {
    Runner.worker: "由 arq 工作进程按计划运行",
    Runner.embedded: "由应用进程内的调度器按计划运行（未配置 Redis）",
    Runner.off: "未启用定时运行（未配置 Redis，内嵌调度器已关闭），仅可手动运行",
}


class JobRunRead(BaseModel):
    name: str
    label: str = Field(description="任务的中文名称")
    trigger: Trigger
    trigger_label: str
    started_at: datetime
    finished_at: datetime
    duration_ms: int = Field(description="运行时长（毫秒）")
    outcome: Outcome
    outcome_label: str
    error_type: str | None = Field(default=None, description="异常类型，如 ValueError")
    error_message: str | None = Field(default=None, description="错误信息（已去除个人信息）")


class ScheduledJobRead(BaseModel):
    name: str = Field(description="任务名，立即运行时用它")
    label: str
    description: str
    schedule: str = Field(description="运行时间，如 每 10 分钟")
    minutes: list[int] = Field(description="每小时的第几分钟运行")
    next_run_at: datetime | None = Field(description="下次运行时间；未启用定时运行时为空")
    last_run: JobRunRead | None
    last_failure: JobRunRead | None = Field(description="最近一次失败（含将重试的失败）")


class DeadJobRead(BaseModel):
    """A job that failed for good (its last try): kept until someone looks into it."""

    name: str
    label: str
    args: list[Any] = Field(description="任务参数（只有编号，没有个人信息）")
    error_type: str
    error_message: str
    tries: int
    failed_at: datetime


class ScheduledJobs(BaseModel):
    runner: Runner
    runner_label: str
    jobs: list[ScheduledJobRead]


class RunRequested(BaseModel):
    name: str
    label: str
    accepted: bool = Field(description="false：同一任务刚刚已提交，本次未再提交")
    runs_in: Runner = Field(description="worker：已加入队列；embedded：已在应用进程内运行")
    message: str
