"""A person logs in and out in a real browser."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from backend.accounts.tables import Role
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]


async def _log_in(page: Page, base: str, username: str, password: str) -> None:
    await page.goto(base + "/")
    await page.get_by_role("link", name="登录").click()
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def test_staff_logs_in_and_out(live_server: str, page: Page) -> None:
    user = await make_user(Role.staff)

    await _log_in(page, live_server, user.username, PASSWORD)

    await expect(page).to_have_url(live_server + "/")
    await expect(page.get_by_text(user.display_name).first).to_be_visible()
    await expect(page.get_by_role("heading", name="平台数据")).to_be_visible()
    await expect(page.get_by_text("管辖地区：塘沽街道")).to_be_visible()

    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("link", name="登录")).to_be_visible()
    await expect(page.get_by_text(user.display_name)).to_have_count(0)


async def test_wrong_password_shows_a_message(live_server: str, page: Page) -> None:
    user = await make_user(Role.org_member)

    await _log_in(page, live_server, user.username, "not-my-password")

    await expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
    await expect(page.get_by_label("用户名")).to_have_value(user.username)
    await expect(page.get_by_label("密码")).to_have_attribute("aria-invalid", "true")


async def test_login_works_at_phone_width_with_the_keyboard(
    live_server: str, phone_page: Page
) -> None:
    user = await make_user(Role.volunteer)
    await phone_page.goto(live_server + "/login")
    await phone_page.get_by_label("用户名").fill(user.username)
    await phone_page.keyboard.press("Tab")
    await phone_page.keyboard.type(PASSWORD)
    await phone_page.keyboard.press("Enter")

    await expect(phone_page.get_by_text(user.display_name).first).to_be_visible()
    width = await phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing overflows sideways on a phone
