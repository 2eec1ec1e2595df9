"""Absolute links and QR codes follow the address the site is served under (or
``PUBLIC_BASE_URL``), and a cached page never carries another reader's address."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import httpx
import pytest

from backend.disclosure.pages import qr_code
from backend.settings import Settings, set_settings
from tests.integration.disclosure.ledger_helpers import publish_money_need
from tests.served import served

pytestmark = pytest.mark.usefixtures("database")


def qr_payload(html: str, label: str = "本页链接的二维码") -> str:
    """The address a page's QR code encodes: the code is rebuilt for the address its caption
    names and must be the very same drawing, module for module."""
    found = re.search(r'<svg role="img" aria-label="' + re.escape(label) + r'".*?</svg>', html)
    assert found, f"no QR code labelled {label}"
    svg = found.group(0)
    url = re.search(r"<title>[^<]*：([^<]+)</title>", svg)
    assert url, "the QR code names no address"
    assert str(qr_code(url.group(1), label)) == svg
    return url.group(1)


@pytest.fixture
def public_base(settings: Settings) -> Iterator[None]:
    set_settings(settings.model_copy(update={"public_base_url": "https://救助.example.cn"}))
    yield
    set_settings(settings)


async def test_links_follow_the_host_the_page_was_asked_under(
    client: httpx.AsyncClient,
) -> None:
    need = await publish_money_need(client)
    path = f"/disclosure/needs/{need['need_id']}"

    first = await client.get(path, headers={"Host": "aid.example.org"})
    assert qr_payload(first.text) == f"http://aid.example.org{path}"
    assert "127.0.0.1:8000" not in first.text

    # The same version of the page asked under another name: its own links, not the cached ones.
    second = await client.get(path, headers={"Host": "10.1.2.3:8080"})
    assert qr_payload(second.text) == f"http://10.1.2.3:8080{path}"
    assert "aid.example.org" not in second.text

    platform = await client.get("/disclosure", headers={"Host": "aid.example.org"})
    assert qr_payload(platform.text) == "http://aid.example.org/disclosure"

    # A malformed Host header is never echoed into a page.
    odd = await client.get(path, headers={"Host": 'x"><script>alert(1)</script>'})
    assert "<script>alert" not in odd.text


async def test_open_data_instructions_and_files_use_the_host(client: httpx.AsyncClient) -> None:
    need = await publish_money_need(client)
    html = (await client.get("/disclosure/open-data", headers={"Host": "aid.example.org"})).text
    assert qr_payload(html) == "http://aid.example.org/disclosure/open-data"
    assert "aidbridge ledger-download --url http://aid.example.org --out ledger" in html
    assert "http://aid.example.org/api/v1/ledger/tree-head" in html

    for host in ("aid.example.org", "data.example.net"):
        response = await client.get("/api/v1/disclosure/needs.csv", headers={"Host": host})
        (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        assert row["disclosure_url"] == f"http://{host}/disclosure/needs/{need['need_id']}"


async def test_public_base_url_wins_over_the_host(
    client: httpx.AsyncClient, public_base: None
) -> None:
    need = await publish_money_need(client)
    path = f"/disclosure/needs/{need['need_id']}"
    page = await client.get(path, headers={"Host": "aid.example.org"})
    assert qr_payload(page.text) == f"https://救助.example.cn{path}"
    opendata = (await client.get("/disclosure/open-data")).text
    assert "ledger-download --url https://救助.example.cn --out" in opendata


def test_a_served_site_links_to_the_name_it_was_reached_by() -> None:
    """A real server (uvicorn), PUBLIC_BASE_URL unset, reached as ``localhost``."""
    with served({"PUBLIC_BASE_URL": ""}) as url:
        port = url.rsplit(":", 1)[1]
        html = httpx.get(f"http://localhost:{port}/disclosure/open-data", timeout=10).text
        assert qr_payload(html) == f"http://localhost:{port}/disclosure/open-data"
        assert f"--url http://localhost:{port} --out" in html
        assert "127.0.0.1:8000" not in html
