"""Online donations: one PaymentIntent per double click, and the verified webhook recording
each donation once, crediting the charity's pledge and writing one ledger entry."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
import stripe

from backend.donations.tables import Donation, StripeEvent
from backend.jobs.tables import JobRun
from backend.ledger.tables import LedgerEntry
from backend.pledges.tables import Pledge
from backend.settings import Settings
from tests.integration.donations.support import (
    SECRET_KEY,
    donate,
    event,
    fundraising_need,
    post_event,
    sign,
)
from tests.integration.donations.support import started_donation as _started
from tests.integration.donations.support import succeeded_intent as _intent

pytestmark = pytest.mark.usefixtures("database")


async def _entries(kind: str) -> list[dict[str, Any]]:
    rows = await LedgerEntry.select(LedgerEntry.body).where(LedgerEntry.kind == kind)
    return [json.loads(r["body"]) for r in rows]


async def test_a_double_click_makes_one_payment_intent_and_one_pending_donation(
    client: httpx.AsyncClient, stripe_on: Settings, stripe_base: str
) -> None:
    need = await fundraising_need(client)
    key = uuid.uuid4().hex
    first, second = await asyncio.gather(
        donate(client, need["need_id"], need["org_id"], 12_345, key=key),
        donate(client, need["need_id"], need["org_id"], 12_345, key=key),
    )
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    one, two = first.json(), second.json()
    assert one["donation"]["id"] == two["donation"]["id"]
    assert one["payment_intent_client_secret"] == two["payment_intent_client_secret"]
    assert one["donation"]["status"] == "pending"
    assert one["donation"]["ledger_entry_id"] is None
    assert one["publishable_key"].startswith("pk_test_")
    assert one["return_url"].endswith(f"/donations/{one['donation']['id']}")
    rows = await Donation.select(Donation.stripe_payment_intent, Donation.amount_fen)
    assert len(rows) == 1

    client_ = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_base})
    intent = client_.v1.payment_intents.retrieve(rows[0]["stripe_payment_intent"])
    assert (intent.amount, intent.currency) == (12_345, "cny")
    assert intent.metadata.to_dict() == {
        "donation": one["donation"]["id"],
        "need": need["need_id"],
        "organisation": need["org_id"],
    }
    # The same key with other terms is refused, not silently answered with the first donation.
    other = await donate(client, need["need_id"], need["org_id"], 99_900, key=key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


async def test_succeeded_event_records_one_donation_and_entry_however_often_it_arrives(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    donation = await _started(client, need, 20_000)
    payload = event("payment_intent.succeeded", _intent(donation))
    for _ in range(2):  # the same event delivered twice
        response = await post_event(client, payload)
        assert response.status_code == 202, response.text
    # A second, different event saying the same PaymentIntent succeeded.
    again = await post_event(client, event("payment_intent.succeeded", _intent(donation)))
    assert again.status_code == 202

    read = (await client.get(f"/api/v1/donations/{donation['public_id']}")).json()
    assert read["status"] == "succeeded"
    assert (read["credited_fen"], read["general_funds_fen"]) == (20_000, 0)
    assert read["pledge_id"] == need["pledge"]["id"]
    assert read["receipt_url"] == f"/donations/{donation['public_id']}/receipt"
    assert "stripe_payment_intent" not in read
    entries = await _entries("donation")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["id"] == read["ledger_entry_id"]
    assert (entry["amount_fen"], entry["need"], entry["organisation"], entry["pledge"]) == (
        20_000,
        need["need_id"],
        need["org_id"],
        need["pledge"]["id"],
    )
    assert {k: entry[k] for k in ("donation", "channel", "donor", "credited_fen")} == {
        "donation": donation["public_id"],
        "channel": "stripe",
        "donor": "爱心人士",
        "credited_fen": 20_000,
    }
    assert entry["general_funds_fen"] == 0
    outcomes = sorted(r["outcome"] for r in await StripeEvent.select(StripeEvent.outcome))
    assert outcomes == ["duplicate", "recorded"]
    # The webhook only stored the events: each new one was applied by a job run of its own
    # (the redelivery of an already processed event starts none).
    runs = await JobRun.select(JobRun.outcome).where(
        JobRun.name == "donations.process_stripe_event"
    )
    assert [r["outcome"] for r in runs] == ["ok", "ok"]


async def test_excess_over_what_the_pledge_lacks_goes_to_general_funds(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    first = await _started(client, need, 30_000)
    second = await _started(client, need, 30_000)
    await post_event(client, event("payment_intent.succeeded", _intent(first)))
    await post_event(client, event("payment_intent.succeeded", _intent(second)))
    rows = {
        r["public_id"]: (r["credited_fen"], r["general_funds_fen"])
        for r in await Donation.select(
            Donation.public_id, Donation.credited_fen, Donation.general_funds_fen
        )
    }
    assert rows == {first["public_id"]: (30_000, 0), second["public_id"]: (20_000, 10_000)}
    by_donation = {e["donation"]: e for e in await _entries("donation")}
    assert by_donation[second["public_id"]]["general_funds_fen"] == 10_000
    assert by_donation[second["public_id"]]["credited_fen"] == 20_000
    # The charities offered on the need page show the pledge as covered.
    charities = (await client.get(f"/api/v1/needs/{need['need_id']}/charities")).json()
    assert charities == [
        {
            "id": need["org_id"],
            "name": charities[0]["name"],
            "fundraising_certificate": "津民募001",
            "lacking_fen": 0,
        }
    ]


async def test_failed_payment_writes_no_ledger_entry(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    donation = await _started(client, need, 10_000)
    failed = {**_intent(donation), "status": "requires_payment_method"}
    assert (
        await post_event(client, event("payment_intent.payment_failed", failed))
    ).status_code == 202
    read = (await client.get(f"/api/v1/donations/{donation['public_id']}")).json()
    assert (read["status"], read["receipt_url"]) == ("failed", None)
    assert await _entries("donation") == []


async def test_amount_that_does_not_match_the_donation_is_not_recorded(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    donation = await _started(client, need, 10_000)
    await post_event(client, event("payment_intent.succeeded", _intent(donation, 100)))
    assert await _entries("donation") == []
    row = await StripeEvent.select(StripeEvent.outcome).first()
    assert row == {"outcome": "mismatch"}


@pytest.mark.parametrize("how", ["bad", "missing", "stale", "other_secret"])
async def test_unverified_webhook_is_refused_and_nothing_recorded(
    client: httpx.AsyncClient, stripe_on: Settings, how: str
) -> None:
    need = await fundraising_need(client)
    donation = await _started(client, need, 10_000)
    payload = event("payment_intent.succeeded", _intent(donation))
    signature = {
        "bad": sign(payload)[:-4] + "0000",
        "missing": "",
        "stale": sign(payload, at=int(time.time()) - 301),
        "other_secret": sign(payload, secret="whsec_someone_else"),
    }[how]
    response = await post_event(client, payload, signature)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "stripe_signature_invalid"
    assert await StripeEvent.count() == 0
    assert await _entries("donation") == []
    status = await Donation.select(Donation.status).where(Donation.id == donation["id"]).first()
    assert status == {"status": "pending"}


async def test_refunds_are_negative_entries_marked_after_disbursement(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    donation = await _started(client, need, 60_000)  # 50,000 credited, 10,000 general funds
    await post_event(client, event("payment_intent.succeeded", _intent(donation)))
    charge = {
        "id": "ch_test",
        "object": "charge",
        "payment_intent": donation["stripe_payment_intent"],
        "amount": 60_000,
        "amount_refunded": 15_000,
    }
    first = event("charge.refunded", charge)
    await post_event(client, first)
    await post_event(client, first)  # redelivered: no second entry
    # The pledge's money is then paid out; a later refund comes out of the charity's funds.
    await Pledge.update({Pledge.status: "disbursed"}).where(
        Pledge.public_id == need["pledge"]["id"]
    )
    await post_event(client, event("charge.refunded", {**charge, "amount_refunded": 60_000}))
    await post_event(client, event("charge.refunded", {**charge, "amount_refunded": 15_000}))

    refunds = sorted(await _entries("refund"), key=lambda e: e["at"])
    assert [
        (e["amount_fen"], e["credited_fen"], e["general_funds_fen"], e["after_disbursement"])
        for e in refunds
    ] == [(-15_000, -5_000, -10_000, False), (-45_000, -45_000, 0, True)]
    assert all(e["donation"] == donation["public_id"] for e in refunds)
    assert all(e["pledge"] == need["pledge"]["id"] for e in refunds)
    read = (await client.get(f"/api/v1/donations/{donation['public_id']}")).json()
    assert (read["status"], read["refunded_fen"], read["credited_fen"]) == ("refunded", 60_000, 0)
    assert len(await _entries("donation")) == 1
