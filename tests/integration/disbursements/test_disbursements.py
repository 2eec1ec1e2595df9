"""Recording disbursements: never past what the pledge still holds, evidence checked and kept
by content, staff verification completing the pledge and closing the need."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import httpx
import pytest

from backend.disbursements import evidence
from backend.disbursements.tables import Disbursement
from backend.events.tables import Event
from backend.ledger.tables import LedgerEntry
from backend.needs.tables import Need
from backend.pledges.tables import Pledge
from backend.settings import Settings, set_settings
from tests.integration.disbursements.support import JPEG, PDF, disburse, funded, png

pytestmark = pytest.mark.usefixtures("database")


async def _ledger(kind: str) -> list[dict[str, Any]]:
    rows = (
        await LedgerEntry.select(LedgerEntry.body)
        .where(LedgerEntry.kind == kind)
        .order_by(LedgerEntry.id)
    )
    return [json.loads(r["body"]) for r in rows]


async def test_disbursing_part_then_too_much_names_the_amount_left(
    client: httpx.AsyncClient,
) -> None:
    f = await funded(client, amount_fen=100_000)
    first = await disburse(client, f.member, f.pledge_id, 60_000, png(1))
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["status"], body["amount_fen"], body["payee_kind"]) == (
        "recorded",
        60_000,
        "hospital",
    )

    too_much = await disburse(client, f.member, f.pledge_id, 40_001, png(2))
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "over_disbursement"
    assert "¥400" in too_much.json()["message"]

    listed = await client.get(f"/api/v1/pledges/{f.pledge_id}/disbursements", headers=f.member)
    assert listed.status_code == 200
    assert (listed.json()["disbursed_fen"], listed.json()["remaining_fen"]) == (60_000, 40_000)

    rest = await disburse(client, f.member, f.pledge_id, 40_000, png(3))
    assert rest.status_code == 201
    pledge = await Pledge.select(Pledge.status, Pledge.disbursed_fen).first()
    assert pledge == {"status": "disbursed", "disbursed_fen": 100_000}
    nothing_left = await disburse(client, f.member, f.pledge_id, 1, png(4))
    assert nothing_left.status_code == 409 and "¥0" in nothing_left.json()["message"]


async def test_concurrent_disbursements_never_pass_the_pledge(client: httpx.AsyncClient) -> None:
    f = await funded(client, amount_fen=100_000)
    responses = await asyncio.gather(
        *[disburse(client, f.member, f.pledge_id, 7_000, png(i)) for i in range(30)]
    )
    accepted = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code == 409]
    assert len(accepted) + len(refused) == 30, {r.status_code for r in responses}
    assert len(accepted) == 14  # 14 × ¥70 = ¥980; a 15th would pass ¥1,000
    pledge = await Pledge.select(Pledge.disbursed_fen, Pledge.status).first()
    assert pledge == {"disbursed_fen": 98_000, "status": "pledged"}
    assert await Disbursement.count() == 14
    assert len(await _ledger("disbursement")) == 14


async def test_cancelled_pledges_take_no_disbursement_and_paid_pledges_cannot_be_cancelled(
    client: httpx.AsyncClient,
) -> None:
    f = await funded(client, amount_fen=100_000)
    assert (await disburse(client, f.member, f.pledge_id, 10_000)).status_code == 201
    cancel = await client.post(
        f"/api/v1/pledges/{f.pledge_id}/cancel", json={"reason": "改由他人资助"}, headers=f.member
    )
    assert cancel.status_code == 409
    assert "拨付" in cancel.json()["message"]

    other = await funded(client, amount_fen=50_000)
    cancelled = await client.post(
        f"/api/v1/pledges/{other.pledge_id}/cancel",
        json={"reason": "资金调整"},
        headers=other.member,
    )
    assert cancelled.status_code == 201
    refused = await disburse(client, other.member, other.pledge_id, 1_000)
    assert refused.status_code == 409
    assert refused.json()["code"] == "pledge_not_disbursable"
    assert "已取消或已过期" in refused.json()["message"]
    await Pledge.update({Pledge.status: "expired"}).where(Pledge.public_id == other.pledge_id)
    expired = await disburse(client, other.member, other.pledge_id, 1_000)
    assert expired.status_code == 409 and "已取消或已过期" in expired.json()["message"]


async def test_evidence_type_comes_from_the_bytes_and_size_is_limited(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    f = await funded(client)
    disguised = await disburse(
        client, f.member, f.pledge_id, 100, b"MZ\x90\x00 not a png", filename="收据.png"
    )
    assert disguised.status_code == 400
    assert disguised.json()["code"] == "evidence_type_refused"
    assert "仅支持 PDF、JPG、PNG" in disguised.json()["message"]
    assert disguised.json()["field"] == "evidence"

    # A real PDF and JPEG are accepted even when the client names them wrongly.
    pdf = await disburse(
        client, f.member, f.pledge_id, 100, PDF, filename="x.txt", content_type="text/plain"
    )
    jpeg = await disburse(client, f.member, f.pledge_id, 100, JPEG, filename="x.bin")
    assert pdf.status_code == jpeg.status_code == 201
    assert (pdf.json()["evidence_type"], jpeg.json()["evidence_type"]) == (
        "application/pdf",
        "image/jpeg",
    )

    limit = 10 * 1024 * 1024
    just_over = png(5) + b"\x00" * (limit + 1 - len(png(5)))
    too_big = await disburse(client, f.member, f.pledge_id, 100, just_over)
    assert too_big.status_code == 400
    assert too_big.json()["message"] == "证明文件不能超过 10 MB"
    at_limit = await disburse(client, f.member, f.pledge_id, 100, just_over[:limit])
    assert at_limit.status_code == 201, at_limit.text

    set_settings(settings.model_copy(update={"evidence_max_bytes": 2048}))
    try:
        small = await disburse(client, f.member, f.pledge_id, 100, png(6) + b"\x00" * 3000)
    finally:
        set_settings(settings)
    assert small.status_code == 400 and small.json()["message"] == "证明文件不能超过 2 KB"

    # A form submitted without choosing a file: an empty file part, as browsers send it.
    missing = await disburse(client, f.member, f.pledge_id, 100, b"", filename="")
    assert missing.status_code == 400 and missing.json()["code"] == "evidence_missing"
    assert await Disbursement.count() == 3


async def test_evidence_is_stored_once_by_its_sha256(client: httpx.AsyncClient) -> None:
    f = await funded(client, amount_fen=100_000)
    g = await funded(client, amount_fen=100_000)
    content = png(42)
    digest = hashlib.sha256(content).hexdigest()
    first = await disburse(client, f.member, f.pledge_id, 1_000, content)
    again = await disburse(client, f.member, f.pledge_id, 1_000, content)
    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["code"] == "evidence_reused"
    elsewhere = await disburse(client, g.member, g.pledge_id, 1_000, content)
    assert elsewhere.status_code == 201
    assert first.json()["evidence_sha256"] == elsewhere.json()["evidence_sha256"] == digest
    assert first.json()["evidence_size"] == len(content)

    stored = evidence.path_of(digest)
    assert stored.read_bytes() == content
    assert stored.is_relative_to(evidence.evidence_dir())
    assert [p.name for p in stored.parent.iterdir() if not p.name.startswith(".")] == [digest]
    rows = await Disbursement.select(Disbursement.evidence_sha256, Disbursement.evidence_type)
    assert rows == [{"evidence_sha256": digest, "evidence_type": "image/png"}] * 2


async def test_verifying_every_disbursement_verifies_the_pledge_and_closes_the_need(
    client: httpx.AsyncClient,
) -> None:
    f = await funded(client, amount_fen=100_000)
    one = (await disburse(client, f.member, f.pledge_id, 70_000, png(1))).json()["id"]
    early = await client.post(f"/api/v1/disbursements/{one}/verify", headers=f.staff)
    assert early.status_code == 201 and early.json()["status"] == "verified"
    pledge = await Pledge.select(Pledge.status).first()
    assert pledge is not None and pledge["status"] == "pledged"  # ¥300 still to pay out

    two = (await disburse(client, f.member, f.pledge_id, 30_000, png(2))).json()["id"]
    assert (await Pledge.select(Pledge.status).first()) == {"status": "disbursed"}
    need = (await client.get(f"/api/v1/needs/{f.need_id}")).json()
    assert need["status"] == "fully_pledged"
    verified = await client.post(f"/api/v1/disbursements/{two}/verify", headers=f.staff)
    assert verified.status_code == 201
    again = await client.post(f"/api/v1/disbursements/{two}/verify", headers=f.staff)
    assert again.status_code == 409 and again.json()["code"] == "disbursement_state_conflict"

    assert (await Pledge.select(Pledge.status).first()) == {"status": "verified"}
    row = await Need.select(Need.status, Need.fulfilled_at, Need.closed_at).first()
    assert row is not None and row["status"] == "closed"
    assert row["closed_at"] is not None and row["closed_at"] == row["fulfilled_at"]
    public = (await client.get(f"/api/v1/needs/{f.need_id}")).json()
    assert public["status"] == "closed"
    kinds = [e["kind"] for e in await Event.select(Event.kind).order_by(Event.id)]
    assert kinds[-4:] == [
        "disbursement.verified",
        "pledge.verified",
        "need.fulfilled",
        "need.closed",
    ]


async def test_concurrent_verifications_of_the_last_disbursements_still_close_the_need(
    client: httpx.AsyncClient,
) -> None:
    f = await funded(client, amount_fen=100_000)
    ids = [
        (await disburse(client, f.member, f.pledge_id, 25_000, png(i))).json()["id"]
        for i in range(4)
    ]
    results = await asyncio.gather(
        *[client.post(f"/api/v1/disbursements/{i}/verify", headers=f.staff) for i in ids]
    )
    assert [r.status_code for r in results] == [201] * 4
    assert (await Pledge.select(Pledge.status).first()) == {"status": "verified"}
    assert (await Need.select(Need.status).first()) == {"status": "closed"}


async def test_rejection_releases_the_amount_and_records_a_correction(
    client: httpx.AsyncClient,
) -> None:
    f = await funded(client, amount_fen=100_000)
    paid = (await disburse(client, f.member, f.pledge_id, 100_000, png(1))).json()["id"]
    assert (await Pledge.select(Pledge.status).first()) == {"status": "disbursed"}
    no_reason = await client.post(
        f"/api/v1/disbursements/{paid}/reject",
        json={"reason_code": "amount_mismatch"},
        headers=f.staff,
    )
    assert no_reason.status_code == 400
    secret_note = "收据金额与发票不符，请核对后重新登记"
    rejected = await client.post(
        f"/api/v1/disbursements/{paid}/reject",
        json={"reason_code": "amount_mismatch", "reason": secret_note},
        headers=f.staff,
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reject_reason"] == secret_note
    assert (await Pledge.select(Pledge.status, Pledge.disbursed_fen).first()) == {
        "status": "pledged",
        "disbursed_fen": 0,
    }
    assert (
        await client.post(f"/api/v1/disbursements/{paid}/verify", headers=f.staff)
    ).status_code == 409

    # The released amount can be disbursed again, with the same (corrected) receipt file too.
    again = await disburse(client, f.member, f.pledge_id, 100_000, png(1))
    assert again.status_code == 201, again.text

    entries = await _ledger("disbursement")
    assert [e["amount_fen"] for e in entries] == [100_000, -100_000, 100_000]
    correction = entries[1]
    assert correction["disbursement"] == paid
    assert (correction["correction"], correction["reason_code"]) == ("rejected", "amount_mismatch")
    assert correction["pledge"] == f.pledge_id and correction["need"] == f.need_id
    everything = str(await LedgerEntry.select(LedgerEntry.body)) + str(
        await Event.select(Event.data)
    )
    assert secret_note not in everything


async def test_a_reject_reason_naming_the_household_is_refused(client: httpx.AsyncClient) -> None:
    """The reason is shown to the organisation, so it must not identify the household."""
    f = await funded(client, amount_fen=100_000)
    paid = (await disburse(client, f.member, f.pledge_id, 100_000, png(1))).json()["id"]
    url = f"/api/v1/disbursements/{paid}/reject"
    for reason, kind in (
        ("收据抬头写的是赵春梅，金额不符", "姓名"),
        ("请致电13912345678核对", "手机号码"),
    ):
        refused = await client.post(
            url, json={"reason_code": "amount_mismatch", "reason": reason}, headers=f.staff
        )
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["code"] == "reason_identifies" and body["field"] == "reason"
        assert kind in body["message"] and reason not in body["message"]
        row = await Disbursement.select(Disbursement.status, Disbursement.reject_reason).first()
        assert row == {"status": "recorded", "reject_reason": ""}
        assert (await Pledge.select(Pledge.disbursed_fen).first()) == {"disbursed_fen": 100_000}
        assert len(await _ledger("disbursement")) == 1
    clean = await client.post(
        url, json={"reason_code": "amount_mismatch", "reason": "金额不符"}, headers=f.staff
    )
    assert clean.status_code == 201 and clean.json()["reject_reason"] == "金额不符"


async def test_ledger_entries_carry_the_agreed_public_details_only(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    f = await funded(client, amount_fen=50_000)
    content = png(9)
    caplog.clear()
    recorded = await disburse(
        client,
        f.member,
        f.pledge_id,
        50_000,
        content,
        filename="赵春梅住院收据.png",
        payee_kind="hospital",
    )
    disbursement_id = recorded.json()["id"]
    await client.post(f"/api/v1/disbursements/{disbursement_id}/verify", headers=f.staff)

    [paid] = await _ledger("disbursement")
    assert paid["amount_fen"] == 50_000
    assert {
        k: paid[k] for k in ("disbursement", "payee_kind", "evidence_kind", "evidence_sha256")
    } == {
        "disbursement": disbursement_id,
        "payee_kind": "hospital",
        "evidence_kind": "receipt",
        "evidence_sha256": hashlib.sha256(content).hexdigest(),
    }
    assert paid["paid_on"] == recorded.json()["paid_on"]
    assert (paid["pledge"], paid["need"], paid["organisation"]) == (
        f.pledge_id,
        f.need_id,
        f.org_id,
    )
    [check] = [e for e in await _ledger("verification") if e.get("of") == "disbursement"]
    assert check["disbursement"] == disbursement_id and check["amount_fen"] == 50_000
    dump = str(await LedgerEntry.select(LedgerEntry.body)) + str(await Event.select(Event.data))
    head = f.published["case"]["members"][0]
    for secret in ("赵春梅", head["id_number"], f.case_ref, "收据.png"):
        assert secret not in dump
    # Neither the uploaded file's name nor its bytes are logged.
    assert "住院收据" not in caplog.text and repr(content[8:24]) not in caplog.text
    assert "disbursement_recorded" in caplog.text


async def test_money_pledges_are_not_verified_directly(client: httpx.AsyncClient) -> None:
    f = await funded(client, amount_fen=50_000)
    direct = await client.post(f"/api/v1/pledges/{f.pledge_id}/verify", headers=f.staff)
    assert direct.status_code == 409
    assert direct.json()["code"] == "money_pledge_needs_disbursements"
    assert "拨付" in direct.json()["message"]
    await disburse(client, f.member, f.pledge_id, 50_000)
    still = await client.post(f"/api/v1/pledges/{f.pledge_id}/verify", headers=f.staff)
    assert still.status_code == 409
    assert (await Pledge.select(Pledge.status).first()) == {"status": "disbursed"}


async def test_staff_of_other_regions_cannot_decide(client: httpx.AsyncClient) -> None:
    from backend.accounts.tables import Role
    from tests.factories import JIANGBEI, api_token, make_user

    f = await funded(client, amount_fen=50_000)
    paid = (await disburse(client, f.member, f.pledge_id, 50_000)).json()["id"]
    elsewhere = await make_user(Role.staff, region_code=JIANGBEI)
    headers = await api_token(client, elsewhere.username)
    assert (
        await client.post(f"/api/v1/disbursements/{paid}/verify", headers=headers)
    ).status_code == 404
    member = await client.post(f"/api/v1/disbursements/{paid}/verify", headers=f.member)
    assert member.status_code == 403
    listed = await client.get(f"/api/v1/pledges/{f.pledge_id}/disbursements", headers=headers)
    assert listed.status_code == 404


async def test_goods_pledges_may_record_purchases_service_pledges_may_not(
    client: httpx.AsyncClient,
) -> None:
    from backend.accounts.tables import Role
    from tests.factories import api_token, make_organisation, make_user
    from tests.needs_factory import publish_need

    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    headers = await api_token(client, user.username)
    pledged = {}
    need_ids = {}
    for kind in ("goods", "service"):
        published = await publish_need(client, kind=kind, amount_fen=180_000, hours=10)
        need_ids[kind] = published["need"]["id"]
        staff = published["staff_headers"]
        body: dict[str, Any] = {
            "need_id": published["need"]["id"],
            "organisation_id": org.id,
            "kind": kind,
        }
        if kind == "goods":
            body["goods"] = [
                {"item": "轮椅", "quantity": 1, "unit": "辆", "unit_value_fen": 180_000}
            ]
        else:
            body.update(hours=10, service_type="上门照料")
        response = await client.post(
            "/api/v1/pledges", json=body, headers={**headers, "Idempotency-Key": kind}
        )
        assert response.status_code == 201, response.text
        pledged[kind] = response.json()["id"]
    bought = await disburse(client, headers, pledged["goods"], 180_000, payee_kind="supplier")
    assert bought.status_code == 201, bought.text
    # A goods pledge is not verified while a purchase still awaits its check.
    direct = await client.post(f"/api/v1/pledges/{pledged['goods']}/verify", headers=staff)
    assert direct.status_code == 409 and direct.json()["code"] == "disbursements_unchecked"
    assert "待核实的拨付" in direct.json()["message"]
    assert (
        await Pledge.select(Pledge.status).where(Pledge.public_id == pledged["goods"]).first()
    ) == {"status": "disbursed"}
    assert (await Need.select(Need.status).where(Need.public_id == need_ids["goods"]).first()) == {
        "status": "fully_pledged"
    }
    service = await disburse(client, headers, pledged["service"], 100)
    assert service.status_code == 409 and service.json()["code"] == "pledge_not_disbursable"
