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
            "返回 {hits, total, facets, page, per_page}。"
        ),
    )
    async def search(self, request: Request[Any, Any, Any]) -> SearchResult:
        return await search_needs(request.query_params.dict())

    @get("/{need_id:str}", summary="需求详情（公开）")
    async def detail(self, need_id: FromPath[str]) -> NeedPublic:
        return await public_need(need_id)
