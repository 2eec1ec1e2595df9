"""The audit log page, for auditors and admins: filter by dates, actor, action and case, page
by page, and download what the filter shows as CSV or Excel."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.audit import export
from backend.audit.params import ACTION_OPTIONS, AuditQuery, audit_query, to_filter
from backend.audit.service import PAGE_SIZE, AuditExportTooLarge, entries_for_export, page_of
from backend.web.forms import FormErrors
from backend.web.pages import page
from backend.web.requests import client_ip

EXPORT_PATHS = [f"/export.{fmt}" for fmt in export.FORMATS]


class AuditPagesController(Controller):
    path = "/audit"
    include_in_schema = False
    guards = [require_roles(Role.auditor, Role.admin)]
    dependencies = {"wanted": Provide(audit_query, sync_to_thread=False)}

    @get("/", name="audit_log")
    async def log(
        self,
        request: Request[Any, Any, Any],
        wanted: NamedDependency[AuditQuery],
        username: FromQuery[str] = "",
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        if username and not wanted.actor:  # ``username`` as linked before the actor filter
            wanted = replace(wanted, actor=username.strip()[:100])
        return await _log_page(request, wanted, page_number)

    @get(EXPORT_PATHS, name="audit_export")
    async def download(
        self, request: Request[Any, Any, Any], wanted: NamedDependency[AuditQuery]
    ) -> Response[bytes] | Template:
        fmt = request.url.path.rsplit(".", 1)[-1]
        found, errors = to_filter(wanted)
        if errors:
            return await _log_page(request, wanted, 1, errors=errors)
        try:
            rows = await entries_for_export(user_of(request), found, fmt, ip=client_ip(request))
        except AuditExportTooLarge as exc:
            errors.add(exc.field, exc.message)
            return await _log_page(request, wanted, 1, errors=errors)
        return export.download(rows, fmt)


async def _log_page(
    request: Request[Any, Any, Any],
    query: AuditQuery,
    number: int,
    *,
    errors: FormErrors | None = None,
) -> Template:
    found, mistakes = to_filter(query)
    errors = errors or mistakes
    number = max(1, number)
    result = await page_of(found, number, PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))

    def link(to: int) -> str:
        rest = query.query_string(page=to) if to > 1 else query.query_string()
        return "/audit?" + rest if rest else "/audit"

    return page(
        request,
        "audit/log.html",
        active="audit",
        status_code=400 if errors else 200,
        rows=result.items,
        total=result.total,
        query=query,
        values=query.values(),
        errors=errors,
        action_options=ACTION_OPTIONS,
        number=number,
        pages=pages,
        first=link(1) if number > 1 else None,
        previous=link(number - 1) if number > 1 else None,
        next=link(number + 1) if number < pages else None,
        last=link(pages) if number < pages else None,
        export_query=query.query_string(),
    )
