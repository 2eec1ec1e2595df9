"""Stripe webhooks: verify, store raw under the event id, process once in a job.

The request only verifies the signature, stores the event (INSERT … ON CONFLICT DO NOTHING, so
a redelivery is stored once) and enqueues its processing; the answer is 202 as soon as the
event is safely kept. The job re-reads the stored event, applies it and marks it processed in
one unit of work, so a job run twice, or two events about one PaymentIntent, change nothing
the second time (the donation's own transitions are conditional too).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import structlog

from backend.donations import outcomes, service
from backend.donations.stripe_gateway import verify_event
from backend.donations.tables import StripeEvent

log = structlog.get_logger(__name__)

#: Event types that change a donation; any other verified event is stored and ignored.
HANDLED_TYPES = frozenset(
    {"payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"}
)


async def receive(payload: bytes, signature: str | None) -> tuple[str, bool]:
    """Store a verified event; returns its id and whether it still needs processing."""
    event = verify_event(payload, signature)
    await StripeEvent.raw(
        "INSERT INTO stripe_event (event_id, type, payload, received_at, outcome) "
        "VALUES ({}, {}, {}, {}, '') ON CONFLICT (event_id) DO NOTHING",
        event["id"],
        event["type"],
        payload.decode("utf-8"),
        datetime.now(UTC),
    )
    row = (
        await StripeEvent.select(StripeEvent.processed_at)
        .where(StripeEvent.event_id == event["id"])
        .first()
    )
    pending = row is not None and row["processed_at"] is None
    log.info("stripe_event_received", event_id=event["id"], type=event["type"], pending=pending)
    return event["id"], pending


async def process(event_id: str) -> str | None:
    """Apply a stored event once; returns the outcome, or None if there was nothing to do."""
    await service.serialise_on(f"stripe-event:{event_id}")
    row = (
        await StripeEvent.select(StripeEvent.id, StripeEvent.type, StripeEvent.payload)
        .where((StripeEvent.event_id == event_id) & StripeEvent.processed_at.is_null())
        .first()
    )
    if row is None:
        return None
    event = json.loads(row["payload"])
    obj: dict[str, Any] = event.get("data", {}).get("object", {}) or {}
    if row["type"] == "payment_intent.succeeded":
        outcome = await _intent_succeeded(obj)
    elif row["type"] == "payment_intent.payment_failed":
        outcome = await _intent_failed(obj)
    elif row["type"] == "charge.refunded":
        outcome = await _charge_refunded(obj)
    else:
        outcome = "ignored"
    await StripeEvent.update(
        {StripeEvent.processed_at: datetime.now(UTC), StripeEvent.outcome: outcome}
    ).where(StripeEvent.id == row["id"])
    log.info("stripe_event_processed", event_id=event_id, type=row["type"], outcome=outcome)
    return outcome


async def _intent_succeeded(intent: dict[str, Any]) -> str:
    found = await outcomes.donation_by_intent(str(intent.get("id", "")))
    if found is None:
        return "unknown_donation"
    donation_id, amount = found
    received = intent.get("amount_received", intent.get("amount"))
    if str(intent.get("currency", "")).lower() != "cny" or received != amount:
        log.warning("stripe_amount_mismatch", donation_id=donation_id, intent=intent.get("id"))
        return "mismatch"
    return "recorded" if await outcomes.succeed(donation_id) else "duplicate"


async def _intent_failed(intent: dict[str, Any]) -> str:
    found = await outcomes.donation_by_intent(str(intent.get("id", "")))
    if found is None:
        return "unknown_donation"
    return "recorded" if await outcomes.fail(found[0]) else "duplicate"


async def _charge_refunded(charge: dict[str, Any]) -> str:
    intent = charge.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    found = await outcomes.donation_by_intent(str(intent or ""))
    if found is None:
        return "unknown_donation"
    refunded = charge.get("amount_refunded")
    if not isinstance(refunded, int) or refunded < 0:
        return "mismatch"
    return "recorded" if await outcomes.record_refund(found[0], refunded) else "duplicate"
