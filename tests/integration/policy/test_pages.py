"""The /manage/policy page without a browser, and the 低保 assessment on the case page."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from backend.accounts.tables import Role
from backend.policy.service import int_at, policy_today
from backend.policy.tables import PolicyParameter
from tests.cases_factory import COMMUNITY, create_case
from tests.factories import api_token, csrf_token, make_user, web_login
from tests.people import member

pytestmark = pytest.mark.usefixtures("database")

PAGE = "/manage/policy"
TIANJIN = "120000000000"


async def login(client: httpx.AsyncClient, role: Role) -> None:
    user = await make_user(role)
    assert (await web_login(client, user.username)).status_code == 303


async def post_form(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    token = await csrf_token(client, PAGE)
    form = {"name": "", "region_code": "", "value": "", "effective_from": "", "note": ""}
    return await client.post(PAGE, data={**form, **fields, "_csrf_token": token})


async def test_admin_sees_every_parameter_per_region(client: httpx.AsyncClient) -> None:
    await login(client, Role.admin)
    page = await client.get(PAGE)
    assert page.status_code == 200
    html = page.text
    assert 'href="/manage/policy" aria-current="page"' in html  # the nav link
    labels = ("低保标准", "低收入家庭认定倍数", "认捐有效期", "公开匿名度 k", "需求摘要最短间隔")
    assert all(label in html for label in labels)
    assert "1,110.00 元/人·月" in html and "790.00 元/人·月" in html
    assert "泰安市" in html and "1.5 倍" in html
    assert 'action="/manage/policy"' in html  # the form


async def test_adding_a_value_in_yuan_schedules_it(client: httpx.AsyncClient) -> None:
    await login(client, Role.admin)
    future = policy_today() + timedelta(days=20)
    response = await post_form(
        client,
        name="dibao_standard_fen",
        region_code=TIANJIN,
        value="1,180.50",
        effective_from=future.isoformat(),
        note="2026年调标",
    )
    assert response.status_code == 303, response.text
    page = (await client.get(PAGE)).text
    assert "已添加低保标准（天津市）：1,180.50 元/人·月" in page
    assert f"{future.isoformat()} 起为 1,180.50 元/人·月" in page  # the next change
    assert await int_at("dibao_standard_fen", future, COMMUNITY) == 118_050
    assert await int_at("dibao_standard_fen", policy_today(), COMMUNITY) == 111_000

    # Withdrawing it from the page.
    row = (
        await PolicyParameter.select(PolicyParameter.id)
        .where(PolicyParameter.effective_from == future)
        .first()
    )
    assert row is not None
    assert f"/manage/policy/values/{row['id']}/withdraw" in page
    token = await csrf_token(client, PAGE)
    withdrawn = await client.post(
        f"{PAGE}/values/{row['id']}/withdraw", data={"_csrf_token": token}
    )
    assert withdrawn.status_code == 303
    assert "已撤回尚未生效的取值" in (await client.get(PAGE)).text
    assert not await PolicyParameter.exists().where(PolicyParameter.id == row["id"])


async def test_form_errors_are_in_chinese_beside_their_field(client: httpx.AsyncClient) -> None:
    await login(client, Role.admin)
    empty = await post_form(client, name="dibao_standard_fen")
    assert empty.status_code == 400
    assert "请填写低保标准" in empty.text
    assert "请填写生效日期" in empty.text
    assert 'id="value-error"' in empty.text

    bad = await post_form(
        client,
        name="low_income_multiplier_permille",
        value="1.23456",
        effective_from=policy_today().isoformat(),
    )
    assert bad.status_code == 400
    assert "低收入家庭认定倍数最多保留 3 位小数" in bad.text

    regional = await post_form(
        client,
        name="pledge_expiry_days",
        region_code=TIANJIN,
        value="20",
        effective_from=policy_today().isoformat(),
    )
    assert regional.status_code == 400
    assert "该参数全平台统一，不能按地区设置" in regional.text
    assert 'value="20"' in regional.text  # what was typed is shown again


async def test_past_date_refusal_is_shown_beside_the_date(client: httpx.AsyncClient) -> None:
    staff_headers = await api_token(client, (await make_user(Role.staff)).username)
    await create_case(client, staff_headers)
    await login(client, Role.admin)
    past = policy_today() - timedelta(days=5)
    response = await post_form(
        client,
        name="dibao_standard_fen",
        region_code=TIANJIN,
        value="1200",
        effective_from=past.isoformat(),
    )
    assert response.status_code == 409
    assert (
        f"{past.isoformat()} 之后已有 1 户救助对象按旧值登记或复核，不能追溯修改" in response.text
    )
    assert 'id="effective_from-error"' in response.text


async def test_auditor_reads_without_the_form_and_staff_is_refused(
    client: httpx.AsyncClient,
) -> None:
    await login(client, Role.auditor)
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "低保标准" in page.text
    assert 'action="/manage/policy"' not in page.text and "withdraw" not in page.text
    token = await csrf_token(client, PAGE)
    refused = await client.post(
        PAGE,
        data={
            "name": "k_anonymity",
            "value": "6",
            "effective_from": (policy_today() + timedelta(days=3)).isoformat(),
            "_csrf_token": token,
        },
    )
    assert refused.status_code == 403
    assert await int_at("k_anonymity", policy_today() + timedelta(days=3)) == 5

    async with httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as other:
        await login(other, Role.staff)
        assert (await other.get(PAGE)).status_code == 403


async def test_case_page_shows_the_dibao_assessment(client: httpx.AsyncClient) -> None:
    staff = await make_user(Role.staff)
    headers = await api_token(client, staff.username)
    case = await create_case(
        client,
        headers,
        members=[
            member(head=True, monthly_income_fen=100_000),
            member(relation="子女", monthly_income_fen=50_000),
            member(relation="配偶", female=True),
        ],
    )
    assert (await web_login(client, staff.username)).status_code == 303
    page = (await client.get(f"/cases/{case['ref']}")).text
    section = re.search(r'<section aria-labelledby="dibao-title".*?</section>', page, re.S)
    assert section is not None
    text = section.group(0)
    assert "天津市执行的低保标准（2024-01-01 起）" in text
    assert "¥1,110.00 /人·月" in text  # the standard
    assert "¥500.00" in text  # 1500 yuan / 3 people
    assert "¥1,665.00 /人·月" in text  # low-income line, 1.5 ×
    assert "¥1,443.00 /人·月" in text  # 特困 floor, 1.3 ×
    assert "人均收入低于低保标准" in text
    assert "¥1,830.00 /月" in text  # (1110 − 500) × 3
