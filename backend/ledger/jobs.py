"""Scheduled sealing of the ledger (every minute; idempotent: nothing new, nothing signed)."""

from __future__ import annotations

from backend.jobs import job
from backend.ledger.sealing import seal


@job
async def sign_tree_head() -> None:
    await seal()
