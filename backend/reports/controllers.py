"""Reports API: the same report as the page, as JSON, for staff within scope and auditors."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter

from backend.accounts.guards import require_roles, user_of
from backend.reports import service
from backend.reports.schemas import Report


class ReportsApiController(Controller):
    path = "/api/v1/reports"
    tags = ["统计报表"]
    guards = [require_roles(*service.REPORT_ROLES)]

    @get("/", summary="按地区和月份统计（转介、需求、认捐、拨付）")
    async def report(
        self,
        request: Request[Any, Any, Any],
        region: Annotated[str | None, QueryParameter(max_length=12)] = None,
        year: FromQuery[int | None] = None,
    ) -> Report:
        return await service.build_report(user_of(request), region, year)
