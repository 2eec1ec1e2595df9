"""The disbursement pages: 登记拨付 on 我的认捐 (multipart with CSRF), and staff's 核实 / 退回 on
the linkage page of the case."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from backend.accounts.tables import Role
from backend.disbursements.tables import Disbursement
from backend.needs.tables import Need
from backend.pledges.tables import Pledge
from tests.factories import csrf_token, make_user, web_login
from tests.integration.disbursements.support import PDF, disburse, funded, png

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient


async def _login(client: Client, role: Role, **kwargs: str) -> None:
    user = await make_user(role, **kwargs)
    client.cookies.clear()
    assert (await web_login(client, user.username)).status_code == 303


async def _record(client: Client, pledge_id: str, amount: str, content: bytes) -> httpx.Response:
    token = await csrf_token(client, "/pledges")
    return await client.post(
        f"/pledges/{pledge_id}/disbursements",
        data={
            "_csrf_token": token,
            "amount_fen": amount,
            "payee_kind": "hospital",
            "paid_on": date.today().isoformat(),
            "evidence_kind": "invoice",
        },
        files={"evidence": ("发票.png", content, "image/png")},
        follow_redirects=False,
    )


async def test_a_member_records_a_disbursement_on_my_pledges(client: Client) -> None:
    f = await funded(client, amount_fen=100_000)
    await _login(client, Role.org_member, organisation_id=f.org_id)
    mine = await client.get("/pledges")
    assert "登记拨付" in mine.text and 'enctype="multipart/form-data"' in mine.text
    assert "不超过 10 MB" in mine.text

    no_csrf = await client.post(
        f"/pledges/{f.pledge_id}/disbursements",
        data={"amount_fen": "100"},
        files={"evidence": ("a.png", png(), "image/png")},
    )
    assert no_csrf.status_code == 403

    wrong_type = await _record(client, f.pledge_id, "100", b"GIF89a not accepted")
    assert wrong_type.status_code == 400
    assert "仅支持 PDF、JPG、PNG" in wrong_type.text
    assert 'value="100"' in wrong_type.text  # what was typed is shown again

    too_much = await _record(client, f.pledge_id, "1000.01", png(1))
    assert too_much.status_code == 409 and "当前剩余：¥1,000" in too_much.text

    ok = await _record(client, f.pledge_id, "600", png(1))
    assert ok.status_code == 303, ok.text
    after = await client.get("/pledges")
    assert "已登记拨付 ¥600.00" in after.text
    assert "待核实" in after.text and "医院" in after.text and "下载发票" in after.text
    assert "已拨付 ¥600.00 / ¥1,000.00" in after.text
    assert "确认取消" not in after.text  # a pledge partly paid out can no longer be cancelled
    row = await Disbursement.select(Disbursement.amount_fen, Disbursement.evidence_kind).first()
    assert row == {"amount_fen": 60_000, "evidence_kind": "invoice"}


async def test_staff_verify_and_return_on_the_linkage_page(client: Client) -> None:
    f = await funded(client, amount_fen=100_000)
    returned = (await disburse(client, f.member, f.pledge_id, 40_000, png(1))).json()["id"]
    kept = (await disburse(client, f.member, f.pledge_id, 60_000, PDF)).json()["id"]

    await _login(client, Role.staff)
    linkage = f"/cases/{f.case_ref}/linkage"
    page = await client.get(linkage)
    assert page.status_code == 200
    assert f"/disbursements/{returned}/evidence" in page.text
    assert f"{linkage}/disbursements/{kept}/verify" in page.text
    assert f"{linkage}/pledges/{f.pledge_id}/verify" not in page.text  # money: no direct 核实

    token = await csrf_token(client, linkage)
    no_reason = await client.post(
        f"{linkage}/disbursements/{returned}/reject",
        data={"_csrf_token": token, "reason_code": "payee_mismatch"},
    )
    assert no_reason.status_code == 400 and "退回说明" in no_reason.text
    rejected = await client.post(
        f"{linkage}/disbursements/{returned}/reject",
        data={"_csrf_token": token, "reason_code": "payee_mismatch", "reason": "收款方不是医院"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    assert (await Pledge.select(Pledge.disbursed_fen).first()) == {"disbursed_fen": 60_000}

    verified = await client.post(
        f"{linkage}/disbursements/{kept}/verify",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert verified.status_code == 303
    shown = await client.get(linkage)
    assert "已退回" in shown.text and "收款方不是医院" in shown.text and "已核实" in shown.text
    again = await client.post(f"{linkage}/disbursements/{kept}/verify", data={"_csrf_token": token})
    assert again.status_code == 409 and "只有待核实的拨付可以核实或退回" in again.text
    # ¥400 was returned, so the pledge is not yet complete and the need stays open.
    assert (await Need.select(Need.status).first()) == {"status": "fully_pledged"}

    await _login(client, Role.org_member, organisation_id=f.org_id)
    mine = await client.get("/pledges")
    assert "已退回" in mine.text and "收款方不是医院" in mine.text
    assert "尚可拨付 ¥400.00" in mine.text


async def test_decisions_posted_under_another_case_are_404(client: Client) -> None:
    """A form posted under one case must not decide another case's payout (same region)."""
    f = await funded(client, amount_fen=100_000)
    other = await funded(client, amount_fen=50_000)
    paid = (await disburse(client, f.member, f.pledge_id, 40_000, png(1))).json()["id"]

    await _login(client, Role.staff)
    elsewhere = f"/cases/{other.case_ref}/linkage"
    assert (await client.get(elsewhere)).status_code == 200  # the other case is in scope
    token = await csrf_token(client, elsewhere)
    verify = await client.post(
        f"{elsewhere}/disbursements/{paid}/verify", data={"_csrf_token": token}
    )
    reject = await client.post(
        f"{elsewhere}/disbursements/{paid}/reject",
        data={"_csrf_token": token, "reason_code": "payee_mismatch", "reason": "收款方不符"},
    )
    for response in (verify, reject):
        assert response.status_code == 404
        assert "未找到该拨付记录" in response.text
    assert (await Disbursement.select(Disbursement.status).first()) == {"status": "recorded"}
    assert (
        await Pledge.select(Pledge.disbursed_fen).where(Pledge.public_id == f.pledge_id).first()
    ) == {"disbursed_fen": 40_000}


