"""Keeping the search engine on the thesaurus in force."""

from __future__ import annotations

from backend.jobs import job
from backend.thesaurus import service


@job
async def apply_thesaurus() -> None:
    """Write the merged thesaurus to the search engine (idempotent: it reads the edits now)."""
    await service.apply()
