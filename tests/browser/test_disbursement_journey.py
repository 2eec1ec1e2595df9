"""Journey 4 in a real browser: a charity records a disbursement with a PNG receipt on 我的认捐,
staff verify it on the case's linkage page, and the public need page shows the need closed."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.disbursements.tables import Disbursement
from tests.factories import PASSWORD, make_user
from tests.integration.disbursements.support import funded, png

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]


async def _log_in(page: Page, base: str, user: CurrentUser) -> None:
    await page.context.clear_cookies()
    await page.goto(base + "/login")
    await page.get_by_label("用户名").fill(user.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_text(user.display_name).first).to_be_visible()


async def test_charity_disburses_staff_verify_need_closes(page: Page, live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        f = await funded(client, amount_fen=120_000)

    member = await make_user(Role.org_member, organisation_id=f.org_id)
    await _log_in(page, live_server, member)
    await page.goto(live_server + "/pledges")
    card = page.locator(f"#pledge-{f.pledge_id}")
    await card.get_by_text("登记拨付", exact=True).click()
    await card.get_by_label("拨付金额（元）").fill("1200")
    await card.get_by_label("收款方").select_option(label="医院")
    await card.get_by_label("证明类型").select_option(label="收据")
    await card.get_by_label("证明文件").set_input_files(
        files=[{"name": "住院收据.png", "mimeType": "image/png", "buffer": png(3)}]
    )
    await card.get_by_role("button", name="提交拨付").click()
    await expect(page.get_by_text("已登记拨付 ¥1,200.00")).to_be_visible()
    await expect(card.get_by_text("待核实")).to_be_visible()
    assert await Disbursement.count() == 1

    staff = await make_user(Role.staff)
    await _log_in(page, live_server, staff)
    await page.goto(f"{live_server}/cases/{f.case_ref}/linkage")
    rows = page.locator(f"#pledge-{f.pledge_id}-disbursements")
    await expect(rows.get_by_role("link", name="下载收据")).to_be_visible()
    async with page.expect_download() as download:
        await rows.get_by_role("link", name="下载收据").click()
    saved = await (await download.value).path()
    assert saved is not None and saved.read_bytes() == png(3)
    await rows.get_by_role("button", name="核实").click()
    await expect(page.get_by_text("已核实拨付 ¥1,200.00")).to_be_visible()
    await expect(page.locator(f"#pledge-{f.pledge_id}").get_by_text("已核实")).to_be_visible()

    await page.goto(f"{live_server}/needs/{f.need_id}")
    await expect(page.locator(".status").first).to_have_text("已关闭")
