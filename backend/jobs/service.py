"""Dead letters: recorded in their own transaction so the failed job's rollback keeps them."""

from __future__ import annotations

import json
from typing import Any

from backend.jobs.tables import DeadJob
from backend.logging import scrub_text


async def record_dead_letter(
    name: str, args: tuple[Any, ...], exc: BaseException, tries: int
) -> None:
    from backend.db import unit_of_work

    async with unit_of_work():
        await DeadJob.insert(
            DeadJob(
                name=name,
                args=json.dumps(list(args), default=str),
                error_type=type(exc).__name__,
                error_message=scrub_text(str(exc))[:2000],
                tries=tries,
            )
        )


async def dead_letters(limit: int = 100) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await DeadJob.select().order_by(DeadJob.failed_at, ascending=False).limit(limit)
    )
    return rows
