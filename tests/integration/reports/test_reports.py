"""Reports per region and month: the figures on a known dataset, and who may read which."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from tests.factories import api_token, make_user, web_login
from tests.integration.reports import dataset
from tests.integration.reports.dataset import (
    BINHAI,
    GUANYINQIAO,
    HANGZHOUDAO,
    JIANGBEI,
    TANGGU,
    XINCHENG,
    YEAR,
    ZIYUNYUAN,
)

pytestmark = pytest.mark.usefixtures("database")


async def _report(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> httpx.Response:
    return await client.get("/api/v1/reports", params=params, headers=headers)


def _sub(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in report["sub_regions"] if s["code"] == code)


def _month(rows: list[dict[str, Any]], month: int) -> dict[str, Any]:
    return next(m for m in rows if m["month"] == month)


async def test_district_report_by_street_and_month(client: httpx.AsyncClient) -> None:
    await dataset.build(client)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    response = await _report(client, await api_token(client, reviewer.username), year=YEAR)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["region_code"] == BINHAI and report["region_name"] == "滨海新区"
    assert report["sub_region_level"] == "街道乡镇"
    # every street of the district is a row, with or without data; 江北 is not
    codes = [s["code"] for s in report["sub_regions"]]
    assert len(codes) == 15 and TANGGU in codes and HANGZHOUDAO in codes
    assert GUANYINQIAO not in codes

    tanggu = _sub(report, TANGGU)
    jan, feb, mar, apr = (_month(tanggu["months"], m) for m in (1, 2, 3, 4))
    # case A in January and March, case B on 1 March 01:00 Beijing (29 February in UTC)
    assert (jan["cases_referred"], feb["cases_referred"], mar["cases_referred"]) == (1, 0, 2)
    assert tanggu["total"]["cases_referred"] == 2  # A referred twice counts once in the year
    # n2's published region is the district, but its case lives in 塘沽
    assert (jan["needs_published"], mar["needs_published"]) == (1, 2)
    assert tanggu["total"]["needs_published"] == 3
    # fully pledged: n1 after 2 days 23 hours (2 whole days), n2 10 and n3 4 days in March
    assert jan["needs_fully_pledged"] == 1 and jan["median_days_to_fully_pledged"] == 2
    assert mar["needs_fully_pledged"] == 2 and mar["median_days_to_fully_pledged"] == 7
    assert tanggu["total"]["median_days_to_fully_pledged"] == 4
    assert feb["median_days_to_fully_pledged"] is None
    # fulfilled: n1 after 39 days (February), n3 after 28 days (March)
    assert feb["needs_fulfilled"] == 1 and feb["median_days_to_fulfilled"] == 39
    assert mar["needs_fulfilled"] == 1 and mar["median_days_to_fulfilled"] == 28
    assert tanggu["total"]["median_days_to_fulfilled"] == 33.5
    # pledged net of cancelled and expired pledges; the donation is not a pledge
    assert [m["pledged_fen"] for m in (jan, feb, mar, apr)] == [15_000, -3_000, 20_000, -5_000]
    assert tanggu["total"]["pledged_fen"] == 27_000
    assert feb["disbursed_fen"] == 7_000 and tanggu["total"]["disbursed_fen"] == 7_000

    hangzhoudao = _sub(report, HANGZHOUDAO)
    assert hangzhoudao["total"]["cases_referred"] == 1  # the draft referral is not counted
    assert _month(hangzhoudao["months"], 2)["pledged_hours"] == 6
    assert hangzhoudao["total"]["pledged_fen"] == 0

    total = report["total"]
    assert total["cases_referred"] == 3
    assert total["needs_published"] == 4
    assert total["pledged_fen"] == 27_000 and total["pledged_hours"] == 6
    assert total["disbursed_fen"] == 7_000
    assert total["median_days_to_fully_pledged"] == 4
    by_month = report["months"]
    assert [_month(by_month, m)["cases_referred"] for m in (1, 2, 3)] == [1, 1, 2]
    assert _month(by_month, 3)["median_days_to_fully_pledged"] == 7


async def test_platform_report_for_auditor_groups_by_province(client: httpx.AsyncClient) -> None:
    await dataset.build(client)
    auditor = await make_user(Role.auditor)
    report = (await _report(client, await api_token(client, auditor.username), year=YEAR)).json()
    assert report["region_code"] is None and report["region_name"] == "全平台"
    assert [s["code"] for s in report["sub_regions"]] == [
        "120000000000",
        "370000000000",
        "500000000000",
    ]
    chongqing = _sub(report, "500000000000")
    # D's referral of 31 December 2023 (Beijing) belongs to 2023
    assert chongqing["total"]["cases_referred"] == 1
    assert chongqing["total"]["pledged_fen"] == 8_000
    assert _month(chongqing["months"], 3)["disbursed_fen"] == 8_000
    total = report["total"]
    assert total["cases_referred"] == 4 and total["needs_published"] == 5
    # the pledge at 01:00 on 1 January 2025 Beijing belongs to 2025
    assert total["pledged_fen"] == 35_000 and total["disbursed_fen"] == 15_000
    # March: fully pledged after 10, 4 and 9 days
    assert _month(report["months"], 3)["median_days_to_fully_pledged"] == 9
    later = (await _report(client, await api_token(client, auditor.username), year=YEAR + 1)).json()
    assert later["total"]["pledged_fen"] == 999 and later["total"]["needs_published"] == 0


async def test_street_staff_sees_communities_of_their_street_by_default(
    client: httpx.AsyncClient,
) -> None:
    await dataset.build(client)
    staff = await make_user(Role.staff, region_code=TANGGU)
    report = (await _report(client, await api_token(client, staff.username), year=YEAR)).json()
    assert report["region_code"] == TANGGU and report["sub_region_level"] == "社区村"
    assert _sub(report, ZIYUNYUAN)["total"]["needs_published"] == 2
    assert _sub(report, XINCHENG)["total"]["needs_published"] == 1
    assert report["total"]["pledged_fen"] == 27_000


@pytest.mark.parametrize("region", [HANGZHOUDAO, BINHAI, JIANGBEI])
async def test_staff_cannot_read_another_region(client: httpx.AsyncClient, region: str) -> None:
    staff = await make_user(Role.staff, region_code=TANGGU)
    headers = await api_token(client, staff.username)
    response = await _report(client, headers, region=region, year=YEAR)
    assert response.status_code == 403
    assert response.json()["code"] == "region_out_of_scope"
    await web_login(client, staff.username)
    for path in ("/reports", "/reports/export.csv", "/reports/export.xlsx"):
        assert (await client.get(path, params={"region": region})).status_code == 403, path


async def test_refusal_page_says_why(client: httpx.AsyncClient) -> None:
    staff = await make_user(Role.staff, region_code=TANGGU)
    await web_login(client, staff.username)
    response = await client.get("/reports", params={"region": JIANGBEI})
    assert response.status_code == 403
    assert "该地区不在您的管辖范围内" in response.text


@pytest.mark.parametrize("role", [Role.org_member, Role.volunteer])
async def test_organisation_members_and_volunteers_are_refused(
    client: httpx.AsyncClient, role: Role
) -> None:
    user = await make_user(role)
    headers = await api_token(client, user.username)
    assert (await client.get("/api/v1/reports", headers=headers)).status_code == 403
    await web_login(client, user.username)
    for path in ("/reports/export.csv", "/reports/export.xlsx"):
        assert (await client.get(path)).status_code == 403, path
    page = await client.get("/reports")
    assert page.status_code == 403
    assert 'href="/reports"' not in page.text  # no nav link either


async def test_anonymous_is_sent_to_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/reports")).status_code == 401
    response = await client.get("/reports", follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]


async def test_bad_filters_name_their_field(client: httpx.AsyncClient) -> None:
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    headers = await api_token(client, reviewer.username)
    bad_region = await _report(client, headers, region="12011600")
    assert bad_region.status_code == 400 and bad_region.json()["field"] == "region"
    unknown = await _report(client, headers, region="120116999000")
    assert unknown.status_code == 404 and unknown.json()["field"] == "region"
    bad_year = await _report(client, headers, year=1999)
    assert bad_year.status_code == 400 and bad_year.json()["field"] == "year"


async def test_report_page_shows_tables_charts_and_selectors(client: httpx.AsyncClient) -> None:
    await dataset.build(client)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    await web_login(client, reviewer.username)
    response = await client.get("/reports", params={"year": YEAR})
    assert response.status_code == 200
    html = response.text
    assert "统计报表：滨海新区 2024 年" in html
    assert 'href="/reports" aria-current="page"' in html  # the nav entry
    assert html.count("<svg") == 3 and 'role="img"' in html
    assert "¥270.00" in html and "¥70.00" in html  # pledged and disbursed in the year
    assert f'href="/reports?region={TANGGU}&amp;year={YEAR}">塘沽街道</a>' in html
    assert f'href="/reports/export.csv?region={BINHAI}&amp;year={YEAR}"' in html
    # the selector offers the district and its streets, nothing outside the scope
    assert f'<option value="{BINHAI}" selected>' in html
    assert f'value="{TANGGU}"' in html and f'value="{GUANYINQIAO}"' not in html
    assert "全平台" not in html
    # the rows: months and the streets, with totals
    assert f"{YEAR}-03" in html and "全年合计" in html and "按街道乡镇" in html
