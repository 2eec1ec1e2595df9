"""Disclosure pages: totals from the ledger, due dates, caching that follows every change, 404s."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from backend.db import unit_of_work
from backend.ledger.sealing import seal
from backend.needs.tables import Need, NeedStatus
from matching.ledger import EntryKind
from tests.factories import make_organisation
from tests.integration.disclosure.ledger_helpers import (
    EVIDENCE,
    append,
    publish_money_need,
    qualified_charity,
    record_story,
)

pytestmark = pytest.mark.usefixtures("database")


def figure(html: str, label: str) -> str:
    """The value shown under a figure's label."""
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", html)
    assert found, f"no figure {label}"
    return found.group(1)


async def test_need_page_shows_totals_timeline_and_due_date(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    charity = await qualified_charity("滨海仁爱慈善基金会")
    team = await make_organisation(name="塘沽志愿服务队")
    ids = await record_story(need["need_id"], charity.id, team.id)

    response = await client.get(f"/disclosure/needs/{need['need_id']}")
    assert response.status_code == 200
    html = response.text
    assert figure(html, "目标金额") == "¥20,000.00"
    assert figure(html, "政府已救助") == "¥3,000.00"
    assert figure(html, "认捐资金（净额）") == "¥4,000.00"
    assert figure(html, "认捐物资估值（净额）") == "¥300.00"
    assert figure(html, "认捐服务（净时长）") == "6 小时"
    assert figure(html, "社会捐赠（扣除退款）") == "¥2,300.00"
    assert figure(html, "已拨付") == "¥1,200.00"
    assert figure(html, "拨付已核实") == "¥1,200.00"
    assert figure(html, "尚需") == "¥20,000.00"  # the need's own counter: no real pledge made
    assert "公开账本记录（10 条）" in html
    assert html.count(">待签入<") == 10
    assert "滨海仁爱慈善基金会" in html and "塘沽志愿服务队" in html
    assert "医院" in html  # payee kind
    assert f"<code>{EVIDENCE[:12]}…</code>" in html and f">{EVIDENCE}</code>" in html
    for entry_id in ids.values():
        assert f'href="/disclosure/verify?entry={entry_id}"' in html
    assert "定期公开" in html  # a running project's next periodic disclosure
    assert '<svg role="img" aria-label="本页链接的二维码"' in html
    assert f"http://testserver.local/disclosure/needs/{need['need_id']}" in html
    assert "<svg" in html and 'class="chart"' in html


async def test_cache_follows_new_entries_sealing_and_status(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    charity = await qualified_charity("河西助学会")
    url = f"/disclosure/needs/{need['need_id']}"
    first = await client.get(url)
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304

    entry = await append(
        EntryKind.pledge,
        amount_fen=123_400,
        need=need["need_id"],
        organisation=charity.id,
        details={"pledge_kind": "money"},
    )
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200, "a new ledger entry must show at once"
    assert entry in changed.text and "¥1,234.00" in changed.text
    assert changed.headers["etag"] != etag

    async with unit_of_work():
        await seal()
    sealed = await client.get(url)
    assert ">待签入<" not in sealed.text and ">#1<" in sealed.text

    async with unit_of_work():
        await Need.update(
            {Need.status: NeedStatus.closed, Need.closed_at: datetime.now(UTC)}
        ).where(Need.public_id == need["need_id"])
    closed = await client.get(url)
    assert "已关闭" in closed.text and "结项公开" in closed.text

    platform = await client.get("/disclosure")
    assert "¥1,234.00" in platform.text
    await append(
        EntryKind.pledge,
        amount_fen=100,
        need=need["need_id"],
        organisation=charity.id,
        details={"pledge_kind": "money"},
    )
    assert "¥1,235.00" in (await client.get("/disclosure")).text
    rows = (await client.get("/api/v1/disclosure/entries.json")).json()
    assert len(rows) == 3  # government aid and the two pledges


async def test_organisation_page(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    charity = await qualified_charity("滨海仁爱慈善基金会", certificate="津民募字2024第017号")
    team = await make_organisation(name="塘沽志愿服务队")
    await record_story(need["need_id"], charity.id, team.id)

    html = (await client.get(f"/disclosure/organisations/{charity.id}")).text
    assert "津民募字2024第017号" in html and "具备" in html
    assert figure(html, "认捐资金（净额）") == "¥4,000.00"
    assert figure(html, "社会捐赠（扣除退款）") == "¥2,300.00"
    assert figure(html, "转入非定向资金") == "¥500.00"
    assert figure(html, "已拨付") == "¥1,200.00"
    assert f'href="/disclosure/needs/{need["need_id"]}"' in html
    assert "分需求明细（1 项）" in html

    team_html = (await client.get(f"/disclosure/organisations/{team.id}")).text
    assert figure(team_html, "认捐服务（净时长）") == "6 小时"
    assert "不具备" in team_html


async def test_platform_page_charts_by_region_category_month(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client, category="education")
    charity = await qualified_charity("滨海仁爱慈善基金会")
    team = await make_organisation(name="塘沽志愿服务队")
    await record_story(need["need_id"], charity.id, team.id)
    response = await client.get("/disclosure")
    assert response.status_code == 200
    html = response.text
    assert figure(html, "社会捐赠（扣除退款）") == "¥2,300.00"
    # k-anonymity may have widened the region; the chart groups by district where known.
    # The 市辖区 placeholder of the division table is never a label.
    region_chart = html[html.index("各区县认捐金额") : html.index("各区县社会捐赠金额")]
    assert re.search(r"<title>天津市(滨海新区)?：¥4,300.00</title>", region_chart)
    assert "市辖区" not in region_chart
    assert "各类别认捐金额（款物折价）" in html and "教育" in html
    assert "每月认捐、捐赠与拨付金额" in html
    assert html.count('role="img"') >= 5  # four charts and the QR code
    assert f"/disclosure/organisations/{charity.id}" in html
    assert f"/disclosure/needs/{need['need_id']}" in html


@pytest.mark.parametrize(
    "path",
    [
        "/disclosure/needs/no-such-need",
        "/disclosure/organisations/no-such-org",
        "/disclosure/verify?entry=no-such-entry",
    ],
)
async def test_unknown_ids_are_404_pages(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


async def test_verify_page_states(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    entry = await append(
        EntryKind.pledge, amount_fen=1, need=need["need_id"], details={"pledge_kind": "money"}
    )
    pending = (await client.get(f"/disclosure/verify?entry={entry}")).text
    assert "尚未签入树头" in pending and "ledger-verify.js" not in pending
    async with unit_of_work():
        await seal()
    ready = (await client.get(f"/disclosure/verify?entry={entry}")).text
    assert f'data-entry="{entry}"' in ready and "/static/ledger-verify.js" in ready
    assert "个人志愿者" in ready
    blank = await client.get("/disclosure/verify")
    assert blank.status_code == 200 and 'name="entry"' in blank.text


async def test_nav_and_need_page_link_to_disclosure(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    html = (await client.get(f"/needs/{need['need_id']}")).text
    assert f'href="/disclosure/needs/{need["need_id"]}"' in html
    assert 'href="/disclosure"' in html


async def test_organisation_names_are_escaped_everywhere(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    evil = await make_organisation(name="<script>alert(1)</script>慈善会")
    await append(
        EntryKind.pledge, amount_fen=500, need=need["need_id"], organisation=evil.id,
        details={"pledge_kind": "money"},
    )  # fmt: skip
    for path in (
        f"/disclosure/needs/{need['need_id']}",
        f"/disclosure/organisations/{evil.id}",
        "/disclosure",
    ):
        html = (await client.get(path)).text
        assert "<script>alert(1)" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;慈善会" in html, path