async def test_goods_pledge_with_an_unchecked_purchase_shows_no_verify_button(
    client: Client,
) -> None:
    from tests.factories import api_token, make_organisation
    from tests.needs_factory import publish_need

    published = await publish_need(client, kind="goods", amount_fen=180_000)
    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    headers = await api_token(client, user.username)
    pledge = await client.post(
        "/api/v1/pledges",
        json={
            "need_id": published["need"]["id"],
            "organisation_id": org.id,
            "kind": "goods",
            "goods": [{"item": "轮椅", "quantity": 1, "unit": "辆", "unit_value_fen": 180_000}],
        },
        headers={**headers, "Idempotency-Key": "goods"},
    )
    pledge_id = pledge.json()["id"]
    bought = (await disburse(client, headers, pledge_id, 180_000, payee_kind="supplier")).json()
    await _login(client, Role.staff)
    linkage = f"/cases/{published['case']['ref']}/linkage"
    page = await client.get(linkage)
    assert f"{linkage}/disbursements/{bought['id']}/verify" in page.text
    assert f"{linkage}/pledges/{pledge_id}/verify" not in page.text
    token = await csrf_token(client, linkage)
    await client.post(f"{linkage}/disbursements/{bought['id']}/verify", data={"_csrf_token": token})
    # Verifying the last purchase completed the pledge itself: nothing left to 核实.
    assert (await Pledge.select(Pledge.status).first()) == {"status": "verified"}
