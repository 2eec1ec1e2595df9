"""A donation in a real browser: the 我要捐赠 form on the need page, the payment page with
Stripe.js, and the return page that turns into a receipt once the verified webhook arrived.

localstripe's Stripe.js stand-in mounts a card form for any Element but has no
``confirmPayment``; so the browser goes as far as the mounted Payment Element, and the test then
confirms the PaymentIntent with a test card through the stripe library, as Stripe.js would.
localstripe delivers the signed webhook to the live server; the browser is sent to the return
URL, which refreshes itself until the donation is recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import stripe
from playwright.async_api import Page, expect

from tests.integration.donations.support import (
    SECRET_KEY,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    fundraising_need,
    localstripe,
    stripe_live_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("database")]


@pytest.fixture
def stripe_site() -> Iterator[tuple[str, str]]:
    """(AidBridge URL, localstripe URL), the webhook registered with localstripe."""
    with localstripe() as stripe_base, stripe_live_server(stripe_base) as url:
        response = httpx.post(
            f"{stripe_base}/_config/webhooks/aidbridge",
            data={"url": url + WEBHOOK_PATH, "secret": WEBHOOK_SECRET},
        )
        assert response.status_code == 200
        yield url, stripe_base


def _confirm_with_test_card(stripe_base: str, intent_id: str) -> None:
    api = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_base})
    method = api.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    api.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    api.v1.payment_intents.confirm(intent_id)


async def test_donor_gives_through_the_need_page_and_gets_a_receipt(
    client: httpx.AsyncClient, stripe_site: tuple[str, str], page: Page
) -> None:
    url, stripe_base = stripe_site
    need = await fundraising_need(client, pledge_fen=50_000)

    await page.goto(f"{url}/needs/{need['need_id']}")
    section = page.locator("#donate")
    await expect(section.get_by_role("heading", name="我要捐赠")).to_be_visible()
    await section.get_by_label("捐赠金额（元）").fill("66.60")
    await section.get_by_label("公开显示名称").fill("小王")
    await section.get_by_role("button", name="下一步：支付").click()

    await expect(page.get_by_role("heading", name="支付捐赠", exact=True)).to_be_visible()
    await expect(page.get_by_text("¥66.60").first).to_be_visible()
    # Stripe.js (here localstripe's) was loaded from STRIPE_JS_URL and mounted the Element.
    await expect(page.locator("#payment-element input").first).to_be_attached()
    form = page.locator("#payment-form")
    secret = await form.get_attribute("data-client-secret")
    return_url = await form.get_attribute("data-return-url")
    assert secret and return_url and return_url.startswith(url)

    await asyncio.to_thread(_confirm_with_test_card, stripe_base, secret.split("_secret_")[0])
    await page.goto(f"{return_url}?redirect_status=succeeded")
    await expect(page.locator("#donation-status")).to_have_text("捐赠成功", timeout=20_000)
    await page.get_by_role("link", name="查看电子捐赠凭证").click()
    await expect(page.get_by_role("heading", name="电子捐赠凭证")).to_be_visible()
    await expect(page.get_by_text("小王")).to_be_visible()
    await expect(page.locator("svg.segno")).to_be_visible()
