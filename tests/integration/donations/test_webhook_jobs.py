"""The webhook under concurrency and with jobs on Redis: a donation is recorded exactly once,
credits never exceed the pledge, and a redelivery waiting in the queue is not queued twice."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from backend.donations.tables import Donation, DonationStatus, StripeEvent
from backend.ledger.tables import LedgerEntry
from backend.settings import Settings, set_settings
from matching.ledger import EntryKind
from tests.integration.donations.support import (
    event,
    fundraising_need,
    post_event,
    started_donation,
    succeeded_intent,
)
from tests.settings import TEST_REDIS_URL

pytestmark = pytest.mark.usefixtures("database")


async def _donation_entries() -> list[dict[str, Any]]:
    rows = await LedgerEntry.select(LedgerEntry.body).where(LedgerEntry.kind == EntryKind.donation)
    return [json.loads(r["body"]) for r in rows]


async def test_the_same_event_delivered_twice_at_once_is_recorded_once(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    donation = await started_donation(client, need, 20_000)
    payload = event("payment_intent.succeeded", succeeded_intent(donation))
    first, second = await asyncio.gather(post_event(client, payload), post_event(client, payload))
    assert first.status_code == second.status_code == 202, (first.text, second.text)

    assert len(await _donation_entries()) == 1
    rows = await Donation.select(Donation.status, Donation.credited_fen, Donation.ledger_entry_id)
    assert [(r["status"], r["credited_fen"]) for r in rows] == [(DonationStatus.succeeded, 20_000)]
    assert rows[0]["ledger_entry_id"]
    events = await StripeEvent.select(StripeEvent.outcome)
    assert [e["outcome"] for e in events] == ["recorded"]


async def test_two_donations_succeeding_at_once_never_credit_more_than_the_pledge(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    first = await started_donation(client, need, 30_000)
    second = await started_donation(client, need, 30_000)
    responses = await asyncio.gather(
        post_event(client, event("payment_intent.succeeded", succeeded_intent(first))),
        post_event(client, event("payment_intent.succeeded", succeeded_intent(second))),
    )
    assert [r.status_code for r in responses] == [202, 202]

    rows = await Donation.select(
        Donation.public_id,
        Donation.status,
        Donation.credited_fen,
        Donation.general_funds_fen,
        Donation.ledger_entry_id,
    )
    assert {r["status"] for r in rows} == {DonationStatus.succeeded}
    entries = await _donation_entries()
    assert len(entries) == 2
    assert sorted(e["id"] for e in entries) == sorted(r["ledger_entry_id"] for r in rows)
    assert sum(e["credited_fen"] for e in entries) == 50_000
    assert sum(r["credited_fen"] for r in rows) == 50_000  # the pledge, never above it
    assert sum(r["general_funds_fen"] for r in rows) == 10_000
    assert sorted((r["credited_fen"], r["general_funds_fen"]) for r in rows) == [
        (20_000, 10_000),
        (30_000, 0),
    ]


async def test_a_redelivery_while_the_first_job_waits_is_not_queued_again(
    client: httpx.AsyncClient, stripe_on: Settings, arq_settings: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    donation = await started_donation(client, need, 20_000)
    # From here jobs go to Redis, where no worker runs: the first job stays waiting.
    set_settings(
        stripe_on.model_copy(
            update={"redis_url": TEST_REDIS_URL, "job_queue_name": arq_settings.job_queue_name}
        )
    )
    payload = event("payment_intent.succeeded", succeeded_intent(donation))
    for _ in range(2):
        response = await post_event(client, payload)
        assert response.status_code == 202, response.text

    redis = Redis.from_url(TEST_REDIS_URL)
    try:
        assert await redis.zcard(arq_settings.job_queue_name) == 1
    finally:
        await redis.aclose()
    unprocessed = await StripeEvent.select(StripeEvent.id).where(StripeEvent.processed_at.is_null())
    assert len(unprocessed) == 1
