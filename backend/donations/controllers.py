"""Donations API: public online donations, the Stripe webhook, offline donations by charities."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.donations import offline, service, stripe_events
from backend.donations.jobs import process_stripe_event
from backend.donations.schemas import (
    CharityOption,
    DonationCreate,
    DonationRead,
    OfflineDonationCreate,
    PaymentStart,
)
from backend.jobs import enqueue
from backend.web.params import IdempotencyKey


class DonationsApiController(Controller):
    path = "/api/v1"
    tags = ["捐赠"]

    @post("/donations", summary="在线捐赠：创建支付（需 Idempotency-Key 请求头）")
    async def create(
        self,
        data: JSONBody[DonationCreate],
        idempotency_key: IdempotencyKey,
    ) -> PaymentStart:
        return await service.start_online_donation(data, idempotency_key)

    @get("/donations/{donation_id:str}", summary="捐赠记录（凭捐赠编号公开查询）")
    async def read(self, donation_id: FromPath[str]) -> DonationRead:
        return await service.read_donation(donation_id)

    @get("/needs/{need_id:str}/charities", summary="可为该需求接受捐赠的慈善组织")
    async def charities(self, need_id: FromPath[str]) -> list[CharityOption]:
        return await service.charities_for_need(need_id)

    @post(
        "/donations/offline",
        summary="登记线下捐赠（银行转账，慈善组织成员）",
        guards=[require_roles(Role.org_member)],
    )
    async def offline(
        self, request: Request[Any, Any, Any], data: JSONBody[OfflineDonationCreate]
    ) -> Response[DonationRead]:
        donation, created = await offline.record_offline(user_of(request), data)
        return Response(donation, status_code=201 if created else 200)


class StripeWebhookController(Controller):
    path = "/api/v1/payments/stripe"
    tags = ["捐赠"]

    @post("/webhook", summary="Stripe 事件回调（验证签名）", status_code=202)
    async def webhook(
        self,
        request: Request[Any, Any, Any],
        stripe_signature: Annotated[str | None, HeaderParameter(name="Stripe-Signature")] = None,
    ) -> dict[str, str]:
        event_id, pending = await stripe_events.receive(await request.body(), stripe_signature)
        if pending:
            # A redelivery while the first job still waits is not queued a second time.
            enqueue(process_stripe_event, event_id, dedupe_key=f"stripe-event:{event_id}")
        return {"received": event_id}
