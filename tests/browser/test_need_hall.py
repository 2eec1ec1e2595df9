"""The need hall in a real browser: an anonymous visitor searches, filters and opens a need;
the hall works without JavaScript and fits a phone.

Needs are published through the live server's API, so its own in-process job indexes them, as
in production. Set SCREENSHOT_DIR to keep screenshots of the hall at 1000 px and 375 px.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from backend.accounts.tables import Role
from backend.needs.search_sync import close_search_index, search_index
from tests.factories import BINHAI, JIANGBEI, api_token, make_user
from tests.integration.needs.test_search_api import (
    GUANYINQIAO_COMMUNITY,
    NARRATIVE_LI,
    TANGGU_COMMUNITY,
    li_items,
    li_members,
    lookalikes,
    publish,
)
from tests.people import member

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


async def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _no_horizontal_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the screen"


async def _empty_shared_index() -> None:
    """Swap an empty generation into the index under the test VAR_DIR.

    That index outlives the truncated tables, so it holds earlier tests' needs. It cannot be
    cleared in place either: tantivy allows one writer per index across processes, and the live
    server keeps the writer once it has published a need. A generation built aside and swapped
    in (what ``aidbridge reindex`` does) needs no such lock; the live server follows the swap
    on its next call, and whoever writes next takes the new generation's writer.
    """
    live = await search_index()
    await live.swap(await live.build_aside())
    await close_search_index()


@pytest.fixture
async def needs(live_server: str) -> AsyncIterator[dict[str, Any]]:
    """Two households' needs, published through the live server (whose job indexes them)."""
    await _empty_shared_index()
    staff, reviewer = (
        await make_user(Role.staff),
        await make_user(Role.reviewer, region_code=BINHAI),
    )
    staff_jb = await make_user(Role.staff, region_code=JIANGBEI)
    reviewer_jb = await make_user(Role.reviewer, region_code=JIANGBEI)
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        headers = {
            name: await api_token(client, user.username)
            for name, user in (
                ("staff", staff),
                ("reviewer", reviewer),
                ("staff_jb", staff_jb),
                ("reviewer_jb", reviewer_jb),
            )
        }
        await lookalikes(
            client,
            headers["staff"],
            region_code=TANGGU_COMMUNITY,
            members=lambda: [
                member(head=True, female=True),
                member(relation="子女", born=date(2010, 5, 1)),
            ],
            categories=("medical", "education"),
        )
        _, wang = await publish(client, headers["staff"], headers["reviewer"])
        _, li = await publish(
            client,
            headers["staff_jb"],
            headers["reviewer_jb"],
            narrative=NARRATIVE_LI,
            items=li_items(),
            region_code=GUANYINQIAO_COMMUNITY,
            members=li_members(),
        )
    yield {"dialysis": wang[0], "schoolbag": wang[1], "wheelchair": li[0], "counselling": li[1]}
    await _empty_shared_index()  # leave no needs, and no lock, to the tests that follow


