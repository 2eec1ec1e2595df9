"""Pledges past their expiry are released by the scheduled job, run by a real arq worker."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from datetime import date, timedelta

import httpx
import pytest

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.jobs import enqueue
from backend.ledger.tables import LedgerEntry
from backend.needs.tables import Need
from backend.pledges.jobs import expire_overdue_pledges
from backend.pledges.service import expire_pledges
from backend.pledges.tables import Pledge
from backend.settings import Settings, set_settings
from tests.factories import api_token, make_organisation, make_user
from tests.needs_factory import publish_need

pytestmark = pytest.mark.usefixtures("database")


async def _pledged(client: httpx.AsyncClient, amount_fen: int) -> tuple[str, str]:
    published = await publish_need(client, amount_fen=amount_fen)
    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    headers = {**await api_token(client, user.username), "Idempotency-Key": uuid.uuid4().hex}
    response = await client.post(
        "/api/v1/pledges",
        json={
            "need_id": published["need"]["id"],
            "organisation_id": org.id,
            "kind": "money",
            "amount_fen": amount_fen,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return published["need"]["id"], response.json()["id"]


async def test_expiry_job_in_the_arq_worker_releases_the_amount(
    client: httpx.AsyncClient, arq_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    need_id, pledge_id = await _pledged(client, 100_000)
    await Pledge.update({Pledge.expires_on: date.today() - timedelta(days=1)}, force=True)
    set_settings(arq_settings)
    async with unit_of_work():
        enqueue(expire_overdue_pledges)

    for _ in range(150):
        row = await Pledge.select(Pledge.status).where(Pledge.public_id == pledge_id).first()
        if row and row["status"] == "expired":
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the arq worker did not expire the pledge within 15 s")
    need = await Need.select(Need.pledged_fen, Need.status).where(Need.public_id == need_id).first()
    assert need == {"pledged_fen": 0, "status": "published"}


async def test_expiry_is_idempotent_and_spares_pledges_in_time(client: httpx.AsyncClient) -> None:
    _, overdue = await _pledged(client, 50_000)
    _, current = await _pledged(client, 70_000)
    await Pledge.update({Pledge.expires_on: date.today() - timedelta(days=1)}).where(
        Pledge.public_id == overdue
    )
    async with unit_of_work():
        assert await expire_pledges() == 1
    async with unit_of_work():
        assert await expire_pledges() == 0
    statuses = {
        r["public_id"]: r["status"] for r in await Pledge.select(Pledge.public_id, Pledge.status)
    }
    assert statuses == {overdue: "expired", current: "pledged"}
    totals = sorted(r["pledged_fen"] for r in await Need.select(Need.pledged_fen))
    assert totals == [0, 70_000]
    # One negative pledge_expired entry, for the overdue pledge only, even after the rerun.
    [lapsed] = [
        json.loads(r["body"])
        for r in await LedgerEntry.select(LedgerEntry.body).where(
            LedgerEntry.kind == "pledge_expired"
        )
    ]
    assert (lapsed["pledge"], lapsed["amount_fen"]) == (overdue, -50_000)
    assert lapsed["pledge_kind"] == "money"
