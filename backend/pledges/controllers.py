"""Pledges API: organisation members and volunteers pledge; staff verify and see linkage."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.pledges import linkage, service
from backend.pledges.schemas import CancelPledge, Linkage, PledgeCreate, PledgeRead
from backend.web.params import IdempotencyKey

PLEDGERS = (Role.org_member, Role.volunteer)


class PledgesApiController(Controller):
    path = "/api/v1"
    tags = ["认捐"]

    @post(
        "/pledges", summary="认捐（需 Idempotency-Key 请求头）", guards=[require_roles(*PLEDGERS)]
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PledgeCreate],
        idempotency_key: IdempotencyKey,
    ) -> PledgeRead:
        return await service.create_pledge(user_of(request), data, idempotency_key)

    @get("/pledges/mine", summary="我的认捐", guards=[require_roles(*PLEDGERS)])
    async def mine(self, request: Request[Any, Any, Any]) -> list[PledgeRead]:
        return await service.my_pledges(user_of(request))

    @get(
        "/pledges/{pledge_id:str}",
        summary="单个认捐（本人或本组织的）",
        description="提交认捐超时后，可凭返回的编号或重试同一 Idempotency-Key 确认结果。",
        guards=[require_roles(*PLEDGERS)],
    )
    async def one(self, request: Request[Any, Any, Any], pledge_id: FromPath[str]) -> PledgeRead:
        return await service.get_pledge(user_of(request), pledge_id)

    @post("/pledges/{pledge_id:str}/cancel", summary="取消认捐", guards=[require_roles(*PLEDGERS)])
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        pledge_id: FromPath[str],
        data: JSONBody[CancelPledge],
    ) -> PledgeRead:
        return await service.cancel_pledge(user_of(request), pledge_id, data)

    @post(
        "/pledges/{pledge_id:str}/deliver",
        summary="标记物资或服务已交付",
        guards=[require_roles(*PLEDGERS)],
    )
    async def deliver(
        self, request: Request[Any, Any, Any], pledge_id: FromPath[str]
    ) -> PledgeRead:
        return await service.deliver_pledge(user_of(request), pledge_id)

    @post(
        "/pledges/{pledge_id:str}/verify",
        summary="核实交付（民政）",
        guards=[require_roles(Role.staff)],
    )
    async def verify(self, request: Request[Any, Any, Any], pledge_id: FromPath[str]) -> PledgeRead:
        return await service.verify_pledge(user_of(request), pledge_id)

    @get(
        "/cases/{ref:str}/linkage",
        summary="救助衔接：政府救助与认捐（民政）",
        guards=[require_roles(Role.staff, Role.reviewer)],
    )
    async def case_linkage(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> Linkage:
        return await linkage.linkage(user_of(request), ref)
