"""Reading policy parameters: the value in force at a date, for a region.

The most specific region wins (a street's value over its district's over the platform's), and
within one region the latest ``effective_from`` on or before the date. History is never edited
in place, so any past computation can be re-derived with the value it used.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from backend.errors import DomainError
from backend.policy.tables import PolicyParameter
from matching.regions import LEVEL_DIGITS


class PolicyParameterMissing(DomainError):
    status_code = 500
    code = "policy_parameter_missing"
    message = "缺少政策参数配置"


def _region_chain(region_code: str | None) -> list[str | None]:
    """The region and its ancestors, most specific first, then the platform (None)."""
    chain: list[str | None] = []
    if region_code:
        for digits in sorted(LEVEL_DIGITS.values(), reverse=True):
            code = region_code[:digits].ljust(12, "0")
            if code not in chain and code[:digits].strip("0"):
                chain.append(code)
    chain.append(None)
    return chain


async def value_at(name: str, on: date, region_code: str | None = None) -> Any:
    rows = await PolicyParameter.select(
        PolicyParameter.region_code, PolicyParameter.value, PolicyParameter.effective_from
    ).where((PolicyParameter.name == name) & (PolicyParameter.effective_from <= on))
    best: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        current = best.get(row["region_code"])
        if current is None or row["effective_from"] > current["effective_from"]:
            best[row["region_code"]] = row
    for region in _region_chain(region_code):
        if region in best:
            raw = best[region]["value"]
            return json.loads(raw) if isinstance(raw, str) else raw
    raise PolicyParameterMissing(f"缺少政策参数：{name}")


async def int_at(name: str, on: date, region_code: str | None = None) -> int:
    return int(await value_at(name, on, region_code))
