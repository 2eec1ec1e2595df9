"""Needs lapse past their review date, expire past their deadline, reopen on re-verification."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from backend.audit.tables import AuditEntry
from backend.db import unit_of_work
from backend.needs.lifecycle import sweep
from backend.needs.tables import Need
from matching.calendar import add_months
from tests.needs_factory import publish_need

pytestmark = pytest.mark.usefixtures("database")


async def test_review_due_lapses_and_reverification_reopens(client: httpx.AsyncClient) -> None:
    published = await publish_need(client)
    need_id = published["need"]["id"]
    await Need.update({Need.review_due_on: date.today() - timedelta(days=1)}, force=True)

    async with unit_of_work():
        assert await sweep() == {"lapsed": 1, "expired": 0}
    async with unit_of_work():
        assert await sweep() == {"lapsed": 0, "expired": 0}  # idempotent
    need = (await client.get(f"/api/v1/needs/{need_id}")).status_code
    assert need == 404  # lapsed needs leave the public hall until staff re-verify

    response = await client.post(
        f"/api/v1/cases/{published['case']['ref']}/reverify", headers=published["staff_headers"]
    )
    assert response.status_code == 201
    assert response.json() == {"reopened": 1}
    reopened = (await client.get(f"/api/v1/needs/{need_id}")).json()
    assert reopened["status"] == "published"
    assert reopened["review_due_on"] == add_months(date.today(), 6).isoformat()
    assert await AuditEntry.exists().where(AuditEntry.action == "case.reverify")


async def test_deadline_passed_expires_and_refuses_pledges(client: httpx.AsyncClient) -> None:
    published = await publish_need(client)
    await Need.update({Need.deadline: date.today() - timedelta(days=1)}, force=True)
    async with unit_of_work():
        assert await sweep() == {"lapsed": 0, "expired": 1}
    row = await Need.select(Need.status).first()
    assert row == {"status": "expired"}
    assert published["need"]["status"] == "published"
