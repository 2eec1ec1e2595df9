"""The policy table is reference data kept between tests (see tests/conftest.py): every test
here removes the values it added, so the defaults are what the next test finds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.policy.tables import PolicyParameter


@pytest.fixture(autouse=True)
async def keep_policy_defaults(database: None) -> AsyncIterator[None]:
    rows = await PolicyParameter.select(PolicyParameter.id)
    before = max((row["id"] for row in rows), default=0)
    yield
    await PolicyParameter.delete().where(PolicyParameter.id > before)
