"""Reasoning about 12-digit statistical division codes (统计用区划代码).

The code is hierarchical: 2 digits province, 2 city, 2 district, 3 street, 3 community, each
level zero-padded below itself. So whether a region lies inside another is a prefix test, and
the region scope of a staff member needs no tree walk.
"""

from __future__ import annotations

import re

#: Significant digits of a code at each level (1 province … 5 community).
LEVEL_DIGITS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
LEVEL_NAMES = {1: "省", 2: "市", 3: "区县", 4: "街道乡镇", 5: "社区村"}
_CODE = re.compile(r"^\d{12}$")


class InvalidRegionCode(ValueError):
    pass


def is_region_code(code: str) -> bool:
    return bool(_CODE.match(code))


def level_of(code: str) -> int:
    """The level a code stands for: the first level below which it is all zeros."""
    if not is_region_code(code) or code[:2] == "00":
        raise InvalidRegionCode(code)
    for level in (1, 2, 3, 4):
        if not code[LEVEL_DIGITS[level] :].strip("0"):
            return level
    return 5


def significant_prefix(code: str) -> str:
    return code[: LEVEL_DIGITS[level_of(code)]]


def contains(scope_code: str, code: str) -> bool:
    """True when ``code`` is ``scope_code`` itself or lies anywhere beneath it."""
    return code.startswith(significant_prefix(scope_code))


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == 1:
        return None
    digits = LEVEL_DIGITS[level - 1]
    return code[:digits].ljust(12, "0")
