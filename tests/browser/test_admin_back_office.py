"""The back office in a real browser: an admin logs in on the AidBridge form, opens /admin,
edits an organisation and a region and saves; a staff member is refused.

Set SCREENSHOT_DIR to keep screenshots of the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from backend.accounts.tables import Role
from backend.organisations.tables import Organisation
from backend.regions.tables import Region
from tests.factories import PASSWORD, TANGGU, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


async def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _log_in(page: Page, base: str, username: str, next_path: str = "/") -> None:
    await page.goto(f"{base}/login?next={next_path}")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()


async def test_admin_edits_an_organisation_and_a_region(live_server: str, page: Page) -> None:
    admin = await make_user(Role.admin)
    org = await make_organisation(verified=False, name="滨海新区助学慈善会")
    row = await Organisation.select(Organisation.id).where(Organisation.public_id == org.id).first()

    # the nav of the main site leads an admin to the back office
    await _log_in(page, live_server, admin.username)
    await page.get_by_role("link", name="后台管理").click()
    await expect(page).to_have_url(live_server + "/admin/#/")
    await expect(page.get_by_text("organisation").first).to_be_visible()
    await _screenshot(page, "admin-home")

    # edit an organisation: rename it and mark it verified, then save
    await page.goto(f"{live_server}/admin/#/organisation/{row['id']}")
    name = page.locator("input[name='name']")
    await expect(name).to_have_value("滨海新区助学慈善会")
    await expect(page.get_by_text("统一社会信用代码").first).to_be_visible()  # Chinese labels
    await name.fill("滨海新区助学促进会")
    await page.locator("select[name='verified']").select_option(label="True")
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_text("Successfully saved row")).to_be_visible()
    await _screenshot(page, "admin-organisation-saved")
    saved = (
        await Organisation.select(Organisation.name, Organisation.verified)
        .where(Organisation.id == row["id"])
        .first()
    )
    assert saved == {"name": "滨海新区助学促进会", "verified": True}

    # a rule the back office keeps: a wrong check character is refused with a reason
    await page.locator("input[name='uscc']").fill(
        org.uscc[:-1] + ("0" if org.uscc[-1] != "0" else "1")
    )
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_text("统一社会信用代码校验位错误").first).to_be_visible()
    await _screenshot(page, "admin-organisation-refused")

    # edit a region's name
    await page.goto(f"{live_server}/admin/#/region/{TANGGU}")
    region_name = page.locator("input[name='name']")
    await expect(region_name).to_have_value("塘沽街道")
    await region_name.fill("塘沽街道（测试）")
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_text("Successfully saved row")).to_be_visible()
    region = await Region.select(Region.name).where(Region.code == TANGGU).first()
    await Region.update({Region.name: "塘沽街道"}).where(Region.code == TANGGU)
    assert region == {"name": "塘沽街道（测试）"}


async def test_staff_is_refused_and_anonymous_is_sent_to_login(
    live_server: str, page: Page
) -> None:
    await page.goto(live_server + "/admin/")
    await expect(page).to_have_url(live_server + "/login?next=%2Fadmin%2F")

    staff = await make_user(Role.staff)
    await page.get_by_label("用户名").fill(staff.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("只有平台管理员可以进入后台管理")
    await expect(page.get_by_role("link", name="后台管理")).to_have_count(0)
    await _screenshot(page, "admin-refused")
