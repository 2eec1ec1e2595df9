"""The work behind CLI commands, each in one unit of work."""

from __future__ import annotations

from pathlib import Path

from backend.accounts.schemas import CurrentUser, UserCreate
from backend.db import unit_of_work
from backend.ledger.witnesses import WitnessView
from backend.needs.search_sync import Drift
from matching.ledger import TreeHead


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


async def reindex_search() -> int:
    from backend.db import start_engine
    from backend.needs.search_sync import close_search_index, reindex

    await start_engine()
    try:
        return await reindex()
    finally:
        await close_search_index()


async def search_drift() -> Drift:
    from backend.needs.search_sync import close_search_index, drift

    try:
        return await drift()
    finally:
        await close_search_index()


async def seal_ledger() -> TreeHead:
    from backend.ledger.sealing import seal

    async with unit_of_work():
        return await seal()


async def register_witness(name: str, public_key: str) -> WitnessView:
    from backend.ledger.witnesses import register

    async with unit_of_work():
        return await register("命令行", name, public_key)


async def heads_per_key() -> dict[str, int]:
    from backend.ledger.tables import TreeHead as TreeHeadRow

    async with unit_of_work(write=False):
        rows = await TreeHeadRow.raw(
            "SELECT key_id, COUNT(*) AS n FROM ledger_tree_head GROUP BY key_id"
        )
    return {r["key_id"]: int(r["n"]) for r in rows}
