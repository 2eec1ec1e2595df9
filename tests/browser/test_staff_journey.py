"""Journey 1 in a real browser: staff record a case and refer it, a reviewer approves it, an
auditor reads the log; the pages work on a phone and refuse organisation members.

Set SCREENSHOT_DIR to keep screenshots of the referral form and the phone-width pages.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.cases.schemas import CaseCreate, GrantCreate, MemberIn
from backend.cases.service import add_grant, create_case
from backend.db import unit_of_work
from backend.needs.tables import Need
from tests.factories import BINHAI, PASSWORD, make_user
from tests.people import id_number

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

ZIYUN = "120116001016"  # 塘沽街道 紫云园社区居委会
HEAD, CHILD, PHONE = "王秀英", "王小明", "13812345678"
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


async def _screenshot(page: Page, name: str) -> None:
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)  # playwright creates it
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    # and in screen-sized parts, easier to read than one very tall image
    width, height = await page.evaluate(
        "[document.documentElement.clientWidth, document.documentElement.scrollHeight]"
    )
    for part, top in enumerate(range(0, height, 900), start=1):
        clip = {"x": 0, "y": top, "width": width, "height": min(900, height - top)}
        await page.screenshot(path=str(folder / f"{name}-{part}.png"), full_page=True, clip=clip)


async def _log_in(page: Page, base: str, user: CurrentUser) -> None:
    await page.goto(base + "/login")
    await page.get_by_label("用户名").fill(user.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_text(user.display_name).first).to_be_visible()


async def _case(staff: CurrentUser) -> str:
    async with unit_of_work():
        case = await create_case(
            staff,
            CaseCreate(
                region_code=ZIYUN,
                programme="dibao",
                members=[
                    MemberIn(
                        is_head=True,
                        relation="户主",
                        name=HEAD,
                        id_number=id_number(female=True),
                        phone=PHONE,
                        address="塘沽街道海洋小区3号楼2单元501室",
                    ),
                    MemberIn(
                        relation="子女",
                        name=CHILD,
                        id_number=id_number(born=date(2010, 5, 1)),
                        school="滨海新区第一中学初二(3)班",
                    ),
                ],
            ),
        )
        await add_grant(
            staff,
            case.ref,
            GrantCreate(
                kind="temporary_emergency",
                amount_fen=300_000,
                granted_on=date.today() - timedelta(days=5),
                office="滨海新区塘沽街道办事处",
            ),
        )
    return case.ref


async def test_staff_refer_a_household_and_a_reviewer_publishes_it(
    live_server: str, page: Page
) -> None:
    staff = await make_user(Role.staff)
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    head_id, child_id = id_number(female=True), id_number(born=date(2010, 5, 1))
    wrong_child_id = child_id[:17] + ("0" if child_id[17] != "0" else "1")

    # (a) staff record a case with two members through the form
    await _log_in(page, live_server, staff)
    await page.get_by_role("link", name="救助对象").click()
    await page.get_by_role("link", name="登记新救助对象").click()
    await page.get_by_label("所属社区（村）").select_option(ZIYUN)
    head = page.locator("#members-0")
    await head.get_by_label("姓名").fill(HEAD)
    await head.get_by_label("身份证号").fill(head_id)
    await head.get_by_label("联系电话").fill(PHONE)
    await page.get_by_role("button", name="添加成员").click()
    child = page.locator("#members-1")
    await expect(child).to_be_visible()
    await expect(child.get_by_label("与户主关系")).to_be_focused()
    await child.get_by_label("与户主关系").select_option("子女")
    await child.get_by_label("姓名").fill(CHILD)
    await child.get_by_label("身份证号").fill(wrong_child_id)
    await page.get_by_role("button", name="登记", exact=True).click()

    # a wrong check character is said beside the field, and nothing typed is lost
    await expect(page.get_by_role("alert")).to_contain_text("第2位成员：身份证号校验位错误")
    child_id_field = page.locator("#members-1-id_number")
    await expect(child_id_field).to_have_attribute("aria-invalid", "true")
    await expect(child_id_field).to_have_accessible_description(re.compile("身份证号校验位错误"))
    await expect(child_id_field).to_have_value(wrong_child_id)
    await expect(page.locator("#members-0-name")).to_have_value(HEAD)
    await expect(page.locator("#members-0-phone")).to_have_value(PHONE)
    await expect(page.locator("#members-1-name")).to_have_value(CHILD)
    await expect(page.get_by_label("所属社区（村）")).to_have_value(ZIYUN)

    await child_id_field.fill(child_id)
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/cases/[\w-]+$"))
    await expect(page.get_by_role("heading", name=f"{HEAD} 户")).to_be_visible()
    await expect(page.get_by_role("status").first).to_contain_text("已登记救助对象")

    # adds a temporary-assistance grant
    await page.locator("summary", has_text="登记救助记录").click()
    await page.get_by_label("救助类型").select_option(label="临时救助（急难型）")
    await page.get_by_label("救助金额（元）").fill("3,000")
    await page.get_by_label("审批日期").fill((date.today() - timedelta(days=2)).isoformat())
    await page.get_by_label("审批单位").fill("滨海新区塘沽街道办事处")
    await page.locator("form[action$='/grants'] button[type=submit]").click()
    await expect(page.locator("#grants")).to_contain_text("临时救助（急难型）")
    await expect(page.locator("#grants")).to_contain_text("¥3,000.00")

    # opens the referral form; the live preview replaces the name and the phone
    await page.get_by_role("link", name="转介", exact=True).click()
    narrative = page.get_by_label("情况说明（原文）")
    await narrative.fill(
        f"{HEAD}，联系电话 138-1234-5678，患尿毒症三年，每周透析三次，"
        "每月自付医疗费用约4200元，已获临时救助3000元，仍有困难。"
    )
    await narrative.press("End")  # a keyup: the preview follows the typing
    preview = page.locator("#preview")
    await expect(preview.locator("mark.replacement").first).to_be_visible()
    public = preview.locator(".text-panel").nth(1)
    replaced = public.locator("mark.replacement")
    await expect(replaced.nth(0)).to_contain_text("某某")
    await expect(replaced.nth(1)).to_contain_text("[电话]")
    await expect(public).not_to_contain_text(HEAD)
    await expect(public).not_to_contain_text("138-1234-5678")
    await expect(preview.locator("mark.removed", has_text=HEAD)).to_have_attribute(
        "title", re.compile(".+")
    )
    item = page.locator("#items-0")
    await item.get_by_label("需求类别").select_option(label="医疗")
    await item.get_by_label("帮扶方式").select_option(label="资金")
    await expect(item.get_by_label("服务类型")).to_be_hidden()  # only the chosen kind's fields
    await item.get_by_label("紧急程度").select_option(label="急难")
    await item.get_by_label("截止日期").fill((date.today() + timedelta(days=60)).isoformat())
    await item.get_by_label("需求标题").fill("透析费用资助")
    await item.get_by_label("所需金额（元）").fill("20,000")
    await _screenshot(page, "referral-form-desktop")
    await page.get_by_role("button", name="保存转介草稿").click()

    # saves, sets consent, submits
    await expect(page).to_have_url(re.compile(r"/referrals/[\w-]+$"))
    referral_url = page.url
    await expect(page.get_by_role("heading", level=1)).to_contain_text("草稿")
    await expect(page.locator("table")).to_contain_text("¥20,000.00")
    await page.get_by_label("同意日期").fill(date.today().isoformat())
    await page.get_by_label("同意方式").select_option(label="书面签字")
    await page.get_by_role("button", name="保存修改").click()
    await expect(page.get_by_text("书面签字。")).to_be_visible()
    await _screenshot(page, "referral-page-draft")
    await page.get_by_role("button", name="提交审核").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("待审核")
    await page.get_by_role("button", name="退出登录").click()

    # (b) a reviewer of the district approves it from the review queue
    await _log_in(page, live_server, reviewer)
    await page.get_by_role("link", name="审核队列").click()
    await expect(page.get_by_role("cell", name="医疗")).to_be_visible()
    await page.get_by_role("link", name="审核", exact=True).click()
    await expect(page).to_have_url(referral_url)
    await page.get_by_role("button", name="通过并发布").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("已通过")
    need_ids = [n["public_id"] for n in await Need.select(Need.public_id)]
    assert len(need_ids) == 1
    await expect(page.locator("#published")).to_contain_text(need_ids[0])
    await _screenshot(page, "referral-page-approved")


async def test_an_auditor_sees_who_viewed_a_case(live_server: str, page: Page) -> None:
    staff = await make_user(Role.staff)
    ref = await _case(staff)
    await _log_in(page, live_server, staff)
    await page.goto(f"{live_server}/cases/{ref}")
    await expect(page.get_by_role("heading", name=f"{HEAD} 户")).to_be_visible()
    await page.get_by_role("button", name="退出登录").click()

    auditor = await make_user(Role.auditor)
    await _log_in(page, live_server, auditor)
    await page.get_by_role("link", name="审计日志").click()
    view = page.get_by_role("row").filter(has_text="查看救助对象")
    await expect(view).to_have_count(1)
    await expect(view).to_contain_text(staff.username)
    await page.get_by_label("救助对象编号").fill(ref)
    await page.get_by_role("button", name="筛选").click()
    await expect(page.get_by_role("row")).to_have_count(4)  # header, create, grant, view
    assert HEAD not in await page.content()


async def test_case_pages_fit_a_phone(live_server: str, phone_page: Page) -> None:
    staff = await make_user(Role.staff)
    ref = await _case(staff)
    await _log_in(phone_page, live_server, staff)
    for path, name in [
        ("/cases?q=", "cases-phone"),
        ("/cases/new", "case-form-phone"),
        (f"/cases/{ref}", "case-phone"),
        (f"/cases/{ref}/referrals/new", "referral-form-phone"),
    ]:
        await phone_page.goto(live_server + path)
        await expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
        if path == "/cases/new":
            await phone_page.get_by_role("button", name="登记", exact=True).click()
            await expect(phone_page.get_by_role("alert")).to_be_visible()
            await phone_page.get_by_role("button", name="添加成员").click()
            await expect(phone_page.locator("#members-1")).to_be_visible()
        if path.endswith("/referrals/new"):
            await phone_page.get_by_label("情况说明（原文）").fill(
                f"{HEAD}的儿子{CHILD}在滨海新区第一中学初二(3)班就读，联系电话{PHONE}。"
            )
            await phone_page.get_by_label("情况说明（原文）").press("End")
            await expect(phone_page.locator("#preview mark").first).to_be_visible()
        width = await phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px phone"
        await _screenshot(phone_page, name)


async def test_organisation_members_get_a_refusal(live_server: str, page: Page) -> None:
    member = await make_user(Role.org_member)
    await _log_in(page, live_server, member)
    await expect(page.get_by_role("link", name="救助对象")).to_have_count(0)
    response = await page.goto(live_server + "/cases")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_text("您的角色无权执行此操作")
