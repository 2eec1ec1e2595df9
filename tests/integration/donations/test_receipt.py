"""The electronic donation receipt: public by unguessable id, with a QR code to the need's
disclosure page, and nothing personal."""

from __future__ import annotations

import httpx
import pytest

from backend.disclosure.pages import qr_code
from backend.donations.tables import Donation
from backend.settings import Settings
from tests.integration.donations.support import donate, fundraising_need, offline_donation

pytestmark = pytest.mark.usefixtures("database")


async def test_receipt_shows_the_donation_and_a_qr_code_to_the_disclosure_page(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    donation = await offline_donation(client, need, 12_300, "RCPT0001")
    response = await client.get(f"/donations/{donation['id']}/receipt")
    assert response.status_code == 200
    text = response.text
    assert "电子捐赠凭证" in text
    assert "¥123.00" in text and "爱心人士" in text
    assert donation["id"] in text and donation["ledger_entry_id"] in text
    assert donation["organisation_name"] in text and donation["need_title"] in text
    assert "<svg" in text and 'class="segno"' in text
    # Absolute links on the address the receipt was asked under, never a fixed one.
    disclosure = f"http://testserver.local/disclosure/needs/{need['need_id']}"
    assert str(qr_code(disclosure, "需求信息公开页的二维码")) in text
    proof = f"http://testserver.local/api/v1/ledger/proofs/inclusion/{donation['ledger_entry_id']}"
    assert f'href="{proof}"' in text
    assert "127.0.0.1:8000" not in text
    # Nothing about the household or the bank transfer reaches the public receipt.
    case = need["case"]
    for member in case["members"]:
        assert member["id_number"] not in text
        assert member["name"] not in text
    assert "RCPT0001" not in text
    api = (await client.get(f"/api/v1/donations/{donation['id']}")).json()
    assert "bank_reference" not in api


async def test_no_receipt_before_the_payment_succeeded(
    client: httpx.AsyncClient, stripe_on: Settings
) -> None:
    need = await fundraising_need(client)
    started = (await donate(client, need["need_id"], need["org_id"], 5_000)).json()
    donation_id = started["donation"]["id"]
    assert (await client.get(f"/donations/{donation_id}/receipt")).status_code == 404
    status = await client.get(f"/donations/{donation_id}")
    assert status.status_code == 200 and "支付处理中" in status.text
    assert status.headers.get("refresh") == "3"
    assert (await client.get("/donations/not-a-real-id/receipt")).status_code == 404
    assert await Donation.count() == 1
