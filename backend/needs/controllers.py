"""Public needs API: the one public projection, nothing else."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath

from backend.needs.schemas import NeedPublic
from backend.needs.service import public_need


class NeedsApiController(Controller):
    path = "/api/v1/needs"
    tags = ["需求（公开）"]

    @get("/{need_id:str}", summary="需求详情（公开）")
    async def detail(self, need_id: FromPath[str]) -> NeedPublic:
        return await public_need(need_id)
