"""Publishing needs through the real flow: case, grant, referral, consent, review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from backend.accounts.tables import Role
from tests.cases_factory import NARRATIVE, add_temporary_grant, create_case
from tests.factories import BINHAI, api_token, make_user
from tests.people import member


async def publish_need(
    client: httpx.AsyncClient,
    *,
    kind: str = "money",
    amount_fen: int = 2_000_000,
    hours: int = 40,
    category: str = "medical",
) -> dict[str, Any]:
    """One published need of ``kind``; returns its public JSON and the staff/case context."""
    staff = await make_user(Role.staff)
    staff_headers = await api_token(client, staff.username)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    reviewer_headers = await api_token(client, reviewer.username)
    case = await create_case(
        client, staff_headers, members=[member(head=True, full_name="赵春梅", female=True)]
    )
    await add_temporary_grant(client, staff_headers, case["ref"])
    item: dict[str, Any] = {
        "category": category,
        "kind": kind,
        "urgency": "urgent",
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
        "title": "帮扶需求",
    }
    if kind == "money":
        item["amount_fen"] = amount_fen
    elif kind == "service":
        item.update(hours=hours, service_type="上门照料")
    else:
        item["goods"] = [
            {"item": "轮椅", "quantity": 1, "unit": "辆", "unit_value_fen": amount_fen}
        ]
    narrative = NARRATIVE.format(id_number=case["members"][0]["id_number"]).replace(
        "王秀英", "赵春梅"
    )
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
    need_id = decided.json()["need_ids"][0]
    need = (await client.get(f"/api/v1/needs/{need_id}")).json()
    return {"need": need, "case": case, "staff_headers": staff_headers}
