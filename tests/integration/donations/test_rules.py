"""Who may receive a donation for what, and what a donor may type."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from backend.donations.tables import Donation
from backend.needs.tables import Need
from backend.organisations.tables import Organisation
from backend.settings import Settings
from tests.factories import make_organisation
from tests.integration.donations.support import (
    donate,
    fundraising_need,
    pledge_money,
    qualified_charity,
)

pytestmark = pytest.mark.usefixtures("database")


async def test_charity_without_public_fundraising_qualification_is_refused(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, pledge_fen=10_000)
    plain = await make_organisation()  # verified, pledges, but may not raise from the public
    await pledge_money(client, need["need_id"], plain.id, 10_000)
    response = await donate(client, need["need_id"], plain.id, 5_000)
    assert response.status_code == 409
    assert response.json()["code"] == "charity_not_qualified"
    assert response.json()["field"] == "organisation_id"
    assert "公开募捐资格" in response.json()["message"]
    assert await Donation.count() == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({Organisation.suspended: True}, "charity_suspended"),
        ({Organisation.verified: False}, "charity_not_verified"),
    ],
)
async def test_suspended_or_unverified_charity_is_refused(
    client: httpx.AsyncClient, stripe_on: Settings, change: dict[Any, Any], code: str
) -> None:
    need = await fundraising_need(client)
    await Organisation.update(change).where(Organisation.public_id == need["org_id"])
    response = await donate(client, need["need_id"], need["org_id"], 5_000)
    assert (response.status_code, response.json()["code"]) == (409, code)


@pytest.mark.parametrize("status", ["closed", "fulfilled", "expired", "lapsed"])
async def test_need_that_is_not_open_takes_no_donation(
    client: httpx.AsyncClient, stripe_on: Settings, status: str
) -> None:
    need = await fundraising_need(client)
    await Need.update({Need.status: status}).where(Need.public_id == need["need_id"])
    response = await donate(client, need["need_id"], need["org_id"], 5_000)
    assert response.status_code == 409
    assert response.json()["code"] == "need_not_open_for_donation"
    assert await Donation.count() == 0


async def test_fully_pledged_need_still_takes_donations_for_the_pledge(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client, target_fen=50_000, pledge_fen=50_000)
    assert (await client.get(f"/api/v1/needs/{need['need_id']}")).json()["status"] == (
        "fully_pledged"
    )
    assert (await donate(client, need["need_id"], need["org_id"], 5_000)).status_code == 201


async def test_qualified_charity_without_a_pledge_on_the_need_is_refused(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    other = await qualified_charity()
    response = await donate(client, need["need_id"], other, 5_000)
    assert (response.status_code, response.json()["code"]) == (409, "charity_not_fundraising")


@pytest.mark.parametrize(
    "name",
    ["13812345678", "138 1234 5678", "张三120116199001011234", "12011619900101123X", "a" * 21],
)
async def test_display_name_refuses_phone_and_id_numbers_and_long_names(
    client: httpx.AsyncClient, stripe_on: Settings, name: str
) -> None:
    need = await fundraising_need(client)
    response = await donate(client, need["need_id"], need["org_id"], 5_000, donor_name=name)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "donor_name"
    assert await Donation.count() == 0


async def test_display_name_defaults_to_a_kind_stranger(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    blank = await donate(client, need["need_id"], need["org_id"], 5_000, donor_name="  ")
    named = await donate(client, need["need_id"], need["org_id"], 5_000, donor_name="李先生")
    assert blank.json()["donation"]["donor_name"] == "爱心人士"
    assert named.json()["donation"]["donor_name"] == "李先生"


async def test_amount_below_one_yuan_and_missing_key_are_refused(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    tiny = await donate(client, need["need_id"], need["org_id"], 99)
    assert (tiny.status_code, tiny.json()["field"]) == (400, "amount_fen")
    keyless = await client.post(
        "/api/v1/donations",
        json={"need_id": need["need_id"], "organisation_id": need["org_id"], "amount_fen": 500},
    )
    assert (keyless.status_code, keyless.json()["code"]) == (400, "idempotency_key_missing")


async def test_without_stripe_keys_online_donation_is_unavailable(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert not settings.stripe_enabled
    need = await fundraising_need(client)
    response = await donate(client, need["need_id"], need["org_id"], 5_000)
    assert (response.status_code, response.json()["code"]) == (404, "online_payments_disabled")
    webhook = await client.post("/api/v1/payments/stripe/webhook", content=b"{}")
    assert webhook.status_code == 404
    page = await client.get(f"/needs/{need['need_id']}")
    assert "我要捐赠" in page.text and "暂未开通在线支付" in page.text
    assert 'action="/needs/' + need["need_id"] + "/donate" not in page.text


async def test_need_page_offers_only_qualified_charities_and_the_form_donates(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    plain = await make_organisation(name="没有募捐资格的组织")
    await pledge_money(client, need["need_id"], plain.id, 10_000)
    page = await client.get(f"/needs/{need['need_id']}")
    assert "我要捐赠" in page.text
    assert "没有募捐资格的组织" not in page.text.split("我要捐赠", 1)[1]
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert token and key
    form = {
        "_csrf_token": token.group(1),
        "idempotency_key": key.group(1),
        "organisation_id": need["org_id"],
        "amount_fen": "88.80",
        "donor_name": "",
    }
    path = f"/needs/{need['need_id']}/donate"
    first = await client.post(path, data=form)
    second = await client.post(path, data=form)  # the same rendered form submitted twice
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    rows = await Donation.select(Donation.amount_fen, Donation.donor_name)
    assert rows == [{"amount_fen": 8_880, "donor_name": "爱心人士"}]
    pay = await client.get(first.headers["location"])
    assert pay.status_code == 200
    assert 'data-client-secret="pi_' in pay.text
    assert "/js.stripe.com/v3/" in pay.text

    bad = await client.post(
        path, data={**form, "idempotency_key": uuid.uuid4().hex, "donor_name": "13812345678"}
    )
    assert bad.status_code == 400
    assert "个人信息" in bad.text


async def test_need_past_its_deadline_offers_no_form_and_takes_no_donation(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    assert "我要捐赠" in (await client.get(f"/needs/{need['need_id']}")).text
    yesterday = date.today() - timedelta(days=1)
    await Need.update({Need.deadline: yesterday}).where(Need.public_id == need["need_id"])
    page = await client.get(f"/needs/{need['need_id']}")
    assert page.status_code == 200
    assert "我要捐赠" not in page.text
    assert 'name="idempotency_key"' not in page.text
    response = await donate(client, need["need_id"], need["org_id"], 5_000)
    assert response.status_code == 409
    assert response.json()["code"] == "need_not_open_for_donation"
