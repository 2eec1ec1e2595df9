"""The bulk-import page of the staff (救助对象 → 批量导入) and the template downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.cases.pages import communities
from backend.imports import service
from backend.imports.columns import COLUMNS
from backend.imports.controllers import MAX_BODY_BYTES, read_upload_file
from backend.imports.reader import MAX_FILE_BYTES, MAX_ROWS
from backend.imports.schemas import ROW_OUTCOME_LABELS, ImportReport
from backend.imports.template import INSTRUCTIONS, csv_template, xlsx_template
from backend.web.pages import page
from backend.web.requests import client_ip

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows of created/existing households listed on the page; the API returns them all.
SHOWN_RESULTS = 500


def _download(content: bytes, media_type: str, suffix: str) -> Response[bytes]:
    """An attachment named in Chinese, with an ASCII fallback for old browsers."""
    name = quote(f"救助对象导入模板{suffix}")
    disposition = f"attachment; filename=\"case-import-template{suffix}\"; filename*=UTF-8''{name}"
    return Response(
        content=content, media_type=media_type, headers={"Content-Disposition": disposition}
    )


class ImportPagesController(Controller):
    path = "/cases/import"
    include_in_schema = False
    guards = [require_roles(Role.staff)]

    @get("/", name="case_import")
    async def form(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    @post("/", status_code=200, request_max_body_size=MAX_BODY_BYTES)
    async def upload(self, request: Request[Any, Any, Any]) -> Template:
        user = user_of(request)
        service.ensure_may_import(user)
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            missing = "请选择要导入的文件（.xlsx 或 .csv）"
            return await self._page(request, error=missing, status=400)
        content = await read_upload_file(upload)
        try:
            report = await service.import_cases(
                user, upload.filename, content, ip=client_ip(request)
            )
        except service.ImportRefused as exc:
            return await self._page(request, error=exc.message, status=exc.status_code)
        return await self._page(request, report=report)

    @get("/template.xlsx")
    async def xlsx(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        user = user_of(request)
        service.ensure_may_import(user)
        return _download(xlsx_template(await communities(user)), XLSX, ".xlsx")

    @get("/template.csv")
    async def csv(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        service.ensure_may_import(user_of(request))
        return _download(csv_template(), "text/csv; charset=utf-8", ".csv")

    async def _page(
        self,
        request: Request[Any, Any, Any],
        *,
        report: ImportReport | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Template:
        user = user_of(request)
        service.ensure_may_import(user)
        listed = [r for r in report.results if r.case_ref] if report else []
        return page(
            request,
            "imports/import.html",
            status_code=status,
            active="cases",
            report=report,
            listed=listed[:SHOWN_RESULTS],
            more=max(0, len(listed) - SHOWN_RESULTS),
            error=error,
            recent=await service.recent_imports(user),
            instructions=INSTRUCTIONS,
            columns=COLUMNS,
            outcome_labels=ROW_OUTCOME_LABELS,
            max_rows=MAX_ROWS,
            max_mb=MAX_FILE_BYTES // (1024 * 1024),
        )
