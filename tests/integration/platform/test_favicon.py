"""The site icon: /favicon.ico (asked for by browsers on their own) and the SVG pages link."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("database")


async def test_favicon_is_served_without_a_session(client: httpx.AsyncClient) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO directory
    assert int.from_bytes(icon.content[4:6], "little") == 2  # 16 and 32 px
    assert "set-cookie" not in icon.headers
    svg = await client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    home = (await client.get("/")).text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in home
