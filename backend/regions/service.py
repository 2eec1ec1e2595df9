"""Regions: loading the division tree and reading it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from backend.errors import NotFound
from backend.regions.tables import Region
from matching.regions import level_of, parent_code

FIXTURE = "regions.json"


class RegionRead(BaseModel):
    code: str
    name: str
    level: int
    parent_code: str | None


class RegionNotFound(NotFound):
    code = "region_not_found"
    message = "该地区不存在"


def read_fixture(path: Path | None = None) -> list[dict[str, Any]]:
    if path is None:
        text = resources.files("backend.regions").joinpath("fixtures", FIXTURE).read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    for row in rows:
        # The fixture must agree with the code's own structure; refuse it otherwise.
        if level_of(row["code"]) != row["level"] or parent_code(row["code"]) != row["parent"]:
            raise ValueError(f"region row disagrees with its code: {row['code']}")
    return rows


async def load_regions(rows: list[dict[str, Any]]) -> int:
    """Insert or update every row; loading the same file twice changes nothing."""
    existing = {r["code"]: r for r in await Region.select()}
    written = 0
    for row in rows:
        current = existing.get(row["code"])
        wanted: dict[Any, Any] = {
            "name": row["name"],
            "level": row["level"],
            "parent_code": row["parent"],
        }
        if current is None:
            await Region.insert(Region(code=row["code"], **wanted))
            written += 1
        elif any(current[k] != v for k, v in wanted.items()):
            await Region.update(wanted).where(Region.code == row["code"])
            written += 1
    return written


async def get_region(code: str) -> RegionRead:
    row = await Region.select().where(Region.code == code).first()
    if row is None:
        raise RegionNotFound(field="code")
    return RegionRead(**row)


async def children(code: str | None) -> list[RegionRead]:
    query = Region.select().order_by(Region.code)
    query = query.where(
        Region.parent_code.is_null() if code is None else Region.parent_code == code
    )
    return [RegionRead(**row) for row in await query]


async def region_name(code: str | None) -> str | None:
    if not code:
        return None
    row = await Region.select(Region.name).where(Region.code == code).first()
    return row["name"] if row else None


async def full_name(code: str, *, from_level: int = 3) -> str:
    """The region's name with its ancestors from ``from_level`` down, e.g. 滨海新区塘沽街道."""
    codes = [code]
    current: str | None = code
    while current and level_of(current) > from_level:
        current = parent_code(current)
        if current:
            codes.append(current)
    rows = await Region.select(Region.code, Region.name).where(Region.code.is_in(codes))
    names = {row["code"]: row["name"] for row in rows}
    return "".join(names.get(c, "") for c in reversed(codes)) or code
