"""Setting up disclosure tests: a published need (real flow), organisations and ledger entries.

Entries are appended with ``backend.ledger.service.append`` directly, as the pledge, donation
and disbursement services do, so these tests do not depend on those services.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.ledger import service as ledger
from backend.organisations.tables import Organisation
from matching.ledger import EntryKind
from tests.cases_factory import add_temporary_grant, create_case
from tests.factories import BINHAI, api_token, make_organisation, make_user

EVIDENCE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

#: A household whose every personal fact is distinctive, to search for in public output.
PERSON = {
    "name": "欧阳澜汐",
    "phone": "13987654321",
    "address": "天津市滨海新区塘沽街道翠柳巷77号楼9单元1203室",
    "school": "滨海新区实验小学五年级(7)班",
}


async def publish_money_need(
    client: httpx.AsyncClient, *, amount_fen: int = 2_000_000, category: str = "medical"
) -> dict[str, Any]:
    """A money need published through the real flow for the household ``PERSON``."""
    staff = await make_user(Role.staff)
    staff_headers = await api_token(client, staff.username)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    reviewer_headers = await api_token(client, reviewer.username)
    from tests.people import member

    head = member(
        head=True,
        full_name=PERSON["name"],
        phone=PERSON["phone"],
        address=PERSON["address"],
        female=True,
    )
    child = member(relation="子女", born=date(2015, 3, 1), school=PERSON["school"])
    case = await create_case(client, staff_headers, members=[head, child])
    await add_temporary_grant(client, staff_headers, case["ref"], amount_fen=300_000)
    id_number = case["members"][0]["id_number"]
    narrative = (
        f"{PERSON['name']}，身份证号 {id_number}，住{PERSON['address']}，电话 {PERSON['phone']}。"
        f"孩子在{PERSON['school']}就读。患慢性肾病，每月自付透析费用约四千元，已获临时救助，仍有困难。"
    )
    item = {
        "category": category,
        "kind": "money",
        "urgency": "urgent",
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
        "title": "透析费用资助",
        "amount_fen": amount_fen,
    }
    referral = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals",
        json={
            "narrative": narrative,
            "items": [item],
            "consent": {"consent_on": date.today().isoformat(), "method": "written"},
        },
        headers=staff_headers,
    )
    assert referral.status_code == 201, referral.text
    ref = referral.json()["ref"]
    submitted = await client.post(f"/api/v1/referrals/{ref}/submit", headers=staff_headers)
    assert submitted.status_code == 201, submitted.text
    decided = await client.post(
        f"/api/v1/referrals/{ref}/decision", json={"approve": True}, headers=reviewer_headers
    )
    assert decided.status_code == 201, decided.text
    return {
        "need_id": decided.json()["need_ids"][0],
        "case": case,
        "id_number": id_number,
        "case_ref": case["ref"],
    }


async def qualified_charity(name: str, certificate: str = "津民募字2024第017号") -> Any:
    org = await make_organisation(name=name)
    async with unit_of_work():
        await Organisation.update(
            {
                Organisation.public_fundraising: True,
                Organisation.fundraising_certificate: certificate,
            }
        ).where(Organisation.public_id == org.id)
    return org


async def append(kind: EntryKind, **kwargs: Any) -> str:
    async with unit_of_work():
        return await ledger.append(kind, **kwargs)


async def record_story(need_id: str, org_id: str, volunteer_org_id: str) -> dict[str, str]:
    """Pledges, a cancellation, an expiry, donations, a refund, a disbursement, a verification."""
    ids = {}
    ids["pledge"] = await append(
        EntryKind.pledge,
        amount_fen=500_000,
        need=need_id,
        organisation=org_id,
        pledge="plg-money-1",
        details={"pledge_kind": "money"},
    )
    ids["cancel"] = await append(
        EntryKind.pledge_cancelled,
        amount_fen=-100_000,
        need=need_id,
        organisation=org_id,
        pledge="plg-money-2",
        details={"pledge_kind": "money"},
    )
    await append(
        EntryKind.pledge,
        amount_fen=30_000,
        need=need_id,
        organisation=org_id,
        pledge="plg-goods-1",
        details={"pledge_kind": "goods"},
    )
    await append(
        EntryKind.pledge,
        hours=10,
        need=need_id,
        organisation=volunteer_org_id,
        pledge="plg-hours-1",
        details={"pledge_kind": "service"},
    )
    await append(
        EntryKind.pledge_expired,
        hours=-4,
        need=need_id,
        organisation=volunteer_org_id,
        pledge="plg-hours-1",
        details={"pledge_kind": "service"},
    )
    ids["donation"] = await append(
        EntryKind.donation,
        amount_fen=250_000,
        need=need_id,
        organisation=org_id,
        pledge="plg-money-1",
        details={
            "donation": "don-1",
            "channel": "offline",
            "donor": "爱心人士",
            "credited_fen": 200_000,
            "general_funds_fen": 50_000,
        },
    )
    await append(
        EntryKind.refund,
        amount_fen=-20_000,
        need=need_id,
        organisation=org_id,
        details={
            "donation": "don-1",
            "channel": "offline",
            "after_disbursement": False,
            "credited_fen": -20_000,
            "general_funds_fen": 0,
        },
    )
    ids["disbursement"] = await append(
        EntryKind.disbursement,
        amount_fen=120_000,
        need=need_id,
        organisation=org_id,
        pledge="plg-money-1",
        details={
            "disbursement": "dsb-1",
            "payee_kind": "hospital",
            "paid_on": "2025-03-01",
            "evidence_sha256": EVIDENCE,
            "evidence_kind": "invoice",
        },
    )
    await append(
        EntryKind.verification,
        amount_fen=120_000,
        need=need_id,
        organisation=org_id,
        details={"of": "disbursement", "disbursement": "dsb-1"},
    )
    return ids
