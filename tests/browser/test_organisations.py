"""The organisation lifecycle in a real browser: a charity registers with its owner, staff
verify it on the queue, the owner makes an invitation link, and the invitee joins with it on a
phone.

Set SCREENSHOT_DIR to keep screenshots of the pages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from backend.accounts.tables import Membership, MembershipRole, Role
from backend.organisations.tables import Organisation
from tests.factories import PASSWORD, make_user, valid_uscc

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
NAME = "塘沽街道邻里互助慈善会"
OWNER, OWNER_NAME = "linli-owner", "邻里互助会 陈会长"


async def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _log_in(page: Page, base: str, username: str, display_name: str) -> None:
    await page.goto(base + "/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_text(display_name).first).to_be_visible()


async def _fits_the_screen(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


async def test_register_verify_invite_and_join(
    live_server: str, page: Page, phone_page: Page
) -> None:
    uscc = valid_uscc()
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")

    # (a) a charity registers itself and its owner from the navigation
    await page.goto(live_server + "/")
    await page.get_by_role("link", name="组织注册").click()
    await page.get_by_label("组织名称").fill(NAME)
    await page.get_by_label("组织类型").select_option(label="慈善组织")
    await page.get_by_label("统一社会信用代码").fill(wrong)
    await page.get_by_label("本组织具有公开募捐资格（仅限慈善组织）").check()
    await page.get_by_label("公开募捐资格证书编号").fill("津民证字第0042号")
    await page.locator("summary", has_text="天津市滨海新区").click()
    await page.get_by_label("塘沽街道").check()
    await page.get_by_label("照料").check()
    await page.get_by_label("每月可投入资金（元）").fill("20,000")
    await page.get_by_label("每月可投入服务时长（小时）").fill("60")
    await page.get_by_label("负责人用户名").fill(OWNER)
    await page.get_by_label("负责人显示名称").fill(OWNER_NAME)
    await page.get_by_label("负责人密码").fill(PASSWORD)
    await page.get_by_role("button", name="注册").click()

    # the check character is said beside the field; everything typed but the password is kept
    await expect(page.get_by_role("alert")).to_contain_text("统一社会信用代码校验位错误")
    field = page.get_by_label("统一社会信用代码")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(field).to_have_accessible_description(re.compile("统一社会信用代码校验位错误"))
    await expect(field).to_have_value(wrong)
    await expect(page.get_by_label("组织名称")).to_have_value(NAME)
    await expect(page.get_by_label("塘沽街道")).to_be_checked()
    await expect(page.get_by_label("照料")).to_be_checked()
    await expect(page.get_by_label("负责人密码")).to_have_value("")
    await field.fill(uscc)
    await page.get_by_label("负责人密码").fill(PASSWORD)
    await page.get_by_role("button", name="注册").click()

    await expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    await expect(page.get_by_role("status").first).to_contain_text("注册成功")
    await expect(page.locator(".status")).to_have_text("待认证")
    await expect(page.get_by_text("滨海新区塘沽街道")).to_be_visible()
    await _screenshot(page, "organisation-registered")
    await page.get_by_role("button", name="退出登录").click()

    # (b) staff of 塘沽街道 verify it on the queue
    staff = await make_user(Role.staff)
    await _log_in(page, live_server, staff.username, staff.display_name)
    await page.get_by_role("link", name="组织认证").click()
    await expect(page.get_by_role("link", name=NAME)).to_be_visible()
    await _screenshot(page, "organisation-queue")
    await page.get_by_role("button", name=f"认证 {NAME}").click()
    await expect(page.get_by_role("status").first).to_contain_text(f"已认证：{NAME}")
    row = await Organisation.select(Organisation.verified, Organisation.public_id).first()
    assert row is not None and row["verified"] is True
    await page.get_by_role("button", name="退出登录").click()

    # (c) the owner makes a one-time invitation link
    await _log_in(page, live_server, OWNER, OWNER_NAME)
    await page.get_by_role("link", name="我的组织").click()
    await expect(page.locator(".status")).to_have_text("已认证")
    await page.get_by_role("link", name="成员管理").click()
    await page.get_by_role("button", name="生成邀请链接").click()
    link = await page.get_by_label("邀请链接").input_value()
    assert re.search(r"/invitations/[\w-]{40,}$", link), link
    await _screenshot(page, "organisation-members")

    # (d) the invitee opens it on a phone and joins
    await phone_page.goto(link)
    await expect(phone_page.get_by_role("heading", name=f"加入{NAME}")).to_be_visible()
    await _fits_the_screen(phone_page)
    await phone_page.get_by_label("用户名").fill("xiaozhou")
    await phone_page.get_by_label("显示名称").fill("志愿者小周")
    await phone_page.get_by_label("密码").fill(PASSWORD)
    await phone_page.get_by_role("button", name="创建账号并加入").click()
    await expect(phone_page.get_by_role("status").first).to_contain_text(f"欢迎加入{NAME}")
    await expect(phone_page.get_by_role("heading", name=NAME)).to_be_visible()
    await _fits_the_screen(phone_page)
    assert await Membership.exists().where(
        (Membership.user.username == "xiaozhou")
        & (Membership.organisation.public_id == row["public_id"])
        & (Membership.role == MembershipRole.member)
    )

    # the link was for one use only
    await phone_page.goto(link)
    await expect(phone_page.get_by_role("alert")).to_contain_text("该邀请链接已被使用")

    # the owner sees the new member
    await page.reload()
    await expect(page.get_by_text("志愿者小周")).to_be_visible()


async def test_pages_fit_a_phone(live_server: str, phone_page: Page) -> None:
    await phone_page.goto(live_server + "/organisations/register")
    await expect(phone_page.get_by_role("heading", name="组织注册")).to_be_visible()
    await _fits_the_screen(phone_page)
    await phone_page.get_by_role("button", name="注册").click()
    await expect(phone_page.get_by_role("alert")).to_be_visible()
    await _fits_the_screen(phone_page)
    await _screenshot(phone_page, "organisation-register-phone")
