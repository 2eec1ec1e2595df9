"""Referrals API: staff draft and submit; reviewers decide."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.referrals import review, service
from backend.referrals.schemas import (
    Decision,
    QueueEntry,
    ReferralCreate,
    ReferralRead,
    ReferralUpdate,
)
from backend.web.requests import client_ip


class ReferralsApiController(Controller):
    path = "/api/v1"
    tags = ["转介（仅限民政）"]
    guards = [require_roles(Role.staff, Role.reviewer)]

    @post("/cases/{ref:str}/referrals", summary="创建转介草稿", guards=[require_roles(Role.staff)])
    async def create(
        self, request: Request[Any, Any, Any], ref: FromPath[str], data: JSONBody[ReferralCreate]
    ) -> ReferralRead:
        return await service.create_referral(user_of(request), ref, data, ip=client_ip(request))

    @get("/referrals/{ref:str}", summary="转介详情（原文与匿名稿）")
    async def detail(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> ReferralRead:
        return await service.read_referral(user_of(request), ref, ip=client_ip(request))

    @patch("/referrals/{ref:str}", summary="修改转介草稿", guards=[require_roles(Role.staff)])
    async def update(
        self, request: Request[Any, Any, Any], ref: FromPath[str], data: JSONBody[ReferralUpdate]
    ) -> ReferralRead:
        return await service.update_referral(user_of(request), ref, data, ip=client_ip(request))

    @post("/referrals/{ref:str}/submit", summary="提交审核", guards=[require_roles(Role.staff)])
    async def submit(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> ReferralRead:
        return await service.submit_referral(user_of(request), ref, ip=client_ip(request))

    @get("/review/queue", summary="待审核转介", guards=[require_roles(Role.reviewer)])
    async def queue(self, request: Request[Any, Any, Any]) -> list[QueueEntry]:
        return await review.queue(user_of(request))

    @post(
        "/referrals/{ref:str}/decision",
        summary="审核转介（通过即发布需求）",
        guards=[require_roles(Role.reviewer)],
    )
    async def decide(
        self, request: Request[Any, Any, Any], ref: FromPath[str], data: JSONBody[Decision]
    ) -> ReferralRead:
        return await review.decide(user_of(request), ref, data, ip=client_ip(request))
