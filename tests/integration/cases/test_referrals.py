"""Referral, anonymisation, consent, review and publication."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from backend.accounts.tables import Role, User
from backend.needs.tables import Need
from backend.referrals.tables import Referral
from matching.calendar import add_months
from tests.cases_factory import NARRATIVE, add_temporary_grant, create_case, referral_body
from tests.factories import BINHAI, JIANGBEI, api_token, make_user

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
async def staff(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    user = await make_user(Role.staff)
    return user.id, await api_token(client, user.username)


@pytest.fixture
async def reviewer_headers(client: httpx.AsyncClient) -> dict[str, str]:
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    return await api_token(client, reviewer.username)


async def _case_with_grant(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    case = await create_case(client, headers)
    await add_temporary_grant(client, headers, str(case["ref"]))
    return case


async def _draft(
    client: httpx.AsyncClient, headers: dict[str, str], case: dict, **kw: bool
) -> dict:
    narrative = NARRATIVE.format(id_number=case["members"][0]["id_number"])
    response = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals",
        json=referral_body(narrative, **kw),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_referral_needs_a_temporary_assistance_grant(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]]
) -> None:
    _, headers = staff
    case = await create_case(client, headers)
    narrative = NARRATIVE.format(id_number=case["members"][0]["id_number"])
    response = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals", json=referral_body(narrative), headers=headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "no_temporary_assistance"
    assert "临时救助" in response.json()["message"]
    assert await Referral.count() == 0


async def test_draft_removes_identifiers_and_keeps_what_charities_need(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]]
) -> None:
    _, headers = staff
    case = await _case_with_grant(client, headers)
    draft = await _draft(client, headers, case)
    public = draft["public_text"]
    head = case["members"][0]
    for secret in (
        "王秀英",
        "王小明",
        "小明",
        head["id_number"],
        "138-1234-5678",
        "海洋小区",
        "3号楼",
        "501室",
        "第一中学",
        "初二(3)班",
    ):
        assert secret not in public, secret
    for kept in ("尿毒症", "血液透析", "天津医科大学总医院", "4200元", "滨海新区", "3000元"):
        assert kept in public, kept
    assert draft["narrative"].startswith("王秀英")  # staff see the original beside it
    assert {f["kind"] for f in draft["findings"]} >= {
        "name",
        "id_number",
        "phone",
        "address",
        "school",
    }
    assert draft["remaining"] == []
    assert draft["status"] == "draft"


async def test_submission_needs_consent(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]]
) -> None:
    _, headers = staff
    case = await _case_with_grant(client, headers)
    draft = await _draft(client, headers, case, consent=False)
    response = await client.post(f"/api/v1/referrals/{draft['ref']}/submit", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "consent_missing"

    oral = await client.patch(
        f"/api/v1/referrals/{draft['ref']}",
        json={"consent": {"consent_on": date.today().isoformat(), "method": "oral"}},
        headers=headers,
    )
    assert oral.status_code == 400
    assert oral.json()["code"] == "witness_required"


async def test_public_text_with_an_identifier_cannot_be_submitted(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]]
) -> None:
    _, headers = staff
    case = await _case_with_grant(client, headers)
    draft = await _draft(client, headers, case)
    edited = await client.patch(
        f"/api/v1/referrals/{draft['ref']}",
        json={"public_text": draft["public_text"] + "可联系户主王秀英，电话13812345678。"},
        headers=headers,
    )
    assert edited.status_code == 200
    assert {f["kind"] for f in edited.json()["remaining"]} >= {"name", "phone"}

    response = await client.post(f"/api/v1/referrals/{draft['ref']}/submit", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "identifiers_remain"
    assert "王秀英" not in response.text and "13812345678" not in response.text


async def _submitted(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[dict, dict]:
    case = await _case_with_grant(client, headers)
    draft = await _draft(client, headers, case)
    response = await client.post(f"/api/v1/referrals/{draft['ref']}/submit", headers=headers)
    assert response.status_code == 201, response.text
    return case, response.json()


async def test_reviewer_approves_and_needs_are_published_without_personal_data(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]], reviewer_headers: dict[str, str]
) -> None:
    _, headers = staff
    case, referral = await _submitted(client, headers)

    queue = await client.get("/api/v1/review/queue", headers=reviewer_headers)
    assert [q["ref"] for q in queue.json()] == [referral["ref"]]
    assert queue.json()[0]["can_decide"] is True

    decided = await client.post(
        f"/api/v1/referrals/{referral['ref']}/decision",
        json={"approve": True},
        headers=reviewer_headers,
    )
    assert decided.status_code == 201, decided.text
    need_ids = decided.json()["need_ids"]
    assert len(need_ids) == 2

    for need_id in need_ids:
        public = await client.get(f"/api/v1/needs/{need_id}")  # anonymous
        assert public.status_code == 200
        text = public.text
        for secret in (
            "王秀英",
            "王小明",
            case["members"][0]["id_number"],
            "13812345678",
            "海洋小区",
            "第一中学",
            case["ref"],
            referral["ref"],
        ):
            assert secret not in text
        body = public.json()
        assert "case" not in body and "referral" not in body
        assert body["government_aid_fen"] == 300_000
        verified = date.fromisoformat(case["verified_on"])
        assert body["review_due_on"] == add_months(verified, 6).isoformat()
        assert len(body["id"]) >= 16


async def test_k_anonymity_generalises_a_lone_household(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]], reviewer_headers: dict[str, str]
) -> None:
    _, headers = staff
    _, referral = await _submitted(client, headers)
    decided = await client.post(
        f"/api/v1/referrals/{referral['ref']}/decision",
        json={"approve": True},
        headers=reviewer_headers,
    )
    need = (await client.get(f"/api/v1/needs/{decided.json()['need_ids'][0]}")).json()
    # One case in the registry cannot hide among k=5: everything generalises to the city.
    assert need["region_code"] == "120100000000"
    assert need["age_band"] is None and need["sex_label"] is None
    row = await Referral.select(Referral.generalisation).first()
    assert row is not None and "少于 5 户" in str(row["generalisation"])


async def test_nobody_approves_a_referral_they_created(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]]
) -> None:
    staff_id, headers = staff
    _, referral = await _submitted(client, headers)
    # The author is later made a reviewer of the district: still not for this referral.
    await User.update({User.role: Role.reviewer, User.region_code: BINHAI}).where(
        User.id == staff_id
    )

    response = await client.post(
        f"/api/v1/referrals/{referral['ref']}/decision", json={"approve": True}, headers=headers
    )
    assert response.status_code == 403
    assert response.json()["code"] == "own_referral"
    queue = await client.get("/api/v1/review/queue", headers=headers)
    assert queue.json()[0]["can_decide"] is False
    assert await Need.count() == 0


async def test_reviewer_with_a_declared_relative_in_the_household_cannot_approve(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]], reviewer_headers: dict[str, str]
) -> None:
    _, headers = staff
    case, referral = await _submitted(client, headers)
    son = case["members"][1]["id_number"]
    declared = await client.post(
        "/api/v1/me/relatives",
        json={"id_number": f"{son[:6]}-{son[6:14]}-{son[14:]}", "relation": "外甥"},
        headers=reviewer_headers,
    )
    assert declared.status_code == 201

    response = await client.post(
        f"/api/v1/referrals/{referral['ref']}/decision",
        json={"approve": True},
        headers=reviewer_headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "declared_relative"
    assert await Need.count() == 0


async def test_rejection_needs_a_reason_and_returns_the_referral_to_staff(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]], reviewer_headers: dict[str, str]
) -> None:
    _, headers = staff
    _, referral = await _submitted(client, headers)
    url = f"/api/v1/referrals/{referral['ref']}/decision"
    missing = await client.post(url, json={"approve": False}, headers=reviewer_headers)
    assert missing.status_code == 400
    assert missing.json()["code"] == "reason_required"

    rejected = await client.post(
        url, json={"approve": False, "reason": "请补充医院费用清单"}, headers=reviewer_headers
    )
    assert rejected.json()["status"] == "rejected"
    again = await client.post(url, json={"approve": True}, headers=reviewer_headers)
    assert again.status_code == 409
    edited = await client.patch(
        f"/api/v1/referrals/{referral['ref']}",
        json={"public_text": rejected.json()["public_text"] + "已补充费用清单。"},
        headers=headers,
    )
    assert edited.json()["status"] == "draft"


async def test_reviewer_of_another_district_cannot_see_the_referral(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]]
) -> None:
    _, headers = staff
    _, referral = await _submitted(client, headers)
    outsider = await make_user(Role.reviewer, region_code=JIANGBEI)
    outsider_headers = await api_token(client, outsider.username)
    response = await client.get(f"/api/v1/referrals/{referral['ref']}", headers=outsider_headers)
    assert response.status_code == 404
    queue = await client.get("/api/v1/review/queue", headers=outsider_headers)
    assert queue.json() == []


async def test_a_household_has_one_open_need_per_category(
    client: httpx.AsyncClient, staff: tuple[int, dict[str, str]], reviewer_headers: dict[str, str]
) -> None:
    _, headers = staff
    case, referral = await _submitted(client, headers)
    narrative = NARRATIVE.format(id_number=case["members"][0]["id_number"])

    pending = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals", json=referral_body(narrative), headers=headers
    )
    assert pending.status_code == 409
    assert pending.json()["code"] == "duplicate_open_need"
    assert referral["ref"] in pending.json()["message"]

    decided = await client.post(
        f"/api/v1/referrals/{referral['ref']}/decision",
        json={"approve": True},
        headers=reviewer_headers,
    )
    published = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals", json=referral_body(narrative), headers=headers
    )
    assert published.status_code == 409
    assert decided.json()["need_ids"][0] in published.json()["message"] or (
        decided.json()["need_ids"][1] in published.json()["message"]
    )

    other = referral_body(narrative)
    other["items"] = [dict(other["items"][0], category="housing", title="房屋修缮")]
    allowed = await client.post(
        f"/api/v1/cases/{case['ref']}/referrals", json=other, headers=headers
    )
    assert allowed.status_code == 201, allowed.text
