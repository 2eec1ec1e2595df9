"""Policy parameters through the JSON API and the service, on real PostgreSQL: the value in
force by date and region, history, the refusal of retroactive changes, withdrawal, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from backend.cases.tables import Case
from backend.db import unit_of_work
from backend.needs.service import review_due_on
from backend.notifications.service import digest_limits
from backend.notifications.tables import Notification, NotificationKind
from backend.organisations.tables import Organisation
from backend.policy.service import (
    decisions_since,
    dibao_assessment,
    int_at,
    policy_today,
    value_at,
)
from backend.policy.tables import PolicyParameter
from matching.calendar import add_months
from tests.cases_factory import COMMUNITY, create_case
from tests.factories import JIANGBEI, api_token, make_organisation, make_user
from tests.needs_factory import publish_need

pytestmark = pytest.mark.usefixtures("database")

API = "/api/v1/policy/parameters"
TIANJIN = "120000000000"
BINHAI = "120116000000"
TANGGU = "120116001000"
CHONGQING = "500000000000"
TAIAN = "370900000000"
JIANGBEI_COMMUNITY = "500105001001"


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    admin = await make_user(Role.admin)
    return await api_token(client, admin.username)


async def add(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    value: int,
    effective_from: Any,
    region_code: str | None = None,
    note: str = "",
) -> httpx.Response:
    return await client.post(
        API,
        json={
            "name": name,
            "value": value,
            "effective_from": effective_from.isoformat(),
            "region_code": region_code,
            "note": note,
        },
        headers=headers,
    )


def region_entry(parameters: list[dict[str, Any]], name: str, region: str | None) -> dict[str, Any]:
    parameter = next(p for p in parameters if p["name"] == name)
    return dict(next(r for r in parameter["regions"] if r["region_code"] == region))


# --------------------------------------------------------------------------------------------
# The defaults and the value in force
# --------------------------------------------------------------------------------------------


async def test_defaults_give_each_fixture_city_a_dibao_standard() -> None:
    today = policy_today()
    assert await int_at("dibao_standard_fen", today, COMMUNITY) == 111_000
    assert await int_at("dibao_standard_fen", today, JIANGBEI_COMMUNITY) == 79_000
    assert await int_at("dibao_standard_fen", today, "370902001001") == 96_000
    assert await int_at("low_income_multiplier_permille", today, COMMUNITY) == 1500
    assert await int_at("tekun_multiplier_permille", today, COMMUNITY) == 1300
    assert await int_at("notification.digest_interval_minutes", today) == 60
    assert await int_at("notification.digest_listed_max", today) == 20
    # The older defaults are kept.
    assert await int_at("k_anonymity", today, COMMUNITY) == 5
    assert await int_at("pledge_expiry_days", today) == 30


async def test_most_specific_region_and_latest_date_on_or_before_win(
    client: httpx.AsyncClient,
) -> None:
    headers = await admin_headers(client)
    today = policy_today()
    soon, later = today + timedelta(days=10), today + timedelta(days=40)
    assert (await add(client, headers, "k_anonymity", 7, soon, BINHAI)).status_code == 201
    assert (await add(client, headers, "k_anonymity", 9, later, BINHAI)).status_code == 201
    assert (await add(client, headers, "k_anonymity", 3, later, TANGGU)).status_code == 201

    assert await int_at("k_anonymity", today, COMMUNITY) == 5  # nothing regional yet
    assert await int_at("k_anonymity", soon, COMMUNITY) == 7  # the district's, from its date
    assert await int_at("k_anonymity", later - timedelta(days=1), COMMUNITY) == 7
    assert await int_at("k_anonymity", later, COMMUNITY) == 3  # the street's beats the district
    assert await int_at("k_anonymity", later, "120116002001") == 9  # another street: district
    assert await int_at("k_anonymity", later, JIANGBEI_COMMUNITY) == 5  # Chongqing: platform


async def test_list_shows_current_next_and_the_whole_history(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    today = policy_today()
    future = today + timedelta(days=30)
    response = await add(client, headers, "dibao_standard_fen", 115_000, future, TIANJIN, "调标")
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["status"] == "scheduled" and added["withdrawable"] is True
    assert added["display"] == "1,150.00 元/人·月"

    listed = await client.get(API, headers=headers)
    assert listed.status_code == 200
    tianjin = region_entry(listed.json(), "dibao_standard_fen", TIANJIN)
    assert tianjin["region_name"] == "天津市"
    assert tianjin["current"]["value"] == 111_000
    assert tianjin["current"]["status"] == "in_force"
    assert tianjin["next"]["value"] == 115_000
    assert tianjin["next"]["effective_from"] == future.isoformat()
    assert [v["value"] for v in tianjin["history"]] == [115_000, 111_000]  # newest first
    assert tianjin["history"][0]["created_by"] is not None
    assert tianjin["history"][1]["created_by"] is None  # the migration's default

    one = await client.get(f"{API}/dibao_standard_fen", headers=headers)
    assert one.status_code == 200
    assert {r["region_code"] for r in one.json()["regions"]} == {TIANJIN, CHONGQING, TAIAN}


async def test_a_new_value_never_edits_the_old_row(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    today = policy_today()
    before = await PolicyParameter.select().where(PolicyParameter.name == "k_anonymity")
    assert (await add(client, headers, "k_anonymity", 6, today)).status_code == 201
    after = await PolicyParameter.select().where(PolicyParameter.name == "k_anonymity")
    assert [r for r in after if r["id"] in {b["id"] for b in before}] == before
    assert len(after) == len(before) + 1
    assert await int_at("k_anonymity", today - timedelta(days=1)) == 5  # the past re-derives
    assert await int_at("k_anonymity", today) == 6


# --------------------------------------------------------------------------------------------
# Future values: accepted, used once their date comes, withdrawable until then
# --------------------------------------------------------------------------------------------


async def test_future_value_is_used_once_its_date_comes(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    staff_headers = await api_token(client, (await make_user(Role.staff)).username)
    case = await create_case(client, staff_headers)
    row = await Case.select(Case.id, Case.verified_on).where(Case.ref_code == case["ref"]).first()
    assert row is not None
    case_id, verified = row["id"], row["verified_on"]
    today = policy_today()
    tomorrow = today + timedelta(days=1)
    response = await add(client, headers, "review_cycle_months.half_yearly", 3, tomorrow, TIANJIN)
    assert response.status_code == 201, response.text
    assert await review_due_on(case_id, today) == add_months(verified, 6)
    assert await review_due_on(case_id, tomorrow) == add_months(verified, 3)

    standard = await add(client, headers, "dibao_standard_fen", 120_000, tomorrow, TIANJIN)
    assert standard.status_code == 201
    now = await dibao_assessment(COMMUNITY, 150_000, 3, today)
    then = await dibao_assessment(COMMUNITY, 150_000, 3, tomorrow)
    assert now is not None and then is not None
    assert (now.standard_fen, now.gap_fen) == (111_000, 183_000)
    assert (then.standard_fen, then.gap_fen) == (120_000, 210_000)
    assert then.low_income_line_fen == 180_000 and then.tekun_minimum_fen == 156_000


async def test_digest_limits_are_read_at_the_digest_date(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    tomorrow = policy_today() + timedelta(days=1)
    name = "notification.digest_interval_minutes"
    assert (await add(client, headers, name, 180, tomorrow)).status_code == 201
    assert (await add(client, headers, "notification.digest_listed_max", 5, tomorrow)).is_success
    now = datetime.now(UTC)
    assert await digest_limits(now) == (timedelta(minutes=60), 20)
    assert await digest_limits(now + timedelta(days=2)) == (timedelta(minutes=180), 5)


async def test_a_future_value_may_be_withdrawn_and_nothing_else(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    future = policy_today() + timedelta(days=5)
    added = (await add(client, headers, "pledge_expiry_days", 45, future)).json()
    withdrawn = await client.delete(f"{API}/values/{added['id']}", headers=headers)
    assert withdrawn.status_code == 204
    assert not await PolicyParameter.exists().where(PolicyParameter.id == added["id"])
    assert await int_at("pledge_expiry_days", future) == 30

    in_force = (
        await PolicyParameter.select(PolicyParameter.id)
        .where(PolicyParameter.name == "pledge_expiry_days")
        .first()
    )
    assert in_force is not None
    refused = await client.delete(f"{API}/values/{in_force['id']}", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "policy_value_in_force"
    assert await PolicyParameter.exists().where(PolicyParameter.id == in_force["id"])
    missing = await client.delete(f"{API}/values/999999", headers=headers)
    assert missing.status_code == 404


# --------------------------------------------------------------------------------------------
# Past dates: refused when decisions used the parameter since then
# --------------------------------------------------------------------------------------------


async def test_past_k_is_refused_where_needs_were_published_since(
    client: httpx.AsyncClient,
) -> None:
    await publish_need(client)  # a need in 滨海新区, published today
    headers = await admin_headers(client)
    past = policy_today() - timedelta(days=10)

    refused = await add(client, headers, "k_anonymity", 6, past, BINHAI)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "policy_retroactive"
    assert body["field"] == "effective_from"
    assert body["message"] == (
        f"{past.isoformat()} 之后已有 1 条需求按旧值发布，不能追溯修改；请将生效日期设为今天或以后"
    )
    refused_platform = await add(client, headers, "k_anonymity", 6, past)
    assert refused_platform.status_code == 409
    # Nothing was published in Chongqing since then: the correction is allowed there.
    accepted = await add(client, headers, "k_anonymity", 6, past, JIANGBEI)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "in_force"
    # From today the change rewrites nothing.
    assert (await add(client, headers, "k_anonymity", 6, policy_today(), BINHAI)).is_success


async def test_review_cycle_counts_only_needs_of_households_on_that_cycle(
    client: httpx.AsyncClient,
) -> None:
    await publish_need(client)  # income not stable: a half-yearly household
    headers = await admin_headers(client)
    past = policy_today() - timedelta(days=3)
    refused = await add(client, headers, "review_cycle_months.half_yearly", 4, past, BINHAI)
    assert refused.status_code == 409
    assert "1 条需求" in refused.json()["message"]
    yearly = await add(client, headers, "review_cycle_months.yearly", 10, past, BINHAI)
    assert yearly.status_code == 201, yearly.text


async def test_past_dibao_standard_is_refused_once_cases_were_assessed(
    client: httpx.AsyncClient,
) -> None:
    staff_headers = await api_token(client, (await make_user(Role.staff)).username)
    await create_case(client, staff_headers)  # a 滨海新区 household, verified today
    headers = await admin_headers(client)
    past = policy_today() - timedelta(days=30)
    refused = await add(client, headers, "dibao_standard_fen", 112_000, past, TIANJIN)
    assert refused.status_code == 409
    assert "已有 1 户救助对象按旧值登记或复核" in refused.json()["message"]
    multiplier = await add(client, headers, "low_income_multiplier_permille", 1600, past)
    assert multiplier.status_code == 409
    accepted = await add(client, headers, "dibao_standard_fen", 80_000, past, CHONGQING)
    assert accepted.status_code == 201, accepted.text


async def test_digests_sent_since_a_date_block_a_past_digest_limit(
    client: httpx.AsyncClient,
) -> None:
    headers = await admin_headers(client)
    past = policy_today() - timedelta(days=2)
    name = "notification.digest_listed_max"
    assert await decisions_since(name, None, past) == 0
    org = await make_organisation()
    async with unit_of_work():
        row = await Organisation.select(Organisation.id).where(Organisation.public_id == org.id)
        org_id = row[0]["id"]
        await Notification.insert(
            Notification(
                public_id="digest-test-0001",
                organisation=org_id,
                kind=NotificationKind.need_digest,
                title="1条新发布的需求",
                body="……",
                created_at=datetime.now(UTC),
            )
        )
    assert await decisions_since(name, None, past) == 1
    refused = await add(client, headers, name, 10, past)
    assert refused.status_code == 409
    assert "已有 1 份需求摘要按旧值发送" in refused.json()["message"]


# --------------------------------------------------------------------------------------------
# Refusals of bad input and of roles
# --------------------------------------------------------------------------------------------


async def test_duplicate_name_region_date_is_a_conflict(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    future = policy_today() + timedelta(days=7)
    assert (await add(client, headers, "dibao_standard_fen", 1, future, TAIAN)).status_code == 201
    again = await add(client, headers, "dibao_standard_fen", 2, future, TAIAN)
    assert again.status_code == 409
    assert again.json()["code"] == "policy_value_duplicate"
    # The same date in another region, or for the platform, is another value.
    assert (await add(client, headers, "k_anonymity", 4, future)).status_code == 201
    assert (await add(client, headers, "k_anonymity", 4, future)).status_code == 409
    assert (await add(client, headers, "k_anonymity", 4, future, TAIAN)).status_code == 201


async def test_invalid_values_name_their_field_in_chinese(client: httpx.AsyncClient) -> None:
    headers = await admin_headers(client)
    future = policy_today() + timedelta(days=7)
    k_one = await add(client, headers, "k_anonymity", 1, future)
    assert k_one.status_code == 400
    assert k_one.json()["field"] == "value"
    assert k_one.json()["message"] == "公开匿名度 k应在 2 至 50 之间"
    unknown = await add(client, headers, "k_anon", 5, future)
    assert (unknown.status_code, unknown.json()["field"]) == (400, "name")
    regional = await add(client, headers, "pledge_expiry_days", 20, future, TIANJIN)
    assert regional.status_code == 400
    assert regional.json()["code"] == "policy_not_regional"
    nowhere = await add(client, headers, "k_anonymity", 5, future, "990000000000")
    assert (nowhere.status_code, nowhere.json()["field"]) == (400, "region_code")
    assert await value_at("k_anonymity", future) == 5


async def test_only_admins_add_and_auditors_read(client: httpx.AsyncClient) -> None:
    future = policy_today() + timedelta(days=7)
    auditor = await api_token(client, (await make_user(Role.auditor)).username)
    staff = await api_token(client, (await make_user(Role.staff)).username)
    member = await api_token(client, (await make_user(Role.org_member)).username)

    assert (await client.get(API, headers=auditor)).status_code == 200
    assert (await add(client, auditor, "k_anonymity", 6, future)).status_code == 403
    assert (await client.get(API, headers=staff)).status_code == 403
    assert (await add(client, staff, "k_anonymity", 6, future)).status_code == 403
    assert (await client.get(API, headers=member)).status_code == 403
    assert (await client.get(API)).status_code == 401
    assert not await PolicyParameter.exists().where(PolicyParameter.effective_from == future)

    admin = await admin_headers(client)
    added = (await add(client, admin, "k_anonymity", 6, future)).json()
    refused = await client.delete(f"{API}/values/{added['id']}", headers=auditor)
    assert refused.status_code == 403
    assert await PolicyParameter.exists().where(PolicyParameter.id == added["id"])


async def _pledge(client: httpx.AsyncClient, need_id: str) -> dict[str, Any]:
    org = await make_organisation()
    member = await make_user(Role.org_member, organisation_id=org.id)
    headers = {**await api_token(client, member.username), "Idempotency-Key": "policy-expiry"}
    response = await client.post(
        "/api/v1/pledges",
        json={"need_id": need_id, "organisation_id": org.id, "kind": "money", "amount_fen": 100},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_pledge_expires_by_the_value_in_force_on_its_day(
    client: httpx.AsyncClient,
) -> None:
    published = await publish_need(client, amount_fen=100_000)
    headers = await admin_headers(client)
    today = policy_today()
    assert (await add(client, headers, "pledge_expiry_days", 9, today)).status_code == 201
    pledge = await _pledge(client, published["need"]["id"])
    assert pledge["expires_on"] == (today + timedelta(days=9)).isoformat()


async def test_past_pledge_expiry_is_refused_once_pledges_were_made_since(
    client: httpx.AsyncClient,
) -> None:
    published = await publish_need(client, amount_fen=100_000)
    await _pledge(client, published["need"]["id"])
    headers = await admin_headers(client)
    past = policy_today() - timedelta(days=3)
    refused = await add(client, headers, "pledge_expiry_days", 9, past)
    assert refused.status_code == 409
    assert refused.json()["code"] == "policy_retroactive"
    assert "1 笔认捐" in refused.json()["message"]
