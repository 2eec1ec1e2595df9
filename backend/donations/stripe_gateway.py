"""The one place AidBridge talks to Stripe: creating PaymentIntents and verifying webhooks.

Only public ids go to Stripe (``metadata``: donation, need, organisation), never anything about
a donor or a household. ``stripe_api_base`` points the client at localstripe in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from backend.errors import DomainError
from backend.settings import Settings, get_settings


class StripeUnavailable(DomainError):
    status_code = 502
    code = "stripe_unavailable"
    message = "在线支付服务暂时不可用，请稍后再试"


class OnlinePaymentsDisabled(DomainError):
    status_code = 404
    code = "online_payments_disabled"
    message = "本平台未开通在线支付，请通过慈善组织进行银行转账捐赠"


class SignatureInvalid(DomainError):
    status_code = 400
    code = "stripe_signature_invalid"
    message = "Stripe 签名无效或已过期"


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    status: str


def _settings() -> Settings:
    settings = get_settings()
    if not settings.stripe_enabled:
        raise OnlinePaymentsDisabled()
    return settings


def _client(settings: Settings) -> stripe.StripeClient:
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        str(settings.stripe_secret_key),
        base_addresses=base,  # type: ignore[arg-type]
        http_client=stripe.HTTPXClient(timeout=20),
        max_network_retries=2,
    )


def payment_method_types(settings: Settings) -> list[str]:
    return ["card", "alipay", "wechat_pay"] if settings.stripe_wallets else ["card"]


async def create_intent(
    *, amount_fen: int, donation: str, need: str, organisation: str, idempotency_key: str
) -> Intent:
    """A CNY PaymentIntent for one donation; Stripe answers a retried key with the same one."""
    settings = _settings()
    params: dict[str, Any] = {
        "amount": amount_fen,
        "currency": "cny",
        "payment_method_types": payment_method_types(settings),
        "metadata": {"donation": donation, "need": need, "organisation": organisation},
    }
    if "wechat_pay" in params["payment_method_types"]:
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    try:
        intent = await _client(settings).v1.payment_intents.create_async(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc
    return Intent(id=intent.id, client_secret=str(intent.client_secret), status=intent.status)


async def retrieve_intent(intent_id: str) -> Intent:
    settings = _settings()
    try:
        intent = await _client(settings).v1.payment_intents.retrieve_async(intent_id)
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc
    return Intent(id=intent.id, client_secret=str(intent.client_secret), status=intent.status)


def verify_event(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event of a webhook request whose ``Stripe-Signature`` is valid and at most five
    minutes old (Stripe's default tolerance, against replays); else ``SignatureInvalid``."""
    settings = _settings()
    if not signature:
        raise SignatureInvalid("缺少 Stripe-Signature 签名")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, str(settings.stripe_webhook_secret)
        )
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise SignatureInvalid() from exc
    found: dict[str, Any] = event.to_dict()
    if not isinstance(found.get("id"), str) or not isinstance(found.get("type"), str):
        raise SignatureInvalid("Stripe 事件格式不正确")
    return found
