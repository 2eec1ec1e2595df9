"""Bulk import in a real browser: staff find the page from the cases page, upload a generated
workbook with a bad row, read the report by row and column, follow a link to an imported case;
a second upload of the same file reports every good row as existing."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.cases.tables import Case
from tests.factories import PASSWORD, make_user
from tests.integration.imports.sheets import XLSX, household, xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]


async def _log_in(page: Page, base: str, user: CurrentUser) -> None:
    await page.goto(base + "/login")
    await page.get_by_label("用户名").fill(user.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_text(user.display_name).first).to_be_visible()


async def test_staff_import_a_workbook_and_read_the_report(live_server: str, page: Page) -> None:
    staff = await make_user(Role.staff)
    rows = [household(1), household(2, 救助类别="五保"), household(3)]
    workbook = {"name": "本月入户核实.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(rows)}

    await _log_in(page, live_server, staff)
    await page.get_by_role("link", name="救助对象").click()
    await page.get_by_role("link", name="批量导入").click()
    await expect(page.get_by_role("heading", name="批量导入救助对象")).to_be_visible()
    await expect(page.get_by_role("link", name="Excel 模板（.xlsx）")).to_have_attribute(
        "href", "/cases/import/template.xlsx"
    )

    await page.get_by_label("第二步：选择填好的文件（.xlsx 或 .csv）").set_input_files(workbook)
    await page.get_by_role("button", name="导入").click()

    await expect(page.get_by_role("status")).to_contain_text("新增 2，已存在跳过 0，有错误 1")
    issues = page.locator("#issues tbody tr")
    await expect(issues).to_have_count(1)
    await expect(issues.first).to_contain_text("第 3 行")
    await expect(issues.first).to_contain_text("救助类别")
    await expect(issues.first).to_contain_text("救助类别须为")
    await expect(issues.first).to_contain_text("programme_unknown")
    results = page.locator("#results tbody tr")
    await expect(results).to_have_count(2)
    # The report repeats nothing personal from the file.
    body = await page.locator("main").inner_text()
    for row in rows:
        assert row["户主姓名"] not in body and row["户主身份证号"] not in body
    assert await Case.count() == 2

    await page.get_by_label("第二步：选择填好的文件（.xlsx 或 .csv）").set_input_files(workbook)
    await page.get_by_role("button", name="导入").click()
    await expect(page.get_by_role("status")).to_contain_text("新增 0，已存在跳过 2，有错误 1")
    await expect(page.get_by_role("heading", name="我最近的导入")).to_be_visible()
    assert await Case.count() == 2

    await results.first.get_by_role("link", name="查看").click()
    await expect(page).to_have_url(re.compile(r"/cases/[\w-]+$"))
    await expect(page.get_by_role("heading", name=f"{rows[0]['户主姓名']} 户")).to_be_visible()


async def test_a_wrong_template_is_refused_on_the_page(live_server: str, page: Page) -> None:
    staff = await make_user(Role.staff)
    await _log_in(page, live_server, staff)
    await page.goto(live_server + "/cases/import")
    await page.get_by_label("第二步：选择填好的文件（.xlsx 或 .csv）").set_input_files(
        {"name": "名单.csv", "mimeType": "text/csv", "buffer": "姓名,电话\n张三,1\n".encode()}
    )
    await page.get_by_role("button", name="导入").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("文件未导入")
    await expect(alert).to_contain_text("无法识别的列：第1列、第2列")
    assert await Case.count() == 0


async def test_reviewers_cannot_open_the_import_page(live_server: str, page: Page) -> None:
    reviewer = await make_user(Role.reviewer)
    await _log_in(page, live_server, reviewer)
    await page.goto(live_server + "/cases")
    await expect(page.get_by_role("link", name="批量导入")).to_have_count(0)
    response = await page.goto(live_server + "/cases/import")
    assert response is not None and response.status == 403
