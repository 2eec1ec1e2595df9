"""为您推荐 over real PostgreSQL: the order and reasons, members only, no personal data."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from backend.accounts.tables import Role
from backend.needs.schemas import NeedPublic
from backend.organisations.tables import Organisation
from backend.recommendations.service import local_today, open_summaries, ranked_needs
from matching.recommend import OrgProfile, plan_for, rank_with
from tests.factories import BINHAI, api_token, make_organisation, make_user, web_login
from tests.integration.recommendations.need_rows import (
    Placeholder,
    add_need,
    personal_data,
    placeholder,
    publish_via_referral,
)

pytestmark = pytest.mark.usefixtures("database")

TANGGU = "120116001000"
XINHE = "120116006000"
JIANGBEI_STREET = "500105001000"


async def set_profile(
    org_id: str,
    *,
    regions: list[str],
    categories: list[str],
    fen: int = 0,
    hours: int = 0,
) -> None:
    await Organisation.update(
        {
            Organisation.service_regions: json.dumps(regions),
            Organisation.focus_categories: json.dumps(categories),
            Organisation.monthly_capacity_fen: fen,
            Organisation.monthly_capacity_hours: hours,
        }
    ).where(Organisation.public_id == org_id)


async def member_of_new_org(
    client: httpx.AsyncClient,
) -> tuple[str, dict[str, str], str]:
    org = await make_organisation()
    user = await make_user(Role.org_member, organisation_id=org.id)
    return org.id, await api_token(client, user.username), user.username


@pytest.fixture
async def at() -> Placeholder:
    return await placeholder()


async def test_open_needs_are_ranked_with_the_reasons_for_their_place(
    client: httpx.AsyncClient, at: Placeholder
) -> None:
    org_id, headers, _ = await member_of_new_org(client)
    await set_profile(org_id, regions=[TANGGU], categories=["medical"], fen=500_000, hours=40)
    best = await add_need(
        at, region=TANGGU, category="medical", urgency="urgent", days=2, target=200_000
    )
    near = await add_need(at, region=XINHE, category="medical", days=20, target=1_000_000)
    service = await add_need(at, region=TANGGU, category="care", kind="service", days=10, target=10)
    far = await add_need(at, region=JIANGBEI_STREET, category="education", days=90)
    # Never recommended: deadline passed, nothing left, no longer published.
    await add_need(at, region=TANGGU, category="medical", urgency="urgent", days=-1)
    await add_need(at, region=TANGGU, category="medical", target=50_000, pledged=50_000)
    await add_need(at, region=TANGGU, category="medical", status="closed")
    await add_need(at, region=TANGGU, category="medical", status="lapsed")

    response = await client.get(f"/api/v1/organisations/{org_id}/recommendations", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organisation_id"] == org_id and body["profile_complete"] is True
    items = body["items"]
    assert [i["id"] for i in items] == [best, service, near, far]
    reasons = {i["id"]: i["reasons"] for i in items}
    assert reasons[best] == [
        "同一街道",
        "关注领域：医疗",
        "急难",
        "2天后截止",
        "剩余¥2,000.00，在您每月可承担范围内",
    ]
    assert reasons[service] == ["同一街道", "10天后截止", "剩余10小时，在您每月可承担范围内"]
    assert reasons[near] == ["同区", "关注领域：医疗", "20天后截止"]
    assert reasons[far] == []
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert scores == [120, 61, 58, 0]
    assert items[0]["region_name"] == "滨海新区塘沽街道"
    assert items[0]["remaining_fen"] == 200_000

    # The same answer as the core ranking every open need itself.
    profile = OrgProfile((TANGGU,), frozenset({"medical"}), 500_000, 40)
    today = local_today()
    expected = rank_with(plan_for(profile, today), await open_summaries(today), 20)
    assert [(r.need.public_id, r.score, r.reasons) for r in expected] == [
        (i["id"], i["score"], i["reasons"]) for i in items
    ]


async def test_the_database_picks_exactly_what_the_core_would(at: Placeholder) -> None:
    """Random needs and profiles, with ties galore: SQL's top-k is the core's top-k."""
    rng = random.Random(20261125)
    regions = [TANGGU, XINHE, "120116000000", "120101001000", JIANGBEI_STREET, "370902001000"]
    categories = ["medical", "education", "care", "living"]
    alphabet = "AZaz09-_"
    for n in range(250):
        kind = rng.choice(["money", "goods", "service"])
        target = rng.randrange(1, 60) if kind == "service" else rng.randrange(1, 40) * 10_000
        await add_need(
            at,
            # Mixed case, digits, '-' and '_': the tie-break must be byte order everywhere.
            public_id="".join(rng.choice(alphabet) for _ in range(6)) + f"{n:03d}",
            region=rng.choice(regions),
            category=rng.choice(categories),
            kind=kind,
            urgency=rng.choice(["urgent", "normal"]),
            days=rng.randrange(-2, 40),
            target=target,
            pledged=rng.choice([0, 0, target // 2, target]),
        )
    today = local_today()
    everything = await open_summaries(today)
    odd_regions = ["120000000000", "not-a-code"]  # a province gives no tier; junk is ignored
    for _ in range(16):
        profile = OrgProfile(
            service_regions=tuple(rng.sample([*regions, *odd_regions], rng.randrange(0, 4))),
            focus_categories=frozenset(rng.sample(categories, rng.randrange(0, 3))),
            monthly_capacity_fen=rng.choice([0, 100_000, 250_000]),
            monthly_capacity_hours=rng.choice([0, 10, 30]),
        )
        limit = rng.choice([1, 5, 20, 100])
        from_sql = await ranked_needs(profile, limit, today)
        from_core = rank_with(plan_for(profile, today), everything, limit)
        assert [(r.need, r.score, r.reasons) for r in from_sql] == [
            (r.need, r.score, r.reasons) for r in from_core
        ]


async def test_only_members_see_an_organisations_recommendations(
    client: httpx.AsyncClient, at: Placeholder
) -> None:
    org_id, headers, username = await member_of_new_org(client)
    _, outsider_headers, outsider = await member_of_new_org(client)
    await add_need(at)
    path = f"/api/v1/organisations/{org_id}/recommendations"

    assert (await client.get(path, headers=headers)).status_code == 200
    refused = await client.get(path, headers=outsider_headers)
    assert refused.status_code == 404
    assert refused.json()["code"] == "organisation_not_found"
    assert (await client.get(path)).status_code == 401
    staff = await make_user(Role.staff)
    staff_headers = await api_token(client, staff.username)
    assert (await client.get(path, headers=staff_headers)).status_code == 404
    admin_headers = await api_token(client, (await make_user(Role.admin)).username)
    missing = "/api/v1/organisations/no-such-org/recommendations"
    assert (await client.get(missing, headers=admin_headers)).status_code == 404

    assert (await client.get(path + "?limit=0", headers=headers)).status_code == 400
    assert (await client.get(path + "?limit=101", headers=headers)).status_code == 400

    # The page: the member sees it, another organisation's member gets the 404 page.
    await web_login(client, outsider)
    assert (await client.get(f"/organisations/{org_id}/recommendations")).status_code == 404
    client.cookies.clear()
    await web_login(client, username)
    entry = await client.get("/recommendations", follow_redirects=False)
    assert entry.status_code in (302, 303)
    assert entry.headers["location"] == f"/organisations/{org_id}/recommendations"
    page = await client.get(f"/organisations/{org_id}/recommendations")
    assert page.status_code == 200
    assert "为您推荐" in page.text and "推荐规则" in page.text
    assert 'href="/recommendations"' in page.text  # the nav entry


async def test_limit_and_an_incomplete_profile(client: httpx.AsyncClient, at: Placeholder) -> None:
    org_id, headers, _ = await member_of_new_org(client)
    for days in (5, 6, 7):
        await add_need(at, days=days, urgency="urgent")
    response = await client.get(
        f"/api/v1/organisations/{org_id}/recommendations?limit=2", headers=headers
    )
    body = response.json()
    assert body["profile_complete"] is False
    assert len(body["items"]) == 2
    assert [i["reasons"] for i in body["items"]] == [["急难", "5天后截止"], ["急难", "6天后截止"]]


async def test_recommendations_carry_no_personal_data(client: httpx.AsyncClient) -> None:
    case, need_ids = await publish_via_referral(client)
    org_id, headers, username = await member_of_new_org(client)
    await set_profile(org_id, regions=[BINHAI], categories=["medical", "education"], fen=10**7)

    response = await client.get(f"/api/v1/organisations/{org_id}/recommendations", headers=headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert {i["id"] for i in items} == set(need_ids)
    allowed = set(NeedPublic.model_fields) | {"score", "reasons"}
    for item in items:
        assert set(item) <= allowed
        assert "case" not in item and "referral" not in item
    await web_login(client, username)
    page = await client.get(f"/organisations/{org_id}/recommendations")
    assert page.status_code == 200
    for text in (response.text, page.text):
        for secret in personal_data(case):
            assert secret not in text, secret


async def test_recommendations_page_without_needs(client: httpx.AsyncClient) -> None:
    org_id, _, username = await member_of_new_org(client)
    await web_login(client, username)
    page = await client.get(f"/organisations/{org_id}/recommendations")
    assert page.status_code == 200
    assert "目前没有募集中的需求" in page.text
    assert "尚未填写服务地区或关注领域" in page.text
