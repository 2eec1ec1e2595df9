"""Choices the back office reads from the database each time a form is opened: regions by
their full names, organisations by name. A code is never typed where a name can be picked."""

from __future__ import annotations

from typing import Any

from backend.organisations.tables import Organisation
from backend.regions.tables import Region


async def region_choices() -> dict[str, str]:
    """Every region, code → "天津市 / 滨海新区 / 塘沽街道", in code order."""
    rows: list[dict[str, Any]] = await Region.select(
        Region.code, Region.name, Region.parent_code
    ).order_by(Region.code)
    by_code = {row["code"]: row for row in rows}

    def path(code: str) -> str:
        names: list[str] = []
        seen: set[str] = set()
        current: str | None = code
        while current and current in by_code and current not in seen:
            seen.add(current)
            names.append(by_code[current]["name"])
            current = by_code[current]["parent_code"]
        return " / ".join(reversed(names))

    return {row["code"]: path(row["code"]) for row in rows}


async def organisation_choices() -> dict[str, str]:
    """Organisations by public id, named (and told apart by their public id if names repeat)."""
    rows: list[dict[str, Any]] = await Organisation.select(
        Organisation.public_id, Organisation.name
    ).order_by(Organisation.name)
    names = [row["name"] for row in rows]
    return {
        row["public_id"]: row["name"]
        if names.count(row["name"]) == 1
        else f"{row['name']}（{row['public_id']}）"
        for row in rows
    }


async def table_choices(tablename: str) -> dict[str, dict[Any, str]]:
    if tablename == "app_user":
        return {"region_code": await region_choices()}
    return {}


async def form_choices() -> dict[str, dict[Any, str]]:
    """The choices the custom forms (``admin.site``) name by field."""
    return {"region_code": await region_choices(), "organisation_id": await organisation_choices()}
