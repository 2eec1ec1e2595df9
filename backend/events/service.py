"""Recording transitions: call inside the unit of work that makes the change."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from backend.db import execute_raw
from backend.events.tables import Event


async def record_event(
    kind: str,
    *,
    need_id: int | None = None,
    pledge_id: str | None = None,
    actor_id: int | None = None,
    **data: Any,
) -> None:
    # Hand-written: this runs inside every pledge request, where Piccolo's object building
    # costs more than the insert itself.
    await execute_raw(
        "INSERT INTO domain_event (at, kind, need, pledge_id, actor, data) "
        "VALUES ({}, {}, {}, {}, {}, {})",
        datetime.now(UTC),
        kind,
        need_id,
        pledge_id,
        actor_id,
        json.dumps(data, ensure_ascii=False, default=str),
    )


async def events_of_need(need_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Event.select(Event.kind, Event.pledge_id, Event.data, Event.at)
        .where(Event.need == need_id)
        .order_by(Event.id)
    )
    return rows
