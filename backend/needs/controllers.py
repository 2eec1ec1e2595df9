"""Public needs API: the need hall's search and the one public projection, nothing else."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from backend.needs.schemas import NeedPublic
from backend.needs.search_sync import search_needs
from backend.needs.service import public_need
from search import SearchResult


class NeedsApiController(Controller):
    path = "/api/v1/needs"
    tags = ["需求（公开）"]

    @get(
        "/",
        summary="需求大厅检索",
        description=(
            "参数：q, region, category, kind, urgency, status, min_remaining, max_remaining, "
            "deadline_before, sort (relevance|urgency|deadline|newest|remaining), page, per_page。"
            "检索词按同义词表扩展（血透→透析、助学→教育），容忍一个错字（学废→学费），"
            "多个词时部分匹配的结果排在全部匹配之后。"
            "返回 {hits, total, facets, page, per_page, suggestion}；没有结果时 suggestion 给出"
            "“您是不是要找”的检索词（否则为 null）。"
        ),
    )
    async def search(self, request: Request[Any, Any, Any]) -> SearchResult:
        return await search_needs(request.query_params.dict())

    @get("/{need_id:str}", summary="需求详情（公开）")
    async def detail(self, need_id: FromPath[str]) -> NeedPublic:
        return await public_need(need_id)
