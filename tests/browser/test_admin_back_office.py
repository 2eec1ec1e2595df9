"""The back office in a real browser, in Chinese: an admin logs in on the AidBridge form, opens
every table the sidebar lists, filters it, opens a row and saves an edit, and creates a user
with a role picked from a list; no console error, no failed request, no English name of a
table or field on screen. A staff member is refused.

Set SCREENSHOT_DIR to keep screenshots of the pages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import ConsoleMessage, Page, Response, expect

from admin.labels import TABLE_NAMES
from backend.accounts.tables import LoginAttempt, Membership, Role, User
from backend.organisations.tables import Organisation
from backend.regions.tables import Region
from tests.factories import PASSWORD, TANGGU, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
LATIN = re.compile(r"[A-Za-z][A-Za-z_.]+")
#: Latin words the back office may show besides the data itself (usernames, credit codes).
ALLOWED = {"CSV", "IP"}


async def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _log_in(page: Page, base: str, username: str, next_path: str = "/") -> None:
    await page.goto(f"{base}/login?next={next_path}")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()


class Watch:
    """Every console error and failed request of a page, and the Latin words it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")

    async def english(self, data_words: set[str]) -> set[str]:
        text = await self.page.evaluate("document.body.innerText")
        return set(LATIN.findall(text)) - ALLOWED - data_words


async def data_words() -> set[str]:
    """Latin words that are data: usernames and the letters of credit codes."""
    values = [r["username"] for r in await User.select(User.username)]
    values += [r["username"] for r in await LoginAttempt.select(LoginAttempt.username)]
    values += [r["uscc"] for r in await Organisation.select(Organisation.uscc)]
    return {word for value in values for word in LATIN.findall(value)}


async def open_table(page: Page, label: str) -> None:
    await page.locator(".table_list").get_by_role("link", name=label, exact=True).click()
    await expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
    await expect(page.locator("tbody tr:visible").first).to_be_visible()


async def apply_filter(page: Page, fill: Any) -> None:
    await page.locator("a", has_text="显示过滤器").first.click()
    await fill()
    await page.get_by_role("button", name="应用").click()
    await expect(page.get_by_text("已筛选")).to_be_visible()


async def save(page: Page) -> None:
    async with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        await page.get_by_role("button", name="保存").click()
    assert (await saved.value).status == 200
    await expect(page.get_by_text("已保存")).to_be_visible()


