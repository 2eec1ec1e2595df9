"""The work behind CLI commands, each in one unit of work."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from backend.accounts.schemas import CurrentUser, UserCreate
from backend.db import start_engine, stop_engine, unit_of_work
from backend.ledger.witnesses import WitnessView
from backend.needs.search_sync import Drift
from matching.ledger import TreeHead

if TYPE_CHECKING:
    from backend.rotation.blind_index import BlindIndexReport
    from backend.rotation.data_keys import RotationReport as DataKeyReport


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


async def data_key_rotation(batch_size: int, *, check_only: bool) -> DataKeyReport:
    from backend.rotation import data_keys

    await start_engine()
    try:
        if check_only:
            return data_keys.RotationReport(remaining=await data_keys.remaining())
        return await data_keys.rotate(batch_size)
    finally:
        await stop_engine()


async def blind_index_rotation(batch_size: int, *, check_only: bool) -> BlindIndexReport:
    from backend.rotation import blind_index

    await start_engine()
    try:
        if check_only:
            return blind_index.BlindIndexReport(
                remaining_members=await blind_index.remaining("household_member"),
                remaining_declarations=await blind_index.remaining("relative_declaration"),
            )
        return await blind_index.rotate(batch_size)
    finally:
        await stop_engine()
