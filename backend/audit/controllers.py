"""The audit log's JSON API, for auditors and admins: read-only by construction.

The same filter as the page (dates in Beijing time, both ends included; actor; action; case),
page by page, and the same downloads; a download is recorded in the log like on the page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.audit import export
from backend.audit.params import AuditQuery, audit_query, to_filter
from backend.audit.service import PAGE_SIZE, AuditFilter, AuditPage, entries_for_export, page_of
from backend.errors import FieldInvalid
from backend.web.requests import client_ip


def _filter(wanted: NamedDependency[AuditQuery]) -> AuditFilter:
    found, errors = to_filter(wanted)
    for field, message in errors.fields.items():
        raise FieldInvalid(message, field=field)
    return found


class AuditApiController(Controller):
    path = "/api/v1/audit"
    tags = ["审计日志"]
    guards = [require_roles(Role.auditor, Role.admin)]
    dependencies = {"wanted": Provide(audit_query, sync_to_thread=False)}

    @get(
        "/",
        summary="个人信息访问审计日志",
        description="按日期（北京时间，含首尾两日，date_from、date_to）、操作人（actor：用户名或"
        "显示名称的一部分）、操作代码（action）和救助对象编号（case）筛选，最新的在前，分页返回。",
    )
    async def list_entries(
        self,
        wanted: NamedDependency[AuditQuery],
        user: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        page_size: FromQuery[int] = PAGE_SIZE,
    ) -> AuditPage:
        if user and not wanted.actor:  # the older name of the actor filter
            wanted = replace(wanted, actor=user.strip()[:100])
        return await page_of(_filter(wanted), page, page_size)

    @get(
        [f"/export.{fmt}" for fmt in export.FORMATS],
        summary="导出审计日志（CSV 或 Excel）",
        description="筛选条件同列表；单次至多 100000 条；导出本身记入审计日志。",
    )
    async def download(
        self, request: Request[Any, Any, Any], wanted: NamedDependency[AuditQuery]
    ) -> Response[bytes]:
        fmt = request.url.path.rsplit(".", 1)[-1]
        rows = await entries_for_export(
            user_of(request), _filter(wanted), fmt, ip=client_ip(request)
        )
        return export.download(rows, fmt)
