"""Offline donations recorded by the charity: once per bank reference, credited and disclosed."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from backend.donations.tables import Donation
from backend.ledger.tables import LedgerEntry
from tests.factories import api_token, make_user, web_login
from tests.integration.donations.support import fundraising_need, pledge_money, publish_need

pytestmark = pytest.mark.usefixtures("database")


def _body(need: dict[str, Any], **changes: object) -> dict[str, Any]:
    return {
        "need_id": need["need_id"],
        "organisation_id": need["org_id"],
        "amount_fen": 70_000,
        "donor_name": "王女士",
        "bank_reference": "20261125ABC001",
        "received_on": date.today().isoformat(),
        **changes,
    }


async def test_double_submission_records_one_donation_and_one_entry(
    client: httpx.AsyncClient,
) -> None:
    need = await fundraising_need(client, pledge_fen=50_000)
    headers = {"Authorization": need["headers"]["Authorization"]}
    first = await client.post("/api/v1/donations/offline", json=_body(need), headers=headers)
    again = await client.post(
        "/api/v1/donations/offline",
        json=_body(need, bank_reference=" 20261125abc001 "),
        headers=headers,
    )
    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert first.json()["id"] == again.json()["id"]
    read = first.json()
    assert (read["status"], read["channel"], read["credited_fen"], read["general_funds_fen"]) == (
        "succeeded",
        "offline",
        50_000,
        20_000,
    )
    assert await Donation.count() == 1
    rows = await LedgerEntry.select(LedgerEntry.body).where(LedgerEntry.kind == "donation")
    assert len(rows) == 1
    entry = json.loads(rows[0]["body"])
    assert (entry["channel"], entry["donor"], entry["amount_fen"]) == ("offline", "王女士", 70_000)
    assert (entry["credited_fen"], entry["general_funds_fen"]) == (50_000, 20_000)
    assert entry["pledge"] == need["pledge"]["id"]

    clash = await client.post(
        "/api/v1/donations/offline", json=_body(need, amount_fen=1_000), headers=headers
    )
    assert (clash.status_code, clash.json()["code"]) == (409, "bank_reference_taken")


async def test_only_members_of_the_charity_record_its_donations(
    client: httpx.AsyncClient,
) -> None:
    need = await fundraising_need(client)
    stranger = await make_user(Role.org_member)
    headers = await api_token(client, stranger.username)
    response = await client.post("/api/v1/donations/offline", json=_body(need), headers=headers)
    assert (response.status_code, response.json()["code"]) == (404, "charity_not_found")
    future = await client.post(
        "/api/v1/donations/offline",
        json=_body(need, received_on=(date.today() + timedelta(days=1)).isoformat()),
        headers={"Authorization": need["headers"]["Authorization"]},
    )
    assert (future.status_code, future.json()["field"]) == (400, "received_on")
    assert await Donation.count() == 0


async def test_offline_page_records_a_transfer_once(client: httpx.AsyncClient) -> None:
    need = await fundraising_need(client)
    await web_login(client, need["member"].username)
    page = await client.get("/donations/offline")
    assert page.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    target = f"{need['need_id']}|{need['org_id']}"
    assert target in page.text
    form = {
        "_csrf_token": token.group(1),
        "target": target,
        "amount_fen": "1,000.50",
        "bank_reference": "BANK-778899",
        "received_on": date.today().isoformat(),
        "donor_name": "",
    }
    first = await client.post("/donations/offline", data=form)
    second = await client.post("/donations/offline", data=form)
    assert first.status_code == second.status_code == 303
    listed = await client.get("/donations/offline")
    assert "未重复记录" in listed.text
    assert await Donation.select(Donation.amount_fen, Donation.donor_name) == [
        {"amount_fen": 100_050, "donor_name": "爱心人士"}
    ]


async def test_two_needs_of_one_title_read_differently_in_the_form(
    client: httpx.AsyncClient,
) -> None:
    first = await fundraising_need(client, pledge_fen=50_000)
    second = await publish_need(client, amount_fen=200_000)
    assert second["need"]["title"] == first["need"]["title"]
    await pledge_money(client, second["need"]["id"], first["org_id"], 80_000)
    await web_login(client, first["member"].username)
    html = (await client.get("/donations/offline")).text
    options = dict(re.findall(r'<option value="([^"|]+\|[^"]+)"[^>]*>([^<]+)</option>', html))
    assert len(options) == 2
    texts = list(options.values())
    assert texts[0] != texts[1]
    assert all("尚需" in text and "截止" in text for text in texts)
    assert any("¥1,500.00" in text for text in texts)  # 2,000 less the 500 pledged
