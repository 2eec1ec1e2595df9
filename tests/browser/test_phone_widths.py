"""Pages with wide tables fit a 390 px phone: the tables scroll or stack inside the page, and
long addresses wrap, so nothing makes the whole page scroll sideways."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.jobs.tables import DeadJob
from backend.ledger.sealing import seal
from tests.factories import PASSWORD, make_organisation, make_user
from tests.integration.disclosure.ledger_helpers import (
    publish_money_need,
    qualified_charity,
    record_story,
)
from tests.integration.donations.support import fundraising_need, offline_donation

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

PHONE = 390


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        locale="zh-CN", viewport={"width": PHONE, "height": 800}, is_mobile=True
    )
    yield await context.new_page()
    await context.close()


async def page_width(page: Page, url: str) -> int:
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width


async def test_wide_tables_and_long_links_fit_a_phone(live_server: str, phone: Page) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        need = await publish_money_need(client)
        donation = await offline_donation(
            client, await fundraising_need(client), 12_300, "PHONE0001"
        )
    charity = await qualified_charity("滨海仁爱慈善基金会")
    team = await make_organisation(name="塘沽志愿服务队")
    await record_story(need["need_id"], charity.id, team.id)
    async with unit_of_work():
        await seal()
    await DeadJob.insert(
        DeadJob(
            name="notifications.email_notification",
            args="[42]",
            error_type="SMTPServerDisconnected",
            error_message="Connection unexpectedly closed " * 20,
            tries=5,
        )
    )

    public = [
        f"/disclosure/needs/{need['need_id']}",
        f"/donations/{donation['id']}/receipt",
        "/disclosure/open-data",
    ]
    for path in public:
        assert await page_width(phone, live_server + path) <= PHONE, path

    admin = await make_user(Role.admin)
    await phone.goto(live_server + "/login")
    await phone.get_by_label("用户名").fill(admin.username)
    await phone.get_by_label("密码").fill(PASSWORD)
    await phone.get_by_role("button", name="登录").click()
    await phone.wait_for_url(live_server + "/")
    for path in ("/audit", "/manage/jobs", "/manage/policy"):
        assert await page_width(phone, live_server + path) <= PHONE, path