async def test_a_visitor_searches_filters_and_opens_a_need(
    live_server: str, page: Page, needs: dict[str, Any]
) -> None:
    await page.set_viewport_size({"width": 1000, "height": 900})
    await page.goto(live_server + "/")
    await page.get_by_role("link", name="需求大厅").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("需求大厅")
    await expect(page.locator("#result-count")).to_have_text("共 4 条")

    await page.get_by_label("搜索需求").fill("透析")
    await page.get_by_role("button", name="搜索").click()
    count = page.locator("#result-count")
    await expect(count).to_have_text("共 2 条")
    await expect(page).to_have_url(re.compile(r"/needs\?q=%E9%80%8F%E6%9E%90"))
    first = page.locator(".hit").first
    await expect(first.get_by_role("link")).to_have_text("血液透析费用资助")
    # Thesaurus words are marked too: 血液透析 is one for 透析, and 尿毒症 a related one.
    await expect(first.locator("h3 mark").first).to_contain_text("透析")
    await expect(first.locator(".hit-story mark").filter(has_text="透析").first).to_be_visible()
    await expect(first).to_contain_text("¥20,000.00")
    await _screenshot(page, "need-hall-1000")

    # A facet: tick 资金 (htmx swaps the results and pushes the URL).
    await page.get_by_role("checkbox", name=re.compile("^资金")).check()
    await expect(count).to_have_text("共 1 条")
    await expect(page).to_have_url(re.compile(r"kind=money"))
    await expect(page.get_by_role("checkbox", name=re.compile("^资金"))).to_be_checked()
    # 物资 keeps its count although 资金 is ticked: ticking it too would add that need.
    await expect(page.get_by_role("checkbox", name=re.compile("^物资"))).to_be_visible()
    await page.get_by_role("checkbox", name=re.compile("^资金")).uncheck()
    await expect(count).to_have_text("共 2 条")

    # A bad amount: the reason shows where the results were (htmx swaps the 400 in too).
    await page.get_by_label("最低").fill("12.345")
    await page.get_by_label("最低").press("Tab")
    await expect(page.get_by_role("alert")).to_contain_text("最低金额")
    await expect(count).to_have_text("未能完成检索")
    await page.get_by_label("最低").fill("")
    await page.get_by_label("最低").press("Tab")
    await expect(count).to_have_text("共 2 条")

    # A region link: 滨海新区, then its street.
    await page.locator("#facet-groups").get_by_role("link", name="滨海新区").click()
    await expect(page).to_have_url(re.compile(r"region=120116000000"))
    await expect(page.locator(".facet-chosen")).to_contain_text("滨海新区")
    await page.locator("#facet-groups").get_by_role("link", name="塘沽街道").click()
    await expect(page.locator(".facet-chosen")).to_contain_text("滨海新区塘沽街道")
    await expect(count).to_have_text("共 2 条")

    await page.get_by_role("link", name="血液透析费用资助").click()
    await expect(page).to_have_url(f"{live_server}/needs/{needs['dialysis']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("血液透析费用资助")
    await expect(page.get_by_text("政府已救助 ¥3,000.00")).to_be_visible()
    await expect(page.locator("main")).not_to_contain_text("王秀英")
    await _screenshot(page, "need-page-1000")
    await page.go_back()
    await expect(count).to_have_text("共 2 条")
    await expect(page.get_by_label("搜索需求")).to_have_value("透析")


async def test_the_hall_works_without_javascript(
    live_server: str, browser: Browser, needs: dict[str, Any]
) -> None:
    context = await browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(live_server + "/needs")
        await page.get_by_label("搜索需求").fill("轮椅")
        await page.get_by_role("button", name="搜索").click()
        await expect(page).to_have_url(re.compile(r"q=%E8%BD%AE%E6%A4%85"))
        await expect(page.locator(".hit").first.get_by_role("link")).to_have_text(
            "偏瘫老人需要轮椅"
        )
        await page.get_by_role("checkbox", name=re.compile("^服务")).check()
        await page.get_by_role("button", name="应用筛选").click()
        await expect(page.locator("#result-count")).to_have_text("共 1 条")
        await expect(page.locator(".hit").first.get_by_role("link")).to_have_text(
            "照护家属心理疏导"
        )
        await page.get_by_label("最低").fill("abc")
        await page.get_by_role("button", name="应用筛选").click()
        await expect(page.get_by_role("alert")).to_contain_text("最低金额")
        await _screenshot(page, "need-hall-400-nojs")
        await expect(page.get_by_label("搜索需求")).to_have_value("轮椅")
    finally:
        await context.close()


async def test_the_hall_fits_a_phone(
    live_server: str, phone_page: Page, needs: dict[str, Any]
) -> None:
    page = phone_page
    await page.goto(live_server + "/needs?q=透析")
    await expect(page.locator("#result-count")).to_have_text("共 2 条")
    panel = page.locator("#facet-panel")
    await expect(panel).not_to_have_attribute("open", "")  # folded: results come first
    await _no_horizontal_scroll(page)
    await _screenshot(page, "need-hall-375")

    await page.get_by_text("筛选条件").click()
    await page.get_by_role("checkbox", name=re.compile("^急难")).check()
    await expect(page.locator("#result-count")).to_have_text("共 1 条")
    await expect(panel).to_have_attribute("open", "")  # the swap leaves the panel open
    await _no_horizontal_scroll(page)
    await _screenshot(page, "need-hall-375-filters")

    await page.goto(f"{live_server}/needs/{needs['schoolbag']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("初中生学习用品")
    await _no_horizontal_scroll(page)
    await _screenshot(page, "need-page-375")
