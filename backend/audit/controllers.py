"""The audit log, for auditors and admins: read-only by construction."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromQuery

from backend.accounts.guards import require_roles
from backend.accounts.tables import Role
from backend.audit.service import AuditRead, entries


class AuditApiController(Controller):
    path = "/api/v1/audit"
    tags = ["审计日志"]
    guards = [require_roles(Role.auditor, Role.admin)]

    @get("/", summary="个人信息访问审计日志")
    async def list_entries(
        self,
        case: FromQuery[str | None] = None,
        user: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
    ) -> list[AuditRead]:
        page = max(page, 1)
        return await entries(case_ref=case, username=user, limit=100, offset=(page - 1) * 100)
