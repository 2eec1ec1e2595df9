"""The work behind CLI commands, each in one unit of work."""

from __future__ import annotations

from pathlib import Path

from backend.accounts.schemas import CurrentUser, UserCreate
from backend.db import unit_of_work


async def load_regions(path: Path | None = None) -> int:
    from backend.regions.service import load_regions as load
    from backend.regions.service import read_fixture

    rows = read_fixture(path)
    async with unit_of_work():
        return await load(rows)


async def create_user(data: UserCreate) -> CurrentUser:
    from backend.accounts.service import create_user as create

    async with unit_of_work():
        return await create(data)
