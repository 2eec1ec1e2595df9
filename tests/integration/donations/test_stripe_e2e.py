"""End to end against localstripe: our API creates the PaymentIntent, the test confirms it with a
test card, localstripe delivers the signed webhook to AidBridge served by uvicorn, and the
in-process job records one donation and one ledger entry on the need.

localstripe cannot emit ``charge.refunded``: the refund is made in localstripe and the event
built from its charge is signed here with the webhook secret, as Stripe would sign it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from backend.donations.tables import StripeEvent
from tests.integration.donations.support import (
    SECRET_KEY,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    event,
    fundraising_need,
    sign,
    stripe_live_server,
)
from tests.ledger_rows import entries_of_need

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def live(stripe_base: str) -> Iterator[str]:
    with stripe_live_server(stripe_base) as url:
        response = httpx.post(
            f"{stripe_base}/_config/webhooks/aidbridge",
            data={"url": url + WEBHOOK_PATH, "secret": WEBHOOK_SECRET},
        )
        assert response.status_code == 200, response.text
        yield url


def _stripe(stripe_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_base})


def _pay(stripe_base: str, intent_id: str, card: str) -> None:
    """What Stripe.js does in the browser: attach a card and confirm."""
    api = _stripe(stripe_base)
    method = api.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    api.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    api.v1.payment_intents.confirm(intent_id)


async def _until(live: str, donation_id: str, status: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live) as web:
        for _ in range(100):
            read = (await web.get(f"/api/v1/donations/{donation_id}")).json()
            if read["status"] == status:
                return dict(read)
            await asyncio.sleep(0.2)
    pytest.fail(f"donation {donation_id} did not become {status} (now {read['status']})")


async def _start(live: str, need: dict[str, Any], amount_fen: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live) as web:
        response = await web.post(
            "/api/v1/donations",
            json={
                "need_id": need["need_id"],
                "organisation_id": need["org_id"],
                "amount_fen": amount_fen,
                "donor_name": "陈先生",
            },
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_card_payment_through_localstripe_is_recorded_once_on_the_need(
    client: httpx.AsyncClient, live: str, stripe_base: str
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    started = await _start(live, need, 26_600)
    donation_id = started["donation"]["id"]
    intent_id = started["payment_intent_client_secret"].split("_secret_")[0]

    await asyncio.to_thread(_pay, stripe_base, intent_id, "4242424242424242")
    read = await _until(live, donation_id, "succeeded")
    assert (read["credited_fen"], read["general_funds_fen"]) == (26_600, 0)

    entries = [e for e in await entries_of_need(need["need_id"]) if e["kind"] == "donation"]
    assert len(entries) == 1
    body = json.loads(entries[0]["body"])
    assert (body["donation"], body["donor"], body["channel"]) == (donation_id, "陈先生", "stripe")
    assert entries[0]["public_id"] == read["ledger_entry_id"]
    assert entries[0]["pledge_public_id"] == need["pledge"]["id"]
    events = await StripeEvent.select(StripeEvent.type, StripeEvent.outcome)
    assert {"type": "payment_intent.succeeded", "outcome": "recorded"} in events

    async with httpx.AsyncClient(base_url=live) as web:
        status = await web.get(f"/donations/{donation_id}")
        assert "捐赠成功" in status.text and "refresh" not in status.headers
        receipt = await web.get(f"/donations/{donation_id}/receipt")
        assert receipt.status_code == 200 and "<svg" in receipt.text

        # Refund part of it in localstripe; the signed charge.refunded event is built here.
        api = _stripe(stripe_base)
        await asyncio.to_thread(
            api.v1.refunds.create, params={"payment_intent": intent_id, "amount": 6_600}
        )
        latest = api.v1.payment_intents.retrieve(intent_id).latest_charge
        # localstripe expands latest_charge; Stripe gives its id.
        charge_id = latest if isinstance(latest, str) else latest.id  # type: ignore[union-attr]
        charge = api.v1.charges.retrieve(charge_id).to_dict()
        assert charge["amount_refunded"] == 6_600
        payload = event("charge.refunded", charge)
        for _ in range(2):
            answer = await web.post(
                WEBHOOK_PATH,
                content=payload,
                headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
            )
            assert answer.status_code == 202, answer.text
    refunds = [e for e in await entries_of_need(need["need_id"]) if e["kind"] == "refund"]
    assert [e["amount_fen"] for e in refunds] == [-6_600]
    assert json.loads(refunds[0]["body"])["after_disbursement"] is False


async def test_declined_card_leaves_a_failed_donation_and_no_entry(
    client: httpx.AsyncClient, live: str, stripe_base: str
) -> None:
    need = await fundraising_need(client)
    started = await _start(live, need, 5_000)
    intent_id = started["payment_intent_client_secret"].split("_secret_")[0]
    with pytest.raises(stripe.CardError):
        await asyncio.to_thread(_pay, stripe_base, intent_id, "4000000000000341")
    await _until(live, started["donation"]["id"], "failed")
    assert [e for e in await entries_of_need(need["need_id"]) if e["kind"] == "donation"] == []
