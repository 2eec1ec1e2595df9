"""The pledge web pages: pledging through the need page's form, 我的认捐, staff's linkage."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from backend.needs.tables import Need
from backend.pledges.tables import Pledge, PledgeStatus
from tests.factories import csrf_token, make_organisation, make_user, web_login
from tests.needs_factory import publish_need

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


async def _login_member(client: Client, *, verified: bool = True) -> str:
    org = await make_organisation(verified=verified)
    user = await make_user(Role.org_member, organisation_id=org.id)
    client.cookies.clear()
    assert (await web_login(client, user.username)).status_code == 303
    return org.id


async def _form(client: Client, need_id: str) -> tuple[str, str]:
    """The need page's CSRF token and the idempotency key rendered with its pledge form."""
    page = await client.get(f"/needs/{need_id}")
    assert page.status_code == 200
    key = _KEY.search(page.text)
    assert key, "no pledge form on the need page"
    return await csrf_token(client, f"/needs/{need_id}"), key.group(1)


async def _post(client: Client, path: str, data: dict[str, str], *, form: str) -> httpx.Response:
    token = await csrf_token(client, form)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


async def _pledge(client: Client, need_id: str, **fields: str) -> httpx.Response:
    token, key = await _form(client, need_id)
    data = {"idempotency_key": key, "kind": "money", **fields, "_csrf_token": token}
    return await client.post(f"/needs/{need_id}/pledge", data=data, follow_redirects=False)


async def test_pledge_through_the_need_page_appears_on_my_pledges(client: Client) -> None:
    published = await publish_need(client, amount_fen=1_000_000)
    need_id = published["need"]["id"]
    org_id = await _login_member(client)

    page = await client.get(f"/needs/{need_id}")
    assert "我要认捐" in page.text and 'href="/pledges"' in page.text

    response = await _pledge(client, need_id, organisation_id=org_id, amount_fen="1,234.50")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/pledges"

    mine = await client.get("/pledges")
    assert mine.status_code == 200
    assert "认捐成功" in mine.text
    assert f'href="/needs/{need_id}"' in mine.text
    assert "¥1,234.50" in mine.text and "已认捐" in mine.text
    row = await Need.select(Need.pledged_fen).first()
    assert row is not None and row["pledged_fen"] == 123_450


