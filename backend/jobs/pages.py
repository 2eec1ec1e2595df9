"""The scheduled jobs page (定时任务), for admins: state of each job and a "立即运行" button."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.accounts.guards import require_roles
from backend.accounts.tables import Role
from backend.jobs import scheduled
from backend.web.forms import flash, take_flashes
from backend.web.pages import page

JOBS_PATH = "/manage/jobs"


class ScheduledJobsPagesController(Controller):
    path = JOBS_PATH
    include_in_schema = False
    guards = [require_roles(Role.admin)]

    @get("/", name="scheduled_jobs")
    async def jobs(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "jobs/scheduled.html",
            active="jobs",
            flashes=take_flashes(request),
            state=await scheduled.scheduled_jobs(),
            runs=await scheduled.recent_runs(limit=20),
            failed=await scheduled.failed_jobs(limit=20),
        )

    @post("/{name:str}/run", status_code=303)
    async def run_now(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Redirect:
        requested = await scheduled.request_run(name)
        flash(request, requested.message, "success" if requested.accepted else "warning")
        return Redirect(path=JOBS_PATH, status_code=303)
