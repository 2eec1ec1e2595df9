"""Reading a need's ledger entries back in tests (the disclosure service has its own reads)."""

from __future__ import annotations

from typing import Any

from backend.ledger.tables import LedgerEntry


async def entries_of_need(need_public_id: str) -> list[dict[str, Any]]:
    """Every entry about a need, oldest first, sealed or not."""
    rows: list[dict[str, Any]] = (
        await LedgerEntry.select(
            LedgerEntry.public_id,
            LedgerEntry.seq,
            LedgerEntry.kind,
            LedgerEntry.organisation_public_id,
            LedgerEntry.pledge_public_id,
            LedgerEntry.amount_fen,
            LedgerEntry.hours,
            LedgerEntry.body,
            LedgerEntry.leaf_hash,
        )
        .where(LedgerEntry.need_public_id == need_public_id)
        .order_by(LedgerEntry.id)
    )
    return rows
