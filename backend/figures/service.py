"""The platform's headline figures, computed by a job and read by the home page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from backend.accounts.tables import Role, User
from backend.figures.tables import HeadlineFigures
from backend.organisations.tables import Organisation
from backend.regions.tables import Region

PLATFORM = "platform"


class Figure(BaseModel):
    key: str
    label: str
    value: int
    display: str


class Figures(BaseModel):
    items: list[Figure]
    computed_at: str


#: Order and wording of the figures on the home page.
_LABELS = {
    "organisations_verified": "已认证帮扶组织",
    "volunteers": "注册志愿者",
    "communities_covered": "已接入社区（村）",
    "staff": "民政工作人员",
}


async def compute_platform_figures() -> dict[str, int]:
    return {
        "organisations_verified": await Organisation.count().where(Organisation.verified.eq(True)),
        "volunteers": await User.count().where(
            (User.role == Role.volunteer) & User.is_active.eq(True)
        ),
        "communities_covered": await Region.count().where(Region.level == 5),
        "staff": await User.count().where((User.role == Role.staff) & User.is_active.eq(True)),
    }


async def refresh_platform_figures() -> dict[str, int]:
    figures = await compute_platform_figures()
    now = datetime.now(UTC)
    existing = await HeadlineFigures.exists().where(HeadlineFigures.scope == PLATFORM)
    if existing:
        await HeadlineFigures.update(
            {HeadlineFigures.figures: json.dumps(figures), HeadlineFigures.computed_at: now}
        ).where(HeadlineFigures.scope == PLATFORM)
    else:
        await HeadlineFigures.insert(
            HeadlineFigures(scope=PLATFORM, figures=json.dumps(figures), computed_at=now)
        )
    return figures


def _display(value: int) -> str:
    return f"{value:,}"


async def platform_figures() -> Figures | None:
    row = await HeadlineFigures.select().where(HeadlineFigures.scope == PLATFORM).first()
    if row is None:
        return None
    raw: Any = row["figures"]
    values: dict[str, int] = json.loads(raw) if isinstance(raw, str) else raw
    items = [
        Figure(key=key, label=label, value=values.get(key, 0), display=_display(values.get(key, 0)))
        for key, label in _LABELS.items()
    ]
    computed_at: datetime = row["computed_at"]
    return Figures(items=items, computed_at=computed_at.astimezone().strftime("%Y-%m-%d %H:%M"))