async def test_every_table_lists_filters_opens_and_saves_in_chinese(
    live_server: str, page: Page
) -> None:
    admin = await make_user(Role.admin)
    volunteer = await make_user(Role.volunteer)
    member = await make_user(Role.org_member)
    org = await make_organisation(verified=False, name="滨海新区助学慈善会")
    watch = Watch(page)

    await _log_in(page, live_server, admin.username)
    await page.get_by_role("link", name="后台管理").click()
    await expect(page).to_have_url(live_server + "/admin/#/")
    await expect(page).to_have_title("救助衔接平台 · 后台管理")
    sidebar = page.locator(".table_list a")
    await expect(sidebar.first).to_be_visible()
    assert set(await sidebar.all_inner_texts()) >= set(TABLE_NAMES.values())
    await _screenshot(page, "admin-home")
    words = await data_words()
    assert not await watch.english(words)

    # 用户账号: filter by role, open the volunteer, rename, save.
    await open_table(page, "用户账号")
    await apply_filter(
        page, lambda: page.locator("select[name=role]").last.select_option(label="志愿者")
    )
    await expect(page.locator("tbody tr:visible")).to_have_count(1)
    assert not await watch.english(words)
    await page.locator("tbody a:visible", has_text=volunteer.username).click()
    await expect(page.get_by_role("heading", name="编辑 用户账号", exact=True)).to_be_visible()
    await expect(page.locator("select[name=role]")).to_have_value("volunteer")
    await page.locator("input[name=display_name]").fill("社区志愿者小李")
    await save(page)
    assert not await watch.english(words)
    await _screenshot(page, "admin-user-saved")
    saved = await User.select(User.display_name).where(User.id == volunteer.id).first()
    assert saved == {"display_name": "社区志愿者小李"}

    # 组织: filter by name, open, rename and verify, save; a wrong credit code is refused
    # with the field's name.
    await page.goto(live_server + "/admin/#/")
    await open_table(page, "组织")
    await apply_filter(page, lambda: page.locator("input[name=name]").fill("助学"))
    await page.locator("tbody a:visible", has_text="滨海新区助学慈善会").click()
    await expect(page.get_by_role("heading", name="编辑 组织", exact=True)).to_be_visible()
    await expect(page.locator("input[name=name]")).to_have_value("滨海新区助学慈善会")  # loaded
    await page.locator("input[name=name]").fill("滨海新区助学促进会")
    await page.locator("select[name=verified]").select_option(label="是")
    await save(page)
    assert not await watch.english(words)
    row = await Organisation.select(Organisation.name, Organisation.verified).where(
        Organisation.public_id == org.id
    )
    assert row == [{"name": "滨海新区助学促进会", "verified": True}]

    # 组织成员: filter by role, open the member's row, make them an owner, save.
    await page.goto(live_server + "/admin/#/")
    await open_table(page, "组织成员")
    await apply_filter(
        page, lambda: page.locator("select[name=role]").last.select_option(label="成员")
    )
    named = f"{member.display_name}（{member.username}）"
    await expect(page.locator("tbody tr:visible", has_text=named)).to_have_count(1)
    await page.locator("tbody tr:visible", has_text=named).locator("a").first.click()
    await expect(page.get_by_role("heading", name="编辑 组织成员", exact=True)).to_be_visible()
    await expect(page.locator("select[name=role]")).to_have_value("member")  # loaded
    await page.locator("select[name=role]").select_option(label="负责人")
    await save(page)
    assert not await watch.english(words)
    roles = await Membership.select(Membership.role).where(Membership.user == member.id)
    assert roles == [{"role": "owner"}]

    # 行政区划: filter by name, open 塘沽街道, rename, save (then put the name back).
    await page.goto(live_server + "/admin/#/")
    await open_table(page, "行政区划")
    await apply_filter(page, lambda: page.locator("input[name=name]").fill("塘沽街道"))
    await page.locator("tbody a:visible", has_text=TANGGU).click()
    await expect(page.locator("input[name=name]")).to_have_value("塘沽街道")
    await expect(page.locator("select[name=level]")).to_have_value("4")
    await page.locator("input[name=name]").fill("塘沽街道（测试）")
    await save(page)
    assert not await watch.english(words)
    region = await Region.select(Region.name).where(Region.code == TANGGU).first()
    await Region.update({Region.name: "塘沽街道"}).where(Region.code == TANGGU)
    assert region == {"name": "塘沽街道（测试）"}

    # 登录记录: read only; opened straight from the address bar, it stays in the back office.
    await page.goto(live_server + "/admin/#/login_attempt/")
    await expect(page.get_by_role("heading", name="登录记录", exact=True)).to_be_visible()
    await expect(page).to_have_url(live_server + "/admin/#/login_attempt/")
    await apply_filter(
        page, lambda: page.locator("select[name=succeeded]").last.select_option(label="是")
    )
    await page.locator("tbody a:visible", has_text=admin.username).first.click()
    await expect(page.get_by_role("heading", name="编辑 登录记录", exact=True)).to_be_visible()
    await _screenshot(page, "admin-login-attempt")
    assert not await watch.english(await data_words())

    assert watch.problems == []


async def test_an_admin_creates_a_user_with_a_role_from_the_list(
    live_server: str, page: Page
) -> None:
    admin = await make_user(Role.admin)
    watch = Watch(page)
    await _log_in(page, live_server, admin.username, "/admin/")
    await page.locator("a", has_text="新建用户").first.click()
    await expect(page.get_by_role("heading", name="新建用户", exact=True)).to_be_visible()
    password = page.locator("input[name=password]")
    await expect(password).to_have_attribute("type", "password")

    # Every problem at once, each naming its field, in Chinese.
    await page.locator("input[name=username]").fill("ab")
    await password.fill("short")
    await page.get_by_role("button", name="提交").click()
    errors = page.locator(".errors li")
    await expect(errors).to_have_count(4)
    assert set(await errors.all_inner_texts()) == {
        "用户名过短",
        "显示名称过短",
        "密码至少需要10个字符",
        "请选择角色",
    }
    await expect(page.get_by_text("表单有误，请按提示修改。")).to_be_visible()
    watch.problems.clear()  # the refusal above is a 422, as it should be
    await _screenshot(page, "admin-new-user-refused")

    await page.locator("input[name=username]").fill("tanggu-new")
    await page.locator("input[name=display_name]").fill("塘沽街道新同事")
    await password.fill("a-long-enough-secret")
    await page.locator("select[name=role]").select_option(label="民政工作人员")
    options = await page.locator("select[name=region_code] option").all_inner_texts()
    (tanggu,) = [o for o in options if o.strip().endswith("滨海新区 / 塘沽街道")]
    await page.locator("select[name=region_code]").select_option(label=tanggu.strip())
    await page.get_by_role("button", name="提交").click()
    await expect(page.get_by_text("已创建用户 tanggu-new")).to_be_visible()
    row = await User.select(User.role, User.region_code, User.password_hash).where(
        User.username == "tanggu-new"
    )
    assert row[0]["role"] == "staff" and row[0]["region_code"] == TANGGU
    assert row[0]["password_hash"].startswith("$argon2id$")
    assert not await watch.english(await data_words())
    assert watch.problems == []

    # piccolo-admin's own login screen is no door: it leads to AidBridge's.
    await page.goto(live_server + "/admin/#/login")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2F$"))


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
