"""Published needs written straight into the ``need`` table, for ranking tests.

The referral journey (tests/cases_factory.py) publishes real needs, but k-anonymity decides
their region and each one costs a case, a grant and a review. Ranking tests need many needs
with chosen regions, deadlines and amounts, so they share one placeholder case and referral
(the foreign keys ``need`` requires) and write one need item and one need per call.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from backend.accounts.tables import Role
from backend.cases.tables import Case
from backend.needs.tables import Need, NeedStatus
from backend.recommendations.service import local_today
from backend.referrals.tables import NeedItem, Referral, ReferralStatus
from tests.cases_factory import NARRATIVE, add_temporary_grant, create_case, referral_body
from tests.factories import BINHAI, api_token, make_user

_seq = itertools.count(1)


@dataclass(frozen=True)
class Placeholder:
    case_id: int
    referral_id: int


async def placeholder() -> Placeholder:
    """One case and one approved referral to hang synthetic needs on (no personal data)."""
    staff = await make_user(Role.staff)
    now = datetime.now(UTC)
    case = await Case.insert(
        Case(
            ref_code=secrets.token_urlsafe(12),
            region_code="120116001016",
            programme="dibao",
            review_cycle="yearly",
            verified_on=date.today(),
            created_by=staff.id,
            created_at=now,
            updated_at=now,
        )
    ).returning(Case.id)
    referral = await Referral.insert(
        Referral(
            ref_code=secrets.token_urlsafe(12),
            case=case[0]["id"],
            status=ReferralStatus.approved,
            narrative_sealed="",
            public_text="",
            created_by=staff.id,
            created_at=now,
        )
    ).returning(Referral.id)
    return Placeholder(case[0]["id"], referral[0]["id"])


async def add_need(
    at: Placeholder,
    *,
    public_id: str | None = None,
    region: str = "120116001000",
    category: str = "medical",
    kind: str = "money",
    urgency: str = "normal",
    days: int = 60,
    target: int = 1_000_000,
    pledged: int = 0,
    status: str = NeedStatus.published,
    title: str | None = None,
) -> str:
    """One published need; ``target``/``pledged`` are fen, or hours for a service need."""
    seq = next(_seq)
    # Deadlines count in Beijing days, as the recommendations do.
    deadline = local_today() + timedelta(days=days)
    title = title or f"测试需求{seq}"
    item = await NeedItem.insert(
        NeedItem(
            referral=at.referral_id,
            seq=seq % 30000,
            category=category,
            kind=kind,
            amount_fen=target if kind == "money" else None,
            hours=target if kind == "service" else None,
            urgency=urgency,
            deadline=deadline,
            title=title,
        )
    ).returning(NeedItem.id)
    public_id = public_id or secrets.token_urlsafe(12)
    service = kind == "service"
    values: dict[str, Any] = {
        "public_id": public_id,
        "case": at.case_id,
        "referral": at.referral_id,
        "need_item": item[0]["id"],
        "title": title,
        "story": "社区核实后的公开情况说明。",
        "category": category,
        "kind": kind,
        "urgency": urgency,
        "region_code": region,
        "target_fen": None if service else target,
        "target_hours": target if service else None,
        "goods": "[]",
        "service_type": "陪诊" if service else "",
        "deadline": deadline,
        "status": status,
        "published_at": datetime.now(UTC),
        "review_due_on": date.today() + timedelta(days=365),
        "government_aid_fen": 300_000,
        "pledged_fen": 0 if service else pledged,
        "pledged_hours": pledged if service else 0,
    }
    await Need.insert(Need(**values))
    return public_id


async def publish_via_referral(client: httpx.AsyncClient) -> tuple[dict[str, Any], list[str]]:
    """The real journey: a case with a grant, a referral naming the family, approval.

    Publishes two needs (medical money, education goods); returns the case as staff saw it
    (personal data included, for tests to look for) and the published needs' public ids.
    """
    staff = await make_user(Role.staff)
    staff_headers = await api_token(client, staff.username)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    reviewer_headers = await api_token(client, reviewer.username)
    case = await create_case(client, staff_headers)
    await add_temporary_grant(client, staff_headers, str(case["ref"]))
    narrative = NARRATIVE.format(id_number=case["members"][0]["id_number"])
    draft = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals",
        json=referral_body(narrative),
        headers=staff_headers,
    )
    assert draft.status_code == 201, draft.text
    ref = draft.json()["ref"]
    submitted = await client.post(f"/api/v1/referrals/{ref}/submit", headers=staff_headers)
    assert submitted.status_code == 201, submitted.text
    decided = await client.post(
        f"/api/v1/referrals/{ref}/decision", json={"approve": True}, headers=reviewer_headers
    )
    assert decided.status_code == 201, decided.text
    return case, list(decided.json()["need_ids"])


def personal_data(case: dict[str, Any]) -> list[str]:
    """What a published need must never show of the household ``publish_via_referral`` made."""
    head = case["members"][0]
    return [
        "王秀英",
        "王小明",
        head["id_number"],
        case["members"][1]["id_number"],
        "13812345678",
        "138-1234-5678",
        "海洋小区",
        "501室",
        "第一中学",
        "初二(3)班",
        case["ref"],
    ]
