"""Bulk-import API: region-scoped staff upload a spreadsheet, get the per-row report back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.imports import service
from backend.imports.reader import MAX_FILE_BYTES
from backend.imports.schemas import ImportBatchRead, ImportReport
from backend.web.requests import client_ip

#: The request may exceed the file limit by the multipart framing; the service names the limit.
MAX_BODY_BYTES = MAX_FILE_BYTES + 256 * 1024


@dataclass
class ImportUpload:
    #: The filled-in template, .xlsx or .csv.
    file: UploadFile


async def read_upload_file(upload: UploadFile) -> bytes:
    """At most one byte past the limit, so an oversized file is refused without reading it all."""
    return await upload.read(MAX_FILE_BYTES + 1)


class CaseImportsApiController(Controller):
    path = "/api/v1/cases/imports"
    tags = ["救助对象（仅限民政）"]
    guards = [require_roles(Role.staff)]

    @post(
        "/",
        summary="批量导入救助对象及救助记录（.xlsx 或 .csv，multipart 字段 file）",
        request_max_body_size=MAX_BODY_BYTES,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportReport:
        content = await read_upload_file(data.file)
        return await service.import_cases(
            user_of(request), data.file.filename, content, ip=client_ip(request)
        )

    @get("/", summary="我最近的批量导入（仅计数）")
    async def recent(self, request: Request[Any, Any, Any]) -> list[ImportBatchRead]:
        user = user_of(request)
        service.ensure_may_import(user)
        return await service.recent_imports(user)
