"""Cases API: staff of the case's region only; organisation users never reach it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.cases import service
from backend.cases.schemas import CaseCreate, CaseRead, CaseSummary, GrantCreate, GrantRead
from backend.needs.lifecycle import reverify_case
from backend.web.requests import client_ip

#: Roles that may read personal data of households, each within their region.
CASE_READERS = (Role.staff, Role.reviewer)


class CasesApiController(Controller):
    path = "/api/v1/cases"
    tags = ["救助对象（仅限民政）"]
    guards = [require_roles(*CASE_READERS)]

    @get("/", summary="按姓名或身份证号检索本辖区救助对象")
    async def search(
        self, request: Request[Any, Any, Any], q: FromQuery[str] = ""
    ) -> list[CaseSummary]:
        return await service.search_cases(user_of(request), q, ip=client_ip(request))

    @post("/", summary="登记救助对象", guards=[require_roles(Role.staff)])
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[CaseCreate]) -> CaseRead:
        return await service.create_case(user_of(request), data, ip=client_ip(request))

    @get("/{ref:str}", summary="救助对象详情")
    async def detail(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> CaseRead:
        return await service.get_case(user_of(request), ref, ip=client_ip(request))

    @post(
        "/{ref:str}/reverify",
        summary="复核救助对象（待复核的需求重新发布）",
        guards=[require_roles(Role.staff)],
    )
    async def reverify(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> dict[str, int]:
        return {"reopened": await reverify_case(user_of(request), ref, ip=client_ip(request))}

    @post("/{ref:str}/grants", summary="登记已给予的政府救助", guards=[require_roles(Role.staff)])
    async def add_grant(
        self, request: Request[Any, Any, Any], ref: FromPath[str], data: JSONBody[GrantCreate]
    ) -> GrantRead:
        return await service.add_grant(user_of(request), ref, data, ip=client_ip(request))
