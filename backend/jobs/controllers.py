"""Scheduled jobs API, for admins: their state, their runs, and "run now"."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter

from backend.accounts.guards import require_roles
from backend.accounts.tables import Role
from backend.jobs import scheduled
from backend.jobs.schemas import JobRunRead, RunRequested, ScheduledJobs


class ScheduledJobsApiController(Controller):
    path = "/api/v1/jobs"
    tags = ["定时任务"]
    guards = [require_roles(Role.admin)]

    @get(
        "/scheduled",
        summary="定时任务",
        description="每个定时任务的上次运行、下次运行和最近一次失败。",
    )
    async def list_scheduled(self) -> ScheduledJobs:
        return await scheduled.scheduled_jobs()

    @post(
        "/scheduled/{name:str}/run",
        summary="立即运行定时任务",
        description="只接受定时任务的名称；几秒内重复提交同一任务只运行一次（accepted 为 false）。",
        status_code=202,
    )
    async def run_now(self, name: FromPath[str]) -> RunRequested:
        return await scheduled.request_run(name)

    @get("/runs", summary="任务运行记录", description="最新在前；name 只看一个任务。")
    async def runs(
        self,
        name: Annotated[str | None, QueryParameter(max_length=120)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=scheduled.RECENT_RUNS_MAX)] = 50,
    ) -> list[JobRunRead]:
        return await scheduled.recent_runs(name, limit)
