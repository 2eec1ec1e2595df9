"""The audit log page, for auditors and admins: filter by case and user, page by page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from backend.accounts.guards import require_roles
from backend.accounts.tables import Role
from backend.audit.service import entries
from backend.web.pages import page

PAGE_SIZE = 50


class AuditPagesController(Controller):
    path = "/audit"
    include_in_schema = False
    guards = [require_roles(Role.auditor, Role.admin)]

    @get("/", name="audit_log")
    async def log(
        self,
        request: Request[Any, Any, Any],
        case: FromQuery[str] = "",
        username: FromQuery[str] = "",
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        case, username = case.strip(), username.strip()
        number = max(1, page_number)
        found = await entries(
            case_ref=case or None,
            username=username or None,
            limit=PAGE_SIZE + 1,  # one more tells whether there is a next page
            offset=(number - 1) * PAGE_SIZE,
        )

        def link(to: int) -> str:
            query = {"case": case, "username": username, "page": to}
            return "/audit?" + urlencode({k: v for k, v in query.items() if v})

        return page(
            request,
            "audit/log.html",
            active="audit",
            rows=found[:PAGE_SIZE],
            case=case,
            username=username,
            number=number,
            previous=link(number - 1) if number > 1 else None,
            next=link(number + 1) if len(found) > PAGE_SIZE else None,
        )
