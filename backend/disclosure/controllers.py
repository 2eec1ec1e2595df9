"""Open-data downloads under /api/v1/disclosure: needs, organisations and ledger entries.

No login. Each file is built once per platform version (``platform_snapshot``) and cached, with
an ETag and ``Cache-Control: public, max-age=60``; an If-None-Match revalidation costs only the
snapshot queries.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from backend.disclosure import opendata, platform
from backend.disclosure.cache import disclosure_cache
from backend.disclosure.pages import MAX_AGE, not_modified
from backend.public_url import public_base_url

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
PATHS = [f"/{dataset}.{fmt}" for dataset in opendata.DATASETS for fmt in opendata.FORMATS]


class DisclosureApiController(Controller):
    path = "/api/v1/disclosure"
    tags = ["信息公开"]

    @get(
        PATHS,
        summary="开放数据：需求、组织、账本记录（CSV 或 JSON）",
        description="CSV 为带 BOM 的 UTF-8；金额为分（*_fen）并附元（*_yuan）；只含公开编号。",
    )
    async def download(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        name = request.url.path.rsplit("/", 1)[-1]
        dataset, fmt = name.split(".", 1)
        snapshot = await platform.platform_snapshot()

        async def build() -> bytes:
            data = await platform.platform_disclosure(snapshot)
            return opendata.render(dataset, fmt, data)

        # Rows carry absolute links: one copy per public address.
        key = f"{public_base_url()} open-data:{name}"
        cached = await disclosure_cache.fetch(key, snapshot.key, build)
        headers = {
            "Cache-Control": f"public, max-age={MAX_AGE}",
            "ETag": f'"{cached.etag}"',
        }
        if fmt == "csv":
            headers["Content-Disposition"] = f'attachment; filename="aidbridge-{name}"'
        if not_modified(request, headers["ETag"]):
            return Response(b"", status_code=304, headers=headers)
        return Response(cached.body, media_type=MEDIA_TYPES[fmt], headers=headers)