async def test_a_double_submitted_form_counts_once(client: Client) -> None:
    published = await publish_need(client)
    need_id = published["need"]["id"]
    org_id = await _login_member(client)
    token, key = await _form(client, need_id)
    data = {
        "idempotency_key": key,
        "organisation_id": org_id,
        "amount_fen": "500",
        "_csrf_token": token,
    }
    first = await client.post(f"/needs/{need_id}/pledge", data=data, follow_redirects=False)
    second = await client.post(f"/needs/{need_id}/pledge", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert await Pledge.count() == 1
    row = await Need.select(Need.pledged_fen).first()
    assert row is not None and row["pledged_fen"] == 50_000


async def test_over_pledge_shows_the_remaining_amount_and_keeps_the_typed_value(
    client: Client,
) -> None:
    published = await publish_need(client, amount_fen=1_000_000)
    need_id = published["need"]["id"]
    org_id = await _login_member(client)
    assert (
        await _pledge(client, need_id, organisation_id=org_id, amount_fen="6000")
    ).status_code == 303

    too_much = await _pledge(client, need_id, organisation_id=org_id, amount_fen="4000.01")
    assert too_much.status_code == 409
    assert "认捐超过剩余需求" in too_much.text and "¥4,000" in too_much.text
    assert 'value="4000.01"' in too_much.text
    assert await Pledge.count() == 1

    bad = await _pledge(client, need_id, organisation_id=org_id, amount_fen="12.345")
    assert bad.status_code == 400
    assert "两位小数" in bad.text


async def test_an_unverified_organisations_member_is_refused(client: Client) -> None:
    published = await publish_need(client)
    need_id = published["need"]["id"]
    org_id = await _login_member(client, verified=False)

    page = await client.get(f"/needs/{need_id}")
    assert "尚未通过认证" in page.text
    assert _KEY.search(page.text) is None

    refused = await _post(
        client,
        f"/needs/{need_id}/pledge",
        {"idempotency_key": "try-anyway-1", "organisation_id": org_id, "amount_fen": "100"},
        form=f"/needs/{need_id}",
    )
    assert refused.status_code == 403
    assert "该组织尚未通过认证，暂不能认捐" in refused.text
    assert await Pledge.count() == 0


async def test_cancel_needs_a_reason(client: Client) -> None:
    published = await publish_need(client)
    need_id = published["need"]["id"]
    org_id = await _login_member(client)
    assert (
        await _pledge(client, need_id, organisation_id=org_id, amount_fen="300")
    ).status_code == 303
    pledge = await Pledge.select(Pledge.public_id).first()
    assert pledge is not None
    pledge_id = pledge["public_id"]

    missing = await _post(client, f"/pledges/{pledge_id}/cancel", {"reason": ""}, form="/pledges")
    assert missing.status_code == 400
    assert f'id="reason-{pledge_id}-error"' in missing.text and "取消原因" in missing.text

    cancelled = await _post(
        client, f"/pledges/{pledge_id}/cancel", {"reason": "资金安排有变"}, form="/pledges"
    )
    assert cancelled.status_code == 303
    mine = await client.get("/pledges")
    assert "已取消" in mine.text and "资金安排有变" in mine.text
    row = await Need.select(Need.pledged_fen).first()
    assert row is not None and row["pledged_fen"] == 0


async def test_staff_sees_the_linkage_and_verifies_a_delivered_goods_pledge(
    client: Client,
) -> None:
    goods = await publish_need(client, kind="goods", amount_fen=180_000)
    other_ref = (await publish_need(client, amount_fen=50_000))["case"]["ref"]
    need_id = goods["need"]["id"]
    ref = goods["case"]["ref"]
    org_id = await _login_member(client)
    token, key = await _form(client, need_id)
    page = await client.get(f"/needs/{need_id}")
    assert 'value="轮椅"' in page.text  # the need's goods lines are offered as typed rows
    created = await client.post(
        f"/needs/{need_id}/pledge",
        data={
            "idempotency_key": key,
            "organisation_id": org_id,
            "goods.0.item": "轮椅",
            "goods.0.quantity": "1",
            "goods.0.unit": "辆",
            "goods.0.unit_value_fen": "1800",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    pledge = await Pledge.select(Pledge.public_id).first()
    assert pledge is not None
    pledge_id = pledge["public_id"]
    delivered = await _post(client, f"/pledges/{pledge_id}/deliver", {}, form="/pledges")
    assert delivered.status_code == 303
    assert "已交付待核实" in (await client.get("/pledges")).text

    staff = await make_user(Role.staff)
    client.cookies.clear()
    assert (await web_login(client, staff.username)).status_code == 303
    case_page = await client.get(f"/cases/{ref}")
    assert f'href="/cases/{ref}/linkage"' in case_page.text
    linkage = await client.get(f"/cases/{ref}/linkage")
    assert linkage.status_code == 200
    assert "¥3,000.00" in linkage.text  # the temporary grant
    assert (
        "¥1,800.00" in linkage.text
        and "已交付待核实" in linkage.text
        and "核实</button>" in linkage.text
    )

    # Posted under another case of the same region: refused, nothing verified.
    elsewhere = f"/cases/{other_ref}/linkage"
    wrong = await _post(client, f"{elsewhere}/pledges/{pledge_id}/verify", {}, form=elsewhere)
    assert wrong.status_code == 404
    still = await Pledge.select(Pledge.status).first()
    assert still is not None and still["status"] == PledgeStatus.delivered

    verify = f"/cases/{ref}/linkage/pledges/{pledge_id}/verify"
    verified = await _post(client, verify, {}, form=f"/cases/{ref}/linkage")
    assert verified.status_code == 303
    after = await client.get(f"/cases/{ref}/linkage")
    assert "已核实" in after.text and "核实</button>" not in after.text
    status = await Pledge.select(Pledge.status).first()
    assert status is not None and status["status"] == PledgeStatus.verified

    again = await _post(client, verify, {}, form=f"/cases/{ref}/linkage")
    assert again.status_code == 409
    assert "只有已交付或已拨付的认捐可以核实" in again.text


async def test_organisation_facing_pages_carry_no_personal_data(client: Client) -> None:
    published = await publish_need(client)
    need_id = published["need"]["id"]
    org_id = await _login_member(client)
    pages: list[Any] = [await client.get(f"/needs/{need_id}")]
    pages.append(await _pledge(client, need_id, organisation_id=org_id, amount_fen="99999"))
    assert (
        await _pledge(client, need_id, organisation_id=org_id, amount_fen="10")
    ).status_code == 303
    pages.append(await client.get("/pledges"))
    secrets = ["赵春梅", published["case"]["ref"]]
    secrets += [m["id_number"] for m in published["case"]["members"]]
    for response in pages:
        assert response.status_code in (200, 409)
        for secret in secrets:
            assert secret not in response.text
