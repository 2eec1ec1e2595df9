"""Pledging: the remaining amount is enforced by the database, retries count once."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from backend.ledger.tables import LedgerEntry
from backend.needs.tables import Need
from backend.organisations.tables import Organisation
from backend.pledges.tables import Pledge
from tests.factories import api_token, make_organisation, make_user
from tests.needs_factory import publish_need

pytestmark = pytest.mark.usefixtures("database")


async def _member(
    client: httpx.AsyncClient, *, verified: bool = True
) -> tuple[str, dict[str, str]]:
    org = await make_organisation(verified=verified)
    user = await make_user(Role.org_member, organisation_id=org.id)
    return org.id, await api_token(client, user.username)


async def _pledge(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    return await client.post(
        "/api/v1/pledges",
        json=body,
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


async def test_pledge_part_then_the_rest_then_nothing_more(client: httpx.AsyncClient) -> None:
    published = await publish_need(client, amount_fen=1_000_000)
    need_id = published["need"]["id"]
    org_id, headers = await _member(client)
    body = {"need_id": need_id, "organisation_id": org_id, "kind": "money"}

    first = await _pledge(client, headers, {**body, "amount_fen": 600_000})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "pledged"
    need = (await client.get(f"/api/v1/needs/{need_id}")).json()
    assert (need["pledged_fen"], need["remaining_fen"]) == (600_000, 400_000)

    too_much = await _pledge(client, headers, {**body, "amount_fen": 400_001})
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "over_pledge"
    assert "¥4,000" in too_much.json()["message"]

    rest = await _pledge(client, headers, {**body, "amount_fen": 400_000})
    assert rest.status_code == 201
    need = (await client.get(f"/api/v1/needs/{need_id}")).json()
    assert need["status"] == "fully_pledged" and need["remaining_fen"] == 0

    closed = await _pledge(client, headers, {**body, "amount_fen": 1})
    assert closed.status_code == 409
    assert closed.json()["code"] == "need_not_open"


async def test_a_retried_pledge_counts_once(client: httpx.AsyncClient) -> None:
    published = await publish_need(client)
    org_id, headers = await _member(client)
    body = {
        "need_id": published["need"]["id"],
        "organisation_id": org_id,
        "kind": "money",
        "amount_fen": 50_000,
    }
    first = await _pledge(client, headers, body, key="double-click-1")
    second = await _pledge(client, headers, body, key="double-click-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert await Pledge.count() == 1
    row = await Need.select(Need.pledged_fen).first()
    assert row is not None and row["pledged_fen"] == 50_000


async def test_pledge_without_idempotency_key_is_refused(client: httpx.AsyncClient) -> None:
    published = await publish_need(client)
    org_id, headers = await _member(client)
    response = await client.post(
        "/api/v1/pledges",
        json={
            "need_id": published["need"]["id"],
            "organisation_id": org_id,
            "kind": "money",
            "amount_fen": 100,
        },
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_missing"


async def test_a_hundred_concurrent_pledges_never_over_pledge(client: httpx.AsyncClient) -> None:
    published = await publish_need(client, amount_fen=2_000_000)
    need_id = published["need"]["id"]
    org_id, headers = await _member(client)
    body = {"need_id": need_id, "organisation_id": org_id, "kind": "money", "amount_fen": 30_000}

    responses = await asyncio.gather(*[_pledge(client, headers, body) for _ in range(100)])

    accepted = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code == 409]
    assert len(accepted) + len(refused) == 100, {r.status_code for r in responses}
    assert len(accepted) == 66  # 66 × ¥300 = ¥19,800; a 67th would pass ¥20,000
    row = await Need.select(Need.pledged_fen, Need.target_fen).first()
    assert row is not None
    assert row["pledged_fen"] == 66 * 30_000 <= row["target_fen"]
    assert await Pledge.count() == 66


async def test_unverified_and_suspended_organisations_cannot_pledge(
    client: httpx.AsyncClient,
) -> None:
    published = await publish_need(client)
    org_id, headers = await _member(client, verified=False)
    body = {
        "need_id": published["need"]["id"],
        "organisation_id": org_id,
        "kind": "money",
        "amount_fen": 100,
    }
    response = await _pledge(client, headers, body)
    assert response.status_code == 403
    assert response.json()["code"] == "organisation_not_verified"

    await Organisation.update(
        {
            Organisation.verified: True,
            Organisation.suspended: True,
            Organisation.suspended_reason: "年检未通过",
        }
    ).where(Organisation.public_id == org_id)
    response = await _pledge(client, headers, body)
    assert response.status_code == 403
    assert response.json()["code"] == "organisation_suspended"
    assert "年检未通过" in response.json()["message"]


async def test_acting_for_another_organisation_is_404(client: httpx.AsyncClient) -> None:
    published = await publish_need(client)
    other = await make_organisation()
    _, headers = await _member(client)
    response = await _pledge(
        client,
        headers,
        {
            "need_id": published["need"]["id"],
            "organisation_id": other.id,
            "kind": "money",
            "amount_fen": 100,
        },
    )
    assert response.status_code == 404


async def test_lapsed_or_expired_needs_refuse_pledges(client: httpx.AsyncClient) -> None:
    published = await publish_need(client)
    org_id, headers = await _member(client)
    for status in ("lapsed", "expired", "closed"):
        await Need.update({Need.status: status}, force=True)
        response = await _pledge(
            client,
            headers,
            {
                "need_id": published["need"]["id"],
                "organisation_id": org_id,
                "kind": "money",
                "amount_fen": 100,
            },
        )
        assert response.status_code == 409, status
        assert response.json()["code"] == "need_not_open"


async def test_volunteers_pledge_hours_only(client: httpx.AsyncClient) -> None:
    service = await publish_need(client, kind="service", hours=10)
    volunteer = await make_user(Role.volunteer)
    headers = await api_token(client, volunteer.username)
    ok = await _pledge(
        client,
        headers,
        {
            "need_id": service["need"]["id"],
            "kind": "service",
            "hours": 4,
            "service_type": "上门照料",
        },
    )
    assert ok.status_code == 201, ok.text
    too_many = await _pledge(
        client, headers, {"need_id": service["need"]["id"], "kind": "service", "hours": 7}
    )
    assert too_many.status_code == 409
    assert "6小时" in too_many.json()["message"]


async def test_cancel_releases_and_reopens(client: httpx.AsyncClient) -> None:
    published = await publish_need(client, amount_fen=100_000)
    org_id, headers = await _member(client)
    pledge = await _pledge(
        client,
        headers,
        {
            "need_id": published["need"]["id"],
            "organisation_id": org_id,
            "kind": "money",
            "amount_fen": 100_000,
        },
    )
    assert (await client.get(f"/api/v1/needs/{published['need']['id']}")).json()["status"] == (
        "fully_pledged"
    )
    no_reason = await client.post(
        f"/api/v1/pledges/{pledge.json()['id']}/cancel", json={}, headers=headers
    )
    assert no_reason.status_code == 400
    cancelled = await client.post(
        f"/api/v1/pledges/{pledge.json()['id']}/cancel",
        json={"reason": "资金安排调整"},
        headers=headers,
    )
    assert cancelled.json()["status"] == "cancelled"
    need = (await client.get(f"/api/v1/needs/{published['need']['id']}")).json()
    assert (need["status"], need["remaining_fen"]) == ("published", 100_000)
    again = await client.post(
        f"/api/v1/pledges/{pledge.json()['id']}/cancel",
        json={"reason": "再次取消"},
        headers=headers,
    )
    assert again.status_code == 409


async def test_goods_delivered_then_verified_by_staff_with_linkage(
    client: httpx.AsyncClient,
) -> None:
    goods = await publish_need(client, kind="goods", amount_fen=180_000)
    org_id, headers = await _member(client)
    pledge = await _pledge(
        client,
        headers,
        {
            "need_id": goods["need"]["id"],
            "organisation_id": org_id,
            "kind": "goods",
            "goods": [{"item": "轮椅", "quantity": 1, "unit": "辆", "unit_value_fen": 180_000}],
        },
    )
    assert pledge.status_code == 201, pledge.text
    pledge_id = pledge.json()["id"]
    early = await client.post(f"/api/v1/pledges/{pledge_id}/verify", headers=goods["staff_headers"])
    assert early.status_code == 409
    delivered = await client.post(f"/api/v1/pledges/{pledge_id}/deliver", headers=headers)
    assert delivered.json()["status"] == "delivered"
    verified = await client.post(
        f"/api/v1/pledges/{pledge_id}/verify", headers=goods["staff_headers"]
    )
    assert verified.json()["status"] == "verified"
    need = (await client.get(f"/api/v1/needs/{goods['need']['id']}")).json()
    assert need["status"] == "closed"  # fully pledged and every pledge delivered and verified
    entries = {
        r["kind"]: json.loads(r["body"])
        for r in await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.body).where(
            LedgerEntry.kind.is_in(["delivery", "verification"])
        )
    }
    assert set(entries) == {"delivery", "verification"}
    for kind, entry in entries.items():
        assert (entry["pledge"], entry["need"], entry["organisation"]) == (
            pledge_id,
            goods["need"]["id"],
            org_id,
        ), kind
        assert (entry["amount_fen"], entry["pledge_kind"]) == (180_000, "goods"), kind
    assert entries["verification"]["of"] == "pledge"

    linkage = await client.get(
        f"/api/v1/cases/{goods['case']['ref']}/linkage", headers=goods["staff_headers"]
    )
    assert linkage.status_code == 200
    body = linkage.json()
    assert body["grants_total_fen"] == 300_000
    assert body["verified_total_fen"] == 180_000
    assert [p["id"] for p in body["pledges"]] == [pledge_id]

    refused = await client.get(f"/api/v1/cases/{goods['case']['ref']}/linkage", headers=headers)
    assert refused.status_code == 403


async def test_organisation_facing_responses_carry_no_personal_data(
    client: httpx.AsyncClient,
) -> None:
    published = await publish_need(client)
    org_id, headers = await _member(client)
    created = await _pledge(
        client,
        headers,
        {
            "need_id": published["need"]["id"],
            "organisation_id": org_id,
            "kind": "money",
            "amount_fen": 1_000,
        },
    )
    mine = await client.get("/api/v1/pledges/mine", headers=headers)
    need = await client.get(f"/api/v1/needs/{published['need']['id']}")
    head = published["case"]["members"][0]
    for response in (created, mine, need):
        for secret in ("赵春梅", head["id_number"], published["case"]["ref"], "linked_grants"):
            assert secret not in response.text


async def test_later_government_aid_of_the_category_limits_charity_help(
    client: httpx.AsyncClient,
) -> None:
    """No excess assistance: a medical grant after publication shrinks what charities may give."""
    published = await publish_need(client, amount_fen=2_000_000, category="medical")
    org_id, headers = await _member(client)
    grant = await client.post(
        f"/api/v1/cases/{published['case']['ref']}/grants",
        json={
            "kind": "medical",
            "amount_fen": 1_500_000,
            "granted_on": date.today().isoformat(),
            "office": "滨海新区医疗保障局",
        },
        headers=published["staff_headers"],
    )
    assert grant.status_code == 201, grant.text
    body = {"need_id": published["need"]["id"], "organisation_id": org_id, "kind": "money"}

    too_much = await _pledge(client, headers, {**body, "amount_fen": 600_000})
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "excess_assistance"
    assert "¥15,000" in too_much.json()["message"] and "¥5,000" in too_much.json()["message"]

    allowed = await _pledge(client, headers, {**body, "amount_fen": 500_000})
    assert allowed.status_code == 201
    need = (await client.get(f"/api/v1/needs/{published['need']['id']}")).json()
    assert need["status"] == "fully_pledged"


async def test_general_temporary_aid_does_not_reduce_the_allowance(
    client: httpx.AsyncClient,
) -> None:
    published = await publish_need(client, amount_fen=100_000, category="medical")
    org_id, headers = await _member(client)
    await client.post(
        f"/api/v1/cases/{published['case']['ref']}/grants",
        json={
            "kind": "temporary_emergency",
            "amount_fen": 90_000,
            "granted_on": date.today().isoformat(),
            "office": "塘沽街道办事处",
        },
        headers=published["staff_headers"],
    )
    response = await _pledge(
        client,
        headers,
        {
            "need_id": published["need"]["id"],
            "organisation_id": org_id,
            "kind": "money",
            "amount_fen": 100_000,
        },
    )
    assert response.status_code == 201


async def test_every_transition_is_an_event_without_personal_data(
    client: httpx.AsyncClient,
) -> None:
    from backend.events.tables import Event

    goods = await publish_need(client, kind="goods", amount_fen=180_000)
    org_id, headers = await _member(client)
    line = [{"item": "轮椅", "quantity": 1, "unit": "辆", "unit_value_fen": 180_000}]
    body = {
        "need_id": goods["need"]["id"],
        "organisation_id": org_id,
        "kind": "goods",
        "goods": line,
    }
    first = (await _pledge(client, headers, body)).json()["id"]
    await client.post(f"/api/v1/pledges/{first}/cancel", json={"reason": "改期"}, headers=headers)
    second = (await _pledge(client, headers, body)).json()["id"]
    await client.post(f"/api/v1/pledges/{second}/deliver", headers=headers)
    await client.post(f"/api/v1/pledges/{second}/verify", headers=goods["staff_headers"])

    events = await Event.select(Event.kind, Event.pledge_id, Event.data).order_by(Event.id)
    assert [e["kind"] for e in events] == [
        "need.published",
        "pledge.accepted",
        "pledge.cancelled",
        "pledge.accepted",
        "pledge.delivered",
        "pledge.verified",
        "need.fulfilled",
        "need.closed",
    ]
    assert events[1]["pledge_id"] == first and events[3]["pledge_id"] == second
    dump = str(events)
    assert "赵春梅" not in dump and goods["case"]["members"][0]["id_number"] not in dump
