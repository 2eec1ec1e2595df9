"""The search thesaurus API: admins read it, look a word up, add entries and remove relations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.thesaurus import service
from backend.thesaurus.schemas import (
    LookupRead,
    ThesaurusEditCreate,
    ThesaurusEditRead,
    ThesaurusRead,
)


class ThesaurusApiController(Controller):
    path = "/api/v1/search/thesaurus"
    tags = ["检索同义词表"]
    guards = [require_roles(Role.admin)]

    @get("/", summary="同义词表概况：内置条目数、现行词数与关系数、管理员的增删记录")
    async def overview(self) -> ThesaurusRead:
        return await service.overview()

    @get("/lookup", summary="查询一个词在检索时还会找到哪些词")
    async def lookup(self, word: FromQuery[str]) -> LookupRead:
        return await service.lookup(word)

    @post("/edits", summary="添加同义词、单向扩展或相关词，或移除已有的扩展关系；立即生效")
    async def add(
        self, request: Request[Any, Any, Any], data: JSONBody[ThesaurusEditCreate]
    ) -> ThesaurusEditRead:
        return await service.add_edit(user_of(request), data)

    @delete("/edits/{edit_id:int}", summary="撤销一条管理员的增删记录")
    async def remove(self, request: Request[Any, Any, Any], edit_id: FromPath[int]) -> None:
        await service.delete_edit(user_of(request), edit_id)
