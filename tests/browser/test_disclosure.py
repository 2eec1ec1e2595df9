"""Disclosure in a real browser: a need's disclosure page, and verifying an entry with WebCrypto.

The verify page fetches the inclusion proof and the public key and checks, in Chromium, the
leaf hash, the RFC 9162 path to the signed root and the Ed25519 signature of the tree head; an
entry edited in the text box must fail. Set SCREENSHOT_DIR to keep screenshots.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from backend.db import unit_of_work
from backend.ledger import service as ledger
from backend.ledger.sealing import seal
from backend.settings import Settings
from matching.ledger import EntryKind
from tests.factories import make_organisation
from tests.integration.disclosure.ledger_helpers import (
    EVIDENCE,
    publish_money_need,
    qualified_charity,
    record_story,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


async def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _story(live_server: str) -> tuple[str, dict[str, str]]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        need = await publish_money_need(client)
    charity = await qualified_charity("滨海仁爱慈善基金会")
    team = await make_organisation(name="塘沽志愿服务队")
    ids = await record_story(need["need_id"], charity.id, team.id)
    async with unit_of_work():
        await seal()
    return need["need_id"], ids


async def test_need_disclosure_page_and_in_browser_verification(
    live_server: str, page: Page
) -> None:
    need_id, ids = await _story(live_server)
    await page.goto(f"{live_server}/needs/{need_id}")
    await page.get_by_role("link", name="信息公开：查看本需求").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("款物公开")
    await expect(page.get_by_role("img", name="本页链接的二维码")).to_be_visible()
    await expect(page.get_by_role("img", name="本需求款物概况")).to_be_visible()
    await expect(page.locator("tr.entry")).to_have_count(10)
    # The evidence hash is shortened, and the full value opens for copying.
    await page.locator("details.hash summary").first.click()
    await expect(page.locator(".hash-full").first).to_have_text(EVIDENCE)
    await _screenshot(page, "disclosure-need")

    await page.get_by_role("link", name=f"验证条目 {ids['donation']}").click()
    await expect(page.locator("#verify-result")).to_have_text(
        "验证通过：该条目原样包含在平台签名的公开账本中。", timeout=10_000
    )
    steps = page.locator("#verify-steps li")
    await expect(steps).to_have_count(4)
    for step in ("leaf", "path", "key", "signature"):
        await expect(page.locator(f'#verify-steps li[data-step="{step}"]')).to_have_attribute(
            "data-ok", "true"
        )
    await _screenshot(page, "disclosure-verify-ok")

    box = page.locator("#entry-bytes")
    original = await box.input_value()
    assert '"amount_fen":250000' in original
    await box.fill(original.replace('"amount_fen":250000', '"amount_fen":950000'))
    await page.get_by_role("button", name="重新验证").click()
    await expect(page.locator("#verify-result")).to_have_text(
        "验证失败：该条目与平台签名的公开账本不符。"
    )
    await expect(page.locator('#verify-steps li[data-step="leaf"]')).to_have_attribute(
        "data-ok", "false"
    )
    await expect(page.locator('#verify-steps li[data-step="path"]')).to_have_attribute(
        "data-ok", "false"
    )
    # The signature over the head itself still holds: only the entry was changed.
    await expect(page.locator('#verify-steps li[data-step="signature"]')).to_have_attribute(
        "data-ok", "true"
    )
    await _screenshot(page, "disclosure-verify-tampered")

    await box.fill(original)
    await page.get_by_role("button", name="重新验证").click()
    await expect(page.locator("#verify-result")).to_have_attribute("data-ok", "true")


async def test_every_entry_of_a_larger_tree_verifies(live_server: str, page: Page) -> None:
    """Positions across an unbalanced tree (10 entries): the path walk matches RFC 9162."""
    _, ids = await _story(live_server)
    for entry in (ids["pledge"], ids["cancel"], ids["disbursement"]):
        await page.goto(f"{live_server}/disclosure/verify?entry={entry}")
        await expect(page.locator("#verify-result")).to_have_attribute(
            "data-ok", "true", timeout=10_000
        )


async def test_in_browser_verification_picks_the_key_by_id_after_a_rotation(
    settings: Settings, page: Page
) -> None:
    """The latest head still signed by the retired key (no sealing since the rotation): the
    page must find that key among all published keys and check its period, not use the
    key now in force."""
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from backend.settings import set_settings
    from tests.served import served

    new_seed = base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()
    rotation = datetime.now(UTC) - timedelta(hours=1)
    schedule = f"{settings.ledger_signing_key},{new_seed}@{rotation.isoformat()}"
    set_settings(settings.model_copy(update={"ledger_signing_keys": schedule}))
    try:
        async with unit_of_work():
            entry = await ledger.append(EntryKind.donation, amount_fen=12_300, need="n-rot")
        async with unit_of_work():
            await seal(now=rotation - timedelta(minutes=10))
    finally:
        set_settings(settings)
    env = {"LEDGER_SIGNING_KEYS": schedule}
    with served(env) as url:
        await page.goto(f"{url}/disclosure/verify?entry={entry}")
        await expect(page.locator("#verify-result")).to_have_attribute(
            "data-ok", "true", timeout=10_000
        )
        await expect(page.locator('#verify-steps li[data-step="key"]')).to_contain_text(
            "签发时该密钥在有效期内"
        )
