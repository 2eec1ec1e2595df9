"""In Chromium: no page can be framed by another site, and the Content-Security-Policy blocks
nothing the pages themselves load (site pages, htmx, the admin application)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import ConsoleMessage, Page, expect

from backend.accounts.tables import Role
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]


def _csp_reports(page: Page) -> list[str]:
    found: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            found.append(message.text)

    page.on("console", listen)
    return found


class _AttackerSite(BaseHTTPRequestHandler):
    """Another site on this machine (another port is another origin): a harmless frame of
    its own beside a frame of the target, so a blank frame cannot pass for a refusal."""

    target = ""

    def do_GET(self) -> None:
        if self.path == "/harmless":
            body = "<!doctype html><title>ok</title><p id='ok'>framed fine</p>"
        else:
            body = (
                '<!doctype html><title>x</title><iframe name="control" src="/harmless"></iframe>'
                f'<iframe name="victim" src="{self.target}"></iframe>'
            )
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker_site() -> Iterator[tuple[str, type[_AttackerSite]]]:
    handler = type("Attacker", (_AttackerSite,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/login", "/organisations/review", "/needs"])
async def test_no_page_can_be_framed(
    live_server: str, page: Page, attacker_site: tuple[str, type[_AttackerSite]], path: str
) -> None:
    response = await page.request.get(live_server + path)
    assert response.ok  # the page itself is there
    url, handler = attacker_site
    handler.target = live_server + path
    await page.goto(url)
    await page.wait_for_timeout(1500)

    control = page.frame(name="control")
    victim = page.frame(name="victim")
    assert control is not None and victim is not None
    assert await control.locator("#ok").count() == 1
    # The browser refused to render ours: Chromium's error page stands in, none of our page.
    assert victim.url.startswith("chrome-error://"), victim.url
    assert await victim.locator("input, button, nav").count() == 0


async def test_the_pages_load_without_a_policy_violation(live_server: str, page: Page) -> None:
    reports = _csp_reports(page)
    staff = await make_user(Role.staff)
    await page.goto(live_server + "/needs")
    await page.get_by_label("搜索需求").fill("透析")
    await page.get_by_role("button", name="搜索", exact=True).click()
    await page.wait_for_load_state("networkidle")
    for path in ("/", "/disclosure", "/disclosure/verify", "/login"):
        await page.goto(live_server + path)
        await page.wait_for_load_state("networkidle")
    await page.get_by_label("用户名").fill(staff.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.goto(live_server + "/cases/new")
    await page.wait_for_load_state("networkidle")
    assert reports == []


async def test_htmx_and_the_remove_buttons_still_work(live_server: str, page: Page) -> None:
    """The behaviours moved out of inline handlers (hx-on) into /static/app.js."""
    staff = await make_user(Role.staff)
    await page.goto(live_server + "/login?next=/cases/new")
    await page.get_by_label("用户名").fill(staff.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(live_server + "/cases/new")
    before = await page.locator("fieldset").count()
    await page.get_by_role("button", name="添加成员").click()
    await expect(page.locator("fieldset")).to_have_count(before + 1)
    remove = page.locator("button.remove-row").last
    await remove.click()
    await expect(page.locator("fieldset")).to_have_count(before)


async def test_the_admin_application_runs_under_its_policy(live_server: str, page: Page) -> None:
    reports = _csp_reports(page)
    admin = await make_user(Role.admin)
    await page.goto(live_server + "/login?next=/admin/")
    await page.get_by_label("用户名").fill(admin.username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_text("救助衔接平台 · 后台管理").first).to_be_visible(timeout=15000)
    await page.wait_for_load_state("networkidle")
    assert reports == []
